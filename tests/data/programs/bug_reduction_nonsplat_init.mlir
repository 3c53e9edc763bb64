// From IREE's constants-as-outs discussion: a reduction accumulating into a non-splat constant.
// IREE 3.13, llvm-cpu, default flags: compile error ("write affecting operations on global resources
// are restricted to workgroup distributed contexts"). With --iree-flow-inline-constants-max-byte-length=0:
// the constant reaches the dispatch through a readwrite binding and is copied first (copy-on-write).
func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
  %cst = arith.constant dense<[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]> : tensor<32xi32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<4x32xi32>) outs(%cst : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  } -> tensor<32xi32>
  return %3 : tensor<32xi32>
}
