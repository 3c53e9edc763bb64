func.func @main(%arg0: tensor<1x5x3x2xi8>) -> tensor<1x1x1x2xi8> {
  %cst0 = tensor.empty() : tensor<3x2xi8>
  %cst1 = arith.constant dense<0> : tensor<1x1x1x2xi8> loc("cst1:splat")
  %op0 = linalg.pooling_nhwc_min {dilations = dense<[2, 2]> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>} ins(%arg0, %cst0 : tensor<1x5x3x2xi8>, tensor<3x2xi8>) outs(%cst1 : tensor<1x1x1x2xi8>) -> tensor<1x1x1x2xi8> loc("op0:linalg.pooling_nhwc_min")
  return %op0 : tensor<1x1x1x2xi8>
}
