// A i16 reduction accumulating into a non-splat constant bias (the issue's program, in i16).
// IREE 3.13 (llvm-cpu): compile error "write affecting operations on global resources are
// restricted to workgroup distributed contexts": the pass leaves a non-contraction op's init alone.
func.func @main(%a: tensor<4x8xi16>) -> tensor<8xi16> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi16>) outs(%c : tensor<8xi16>) {
  ^bb0(%x: i16, %s: i16):
    %0 = arith.addi %x, %s : i16
    linalg.yield %0 : i16
  } -> tensor<8xi16>
  return %r : tensor<8xi16>
}
