// A TOSA conv2d whose bias is a util.unfoldable_constant (IREE's test idiom): IREE compiles it, the TOSA
// reference model cannot run it, so the tosa-reference oracle abstains and says why.
func.func @main(%x: tensor<1x4x4x1xf32>) -> tensor<1x3x3x2xf32> {
  %w = "tosa.const"() <{values = dense<[[[[1.0], [2.0]], [[-1.0], [0.0]]], [[[0.0], [1.0]], [[1.0], [1.0]]]]> : tensor<2x2x2x1xf32>}> : () -> tensor<2x2x2x1xf32>
  %b = util.unfoldable_constant dense<[1.0, -2.0]> : tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %r = "tosa.conv2d"(%x, %w, %b, %zp, %zp) <{acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}> : (tensor<1x4x4x1xf32>, tensor<2x2x2x1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x2xf32>
  return %r : tensor<1x3x3x2xf32>
}
