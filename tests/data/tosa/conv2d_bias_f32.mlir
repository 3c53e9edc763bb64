// A TOSA conv2d with a constant bias, as TFLite exports it: IREE lowers it to a linalg.conv_2d_nhwc_hwcf
// whose destination is the bias broadcast. Right on IREE 3.13: the TOSA reference model agrees.
func.func @main(%x: tensor<1x5x5x3xf32>) -> tensor<1x3x3x4xf32> {
  %w = "tosa.const"() <{values = dense<[[[[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]]], [[[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]]], [[[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]]], [[[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]], [[0.5, -1.0, 0.25], [1.5, 2.0, -0.5], [0.0, 1.0, 1.0]]]]> : tensor<4x3x3x3xf32>}> : () -> tensor<4x3x3x3xf32>
  %b = "tosa.const"() <{values = dense<[1.0, -2.0, 3.0, 0.5]> : tensor<4xf32>}> : () -> tensor<4xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %r = "tosa.conv2d"(%x, %w, %b, %zp, %zp) <{acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}> : (tensor<1x5x5x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x4xf32>
  return %r : tensor<1x3x3x4xf32>
}
