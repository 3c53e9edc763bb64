module {
  func.func @i8i8.i32() -> (tensor<2x2xi32>, tensor<2x2xi32>) {
    %0 = util.unfoldable_constant dense<3> : tensor<2x4xi8>
    %1 = util.unfoldable_constant dense<2> : tensor<4x2xi8>
    %2 = stablehlo.dot %0, %1 : (tensor<2x4xi8>, tensor<4x2xi8>) -> tensor<2x2xi32>
    %cst = arith.constant dense<24> : tensor<2x2xi32>
    return %2, %cst : tensor<2x2xi32>, tensor<2x2xi32>
  }
}
