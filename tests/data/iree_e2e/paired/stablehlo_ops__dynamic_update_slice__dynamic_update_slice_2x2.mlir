module {
  func.func @dynamic_update_slice_2x2() -> (tensor<3x3xi32>, tensor<3x3xi32>) {
    %0 = util.unfoldable_constant dense<2> : tensor<3x3xi32>
    %1 = util.unfoldable_constant dense<1> : tensor<2x2xi32>
    %2 = util.unfoldable_constant dense<0> : tensor<i32>
    %3 = stablehlo.dynamic_update_slice %0, %1, %2, %2 : (tensor<3x3xi32>, tensor<2x2xi32>, tensor<i32>, tensor<i32>) -> tensor<3x3xi32>
    %cst = arith.constant dense<[[1, 1, 2], [1, 1, 2], [2, 2, 2]]> : tensor<3x3xi32>
    return %3, %cst : tensor<3x3xi32>, tensor<3x3xi32>
  }
}
