module {
  func.func @reduce_window_max_4x6xf32() -> (tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>) {
    %0 = util.unfoldable_constant dense<[[[[1.000000e+00], [2.000000e+00], [3.000000e+00], [4.000000e+00], [5.000000e+00], [6.000000e+00]], [[7.000000e+00], [8.000000e+00], [9.000000e+00], [1.000000e+01], [1.100000e+01], [1.200000e+01]], [[1.300000e+01], [1.400000e+01], [1.500000e+01], [1.600000e+01], [1.700000e+01], [1.800000e+01]], [[1.900000e+01], [2.000000e+01], [2.100000e+01], [2.200000e+01], [2.300000e+01], [2.400000e+01]]]]> : tensor<1x4x6x1xf32>
    %1 = util.unfoldable_constant dense<0.000000e+00> : tensor<f32>
    %2 = "stablehlo.reduce_window"(%0, %1) <{window_dimensions = array<i64: 1, 2, 3, 1>, window_strides = array<i64: 1, 2, 3, 1>}> ({
    ^bb0(%arg0: tensor<f32>, %arg1: tensor<f32>):
      %3 = stablehlo.maximum %arg0, %arg1 : tensor<f32>
      stablehlo.return %3 : tensor<f32>
    }) : (tensor<1x4x6x1xf32>, tensor<f32>) -> tensor<1x2x2x1xf32>
    %cst = arith.constant dense<[[[[9.000000e+00], [1.200000e+01]], [[2.100000e+01], [2.400000e+01]]]]> : tensor<1x2x2x1xf32>
    return %2, %cst : tensor<1x2x2x1xf32>, tensor<1x2x2x1xf32>
  }
}
