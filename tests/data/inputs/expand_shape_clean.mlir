// tensor.expand_shape of a constant read as an input (added elementwise): right on IREE 3.13.
func.func @main(%a: tensor<2x4xi32>) -> tensor<2x4xi32> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %x = tensor.expand_shape %c [[0, 1]] output_shape [2, 4] : tensor<8xi32> into tensor<2x4xi32>
  %e = tensor.empty() : tensor<2x4xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a, %x : tensor<2x4xi32>, tensor<2x4xi32>) outs(%e : tensor<2x4xi32>) {
  ^bb0(%p: i32, %q: i32, %o: i32):
    %0 = arith.addi %p, %q : i32
    linalg.yield %0 : i32
  } -> tensor<2x4xi32>
  return %r : tensor<2x4xi32>
}
