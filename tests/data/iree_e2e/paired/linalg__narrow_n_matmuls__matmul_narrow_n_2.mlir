module {
  func.func @matmul_narrow_n_2() -> (tensor<3x2xi32>, tensor<3x2xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]]> : tensor<3x4xi8>
    %1 = util.unfoldable_constant dense<[[-2, 1], [3, -1], [4, 0], [-1, 2]]> : tensor<4x2xi8>
    %2 = util.unfoldable_constant dense<[[1, -1], [2, 0], [3, 1]]> : tensor<3x2xi32>
    %3 = linalg.matmul ins(%0, %1 : tensor<3x4xi8>, tensor<4x2xi8>) outs(%2 : tensor<3x2xi32>) -> tensor<3x2xi32>
    %cst = arith.constant dense<[[0, 8], [7, -7], [-17, 0]]> : tensor<3x2xi32>
    return %3, %cst : tensor<3x2xi32>, tensor<3x2xi32>
  }
}
