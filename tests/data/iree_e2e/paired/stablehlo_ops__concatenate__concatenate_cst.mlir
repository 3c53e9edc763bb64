module {
  func.func @concatenate_cst() -> (tensor<2x5xi32>, tensor<2x5xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
    %c = stablehlo.constant dense<0> : tensor<2x3xi32>
    %1 = stablehlo.concatenate %0, %c, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>) -> tensor<2x5xi32>
    %cst = arith.constant dense<[[1, 2, 0, 0, 0], [3, 4, 0, 0, 0]]> : tensor<2x5xi32>
    return %1, %cst : tensor<2x5xi32>, tensor<2x5xi32>
  }
}
