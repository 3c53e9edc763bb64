// Issue "Signal over noise": a sum pooling into a non-splat constant. The pass detaches the
// init (fill(0) + a trailing add); without the pass the constant is written in place.
// IREE as shipped (with the pass) is correct: `fuzzir check` exits 0 and reports the guard.
func.func @main(%input: tensor<1x6x6x2xi32>) -> tensor<1x3x3x2xi32> {
  %window = tensor.empty() : tensor<2x2xi32>
  %cst = arith.constant dense<[[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]], [[13, 14], [15, 16], [17, 18]]]]> : tensor<1x3x3x2xi32>
  %0 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%input, %window : tensor<1x6x6x2xi32>, tensor<2x2xi32>) outs(%cst : tensor<1x3x3x2xi32>) -> tensor<1x3x3x2xi32>
  return %0 : tensor<1x3x3x2xi32>
}
