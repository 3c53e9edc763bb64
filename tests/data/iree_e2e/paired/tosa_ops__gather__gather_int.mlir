module {
  func.func @gather_int() -> (tensor<1x2x2xi32>, tensor<1x2x2xi32>) {
    %cst = arith.constant dense<[[[1, 2], [3, 4]]]> : tensor<1x2x2xi32>
    %0 = tosa.const  values(dense<[[1, 0]]> : tensor<1x2xi32>) : () -> tensor<1x2xi32>
    %1 = tosa.gather %cst, %0 : (tensor<1x2x2xi32>, tensor<1x2xi32>) -> tensor<1x2x2xi32>
    %cst_0 = arith.constant dense<[[[3, 4], [1, 2]]]> : tensor<1x2x2xi32>
    return %1, %cst_0 : tensor<1x2x2xi32>, tensor<1x2x2xi32>
  }
}
