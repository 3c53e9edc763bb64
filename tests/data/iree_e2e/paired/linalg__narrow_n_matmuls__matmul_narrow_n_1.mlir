module {
  func.func @matmul_narrow_n_1() -> (tensor<3x1xi32>, tensor<3x1xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]]> : tensor<3x4xi8>
    %1 = util.unfoldable_constant dense<[[-2], [3], [4], [-1]]> : tensor<4x1xi8>
    %2 = util.unfoldable_constant dense<[[1], [2], [3]]> : tensor<3x1xi32>
    %3 = linalg.matmul ins(%0, %1 : tensor<3x4xi8>, tensor<4x1xi8>) outs(%2 : tensor<3x1xi32>) -> tensor<3x1xi32>
    %cst = arith.constant dense<[[0], [7], [-17]]> : tensor<3x1xi32>
    return %3, %cst : tensor<3x1xi32>, tensor<3x1xi32>
  }
}
