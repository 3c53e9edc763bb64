// NCHW max pooling into a non-splat constant, next to a tensor.collapse_shape that keeps the whole
// program outside fuzzir's model (so the numpy reference abstains). IREE 3.13's decoupling pass
// rewrites max(c, x) as max(0, x) + c: result 0 is wrong on every target with the pass.
func.func @main(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x3x3xf32>, tensor<2x16xf32>) {
  %init = arith.constant dense<[[[[1.0, 9.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 2.0]], [[-1.0, -2.0, 3.0], [0.0, 5.0, -6.0], [7.0, 1.0, 2.0]]]]> : tensor<1x2x3x3xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %r = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %flat = tensor.collapse_shape %x [[0, 1], [2, 3]] : tensor<1x2x4x4xf32> into tensor<2x16xf32>
  return %r, %flat : tensor<1x2x3x3xf32>, tensor<2x16xf32>
}
