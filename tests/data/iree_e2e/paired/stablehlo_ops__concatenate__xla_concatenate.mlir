module {
  func.func @xla_concatenate() -> (tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>, tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
    %1 = util.unfoldable_constant dense<[[5, 6, 7], [8, 9, 10]]> : tensor<2x3xi32>
    %2 = util.unfoldable_constant dense<[[11, 12], [13, 14]]> : tensor<2x2xi32>
    %3 = stablehlo.concatenate %0, %1, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>) -> tensor<2x5xi32>
    %cst = arith.constant dense<[[1, 2, 5, 6, 7], [3, 4, 8, 9, 10]]> : tensor<2x5xi32>
    %4 = stablehlo.concatenate %1, %0, dim = 1 : (tensor<2x3xi32>, tensor<2x2xi32>) -> tensor<2x5xi32>
    %cst_0 = arith.constant dense<[[5, 6, 7, 1, 2], [8, 9, 10, 3, 4]]> : tensor<2x5xi32>
    %5 = stablehlo.concatenate %0, %1, %2, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>, tensor<2x2xi32>) -> tensor<2x7xi32>
    %cst_1 = arith.constant dense<[[1, 2, 5, 6, 7, 11, 12], [3, 4, 8, 9, 10, 13, 14]]> : tensor<2x7xi32>
    %6 = stablehlo.concatenate %0, %2, dim = 0 : (tensor<2x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
    %cst_2 = arith.constant dense<[[1, 2], [3, 4], [11, 12], [13, 14]]> : tensor<4x2xi32>
    return %3, %4, %5, %6, %cst, %cst_0, %cst_1, %cst_2 : tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>, tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>
  }
}
