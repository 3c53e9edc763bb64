module {
  func.func @into_constant() -> (tensor<4xi32>, tensor<4xi32>) {
    %0 = util.unfoldable_constant dense<2> : tensor<1xi32>
    %c = stablehlo.constant dense<1> : tensor<4xi32>
    %c_0 = stablehlo.constant dense<0> : tensor<i32>
    %1 = stablehlo.dynamic_update_slice %c, %0, %c_0 : (tensor<4xi32>, tensor<1xi32>, tensor<i32>) -> tensor<4xi32>
    %cst = arith.constant dense<[2, 1, 1, 1]> : tensor<4xi32>
    return %1, %cst : tensor<4xi32>, tensor<4xi32>
  }
}
