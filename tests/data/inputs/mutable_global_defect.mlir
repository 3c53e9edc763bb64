// A mutable util.global that nothing stores to, reduced into. IREE 3.13 makes it a constant
// (no store) and then rejects the program it made (llvm-cpu): compile error "write affecting
// operations on global resources ...". The global itself is never reported as a constant.
util.global private mutable @acc = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
func.func @main(%a: tensor<4x8xi32>) -> tensor<8xi32> {
  %g = util.global.load @acc : tensor<8xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%g : tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32):
    %0 = arith.addi %x, %s : i32
    linalg.yield %0 : i32
  } -> tensor<8xi32>
  return %r : tensor<8xi32>
}
