// tensor.expand_shape between a non-splat constant and the reduction accumulating into it.
// IREE 3.13 (llvm-cpu): compile error "write affecting operations on global resources ...".
func.func @main(%a: tensor<2x4x8xi32>) -> tensor<2x4xi32> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %e = tensor.expand_shape %c [[0, 1]] output_shape [2, 4] : tensor<8xi32> into tensor<2x4xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a : tensor<2x4x8xi32>) outs(%e : tensor<2x4xi32>) {
  ^bb0(%x: i32, %s: i32):
    %0 = arith.addi %x, %s : i32
    linalg.yield %0 : i32
  } -> tensor<2x4xi32>
  return %r : tensor<2x4xi32>
}
