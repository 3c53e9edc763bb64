module {
  func.func @i32() -> (tensor<4xi32>, tensor<4xi32>) {
    %0 = util.unfoldable_constant dense<[5, 6, 7, 8]> : tensor<4xi32>
    %1 = util.unfoldable_constant dense<[1, 2, 3, 4]> : tensor<4xi32>
    %2 = stablehlo.divide %0, %1 : tensor<4xi32>
    %cst = arith.constant dense<[5, 3, 2, 2]> : tensor<4xi32>
    return %2, %cst : tensor<4xi32>, tensor<4xi32>
  }
}
