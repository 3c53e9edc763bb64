// tensor.insert_slice into a constant: a plain copy of the constant with a slice replaced;
// no dispatch writes the constant, so nothing may be reported.
func.func @main(%a: tensor<2x4xf32>) -> tensor<4x4xf32> {
  %c = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]> : tensor<4x4xf32>
  %r = tensor.insert_slice %a into %c[1, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
