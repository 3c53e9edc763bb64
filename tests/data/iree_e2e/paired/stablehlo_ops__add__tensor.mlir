module {
  func.func @tensor() -> (tensor<4xf32>, tensor<4xf32>) {
    %0 = util.unfoldable_constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
    %1 = util.unfoldable_constant dense<[5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00]> : tensor<4xf32>
    %2 = stablehlo.add %0, %1 : tensor<4xf32>
    %cst = arith.constant dense<[6.000000e+00, 8.000000e+00, 1.000000e+01, 1.200000e+01]> : tensor<4xf32>
    return %2, %cst : tensor<4xf32>, tensor<4xf32>
  }
}
