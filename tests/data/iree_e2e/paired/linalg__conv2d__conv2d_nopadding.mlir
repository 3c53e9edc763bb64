module {
  func.func @conv2d_nopadding() -> (tensor<1x1x2x3xf32>, tensor<1x1x2x3xf32>) {
    %0 = util.unfoldable_constant dense<[[[[1.000000e+00, 3.000000e+00, 5.000000e+00, 7.000000e+00], [1.100000e+01, 1.300000e+01, 1.500000e+01, 1.700000e+01], [2.100000e+01, 2.300000e+01, 2.500000e+01, 2.700000e+01], [3.100000e+01, 3.300000e+01, 3.500000e+01, 3.700000e+01]], [[2.000000e+00, 4.000000e+00, 6.000000e+00, 8.000000e+00], [1.200000e+01, 1.400000e+01, 1.600000e+01, 1.800000e+01], [2.200000e+01, 2.400000e+01, 2.600000e+01, 2.800000e+01], [3.200000e+01, 3.400000e+01, 3.600000e+01, 3.800000e+01]]]]> : tensor<1x2x4x4xf32>
    %1 = util.unfoldable_constant dense<[[[[1.000000e+00, 3.000000e+00], [5.000000e+00, 7.000000e+00], [9.000000e+00, 1.100000e+01]], [[2.000000e+00, 4.000000e+00], [6.000000e+00, 8.000000e+00], [1.000000e+01, 1.200000e+01]]]]> : tensor<1x2x3x2xf32>
    %cst = arith.constant 0.000000e+00 : f32
    %2 = tensor.empty() : tensor<1x1x2x3xf32>
    %3 = linalg.fill ins(%cst : f32) outs(%2 : tensor<1x1x2x3xf32>) -> tensor<1x1x2x3xf32>
    %4 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>} ins(%0, %1 : tensor<1x2x4x4xf32>, tensor<1x2x3x2xf32>) outs(%3 : tensor<1x1x2x3xf32>) -> tensor<1x1x2x3xf32>
    %cst_0 = arith.constant dense<[[[[1.310000e+03, 1.466000e+03, 1.622000e+03], [2.090000e+03, 2.246000e+03, 2.402000e+03]]]]> : tensor<1x1x2x3xf32>
    return %4, %cst_0 : tensor<1x1x2x3xf32>, tensor<1x1x2x3xf32>
  }
}
