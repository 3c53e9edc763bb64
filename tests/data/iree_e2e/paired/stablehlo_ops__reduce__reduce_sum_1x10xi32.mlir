module {
  func.func @reduce_sum_1x10xi32() -> (tensor<1xi32>, tensor<1xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]> : tensor<1x10xi32>
    %1 = util.unfoldable_constant dense<0> : tensor<i32>
    %2 = stablehlo.reduce(%0 init: %1) applies stablehlo.add across dimensions = [1] : (tensor<1x10xi32>, tensor<i32>) -> tensor<1xi32>
    %cst = arith.constant dense<55> : tensor<1xi32>
    return %2, %cst : tensor<1xi32>, tensor<1xi32>
  }
}
