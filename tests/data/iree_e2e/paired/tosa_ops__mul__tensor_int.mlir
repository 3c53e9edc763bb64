module {
  func.func @tensor_int() -> (tensor<4xi32>, tensor<4xi32>) {
    %0 = util.unfoldable_constant dense<[1, 0, 3, 4]> : tensor<4xi32>
    %1 = util.unfoldable_constant dense<[5, 6, -3, 8]> : tensor<4xi32>
    %2 = tosa.const  values(dense<0> : tensor<1xi8>) : () -> tensor<1xi8>
    %3 = tosa.mul %0, %1, %2 : (tensor<4xi32>, tensor<4xi32>, tensor<1xi8>) -> tensor<4xi32>
    %cst = arith.constant dense<[5, 0, -9, 32]> : tensor<4xi32>
    return %3, %cst : tensor<4xi32>, tensor<4xi32>
  }
}
