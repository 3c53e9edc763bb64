// IREE 3.13: iree-global-opt-detach-elementwise-from-named-ops rewrites this min pooling as
// fill(0) -> pooling_nhwc_min -> addf(%cst): min(c, x) becomes min(0, x) + c, which is wrong.
// Wrong on every target with the pass; right without it.
func.func @main(%img: tensor<1x3x3x1xf32>) -> tensor<1x2x2x1xf32> {
  %cst = arith.constant dense<[[[[1.0], [-2.0]], [[3.0], [0.0]]]]> : tensor<1x2x2x1xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %0 = linalg.pooling_nhwc_min {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%img, %w : tensor<1x3x3x1xf32>, tensor<2x2xf32>) outs(%cst : tensor<1x2x2x1xf32>) -> tensor<1x2x2x1xf32>
  return %0 : tensor<1x2x2x1xf32>
}
