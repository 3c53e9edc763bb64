module {
  func.func @batch_matmul_narrow_n_2() -> (tensor<2x3x2xi32>, tensor<2x3x2xi32>) {
    %0 = util.unfoldable_constant dense<[[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]], [[-3, 1, 4, 2], [-1, 0, 6, -1], [1, -2, 3, -4]]]> : tensor<2x3x4xi8>
    %1 = util.unfoldable_constant dense<[[[-2, 0], [3, 1], [4, -1], [-1, 2]], [[1, -2], [2, 3], [-5, -3], [3, 0]]]> : tensor<2x4x2xi8>
    %2 = util.unfoldable_constant dense<[[[1, -1], [2, 0], [3, 1]], [[4, 2], [5, 1], [6, -1]]]> : tensor<2x3x2xi32>
    %3 = linalg.batch_matmul ins(%0, %1 : tensor<2x3x4xi8>, tensor<2x4x2xi8>) outs(%2 : tensor<2x3x2xi32>) -> tensor<2x3x2xi32>
    %cst = arith.constant dense<[[[0, 11], [7, -1], [-17, 14]], [[-11, -1], [-29, -15], [-24, -18]]]> : tensor<2x3x2xi32>
    return %3, %cst : tensor<2x3x2xi32>, tensor<2x3x2xi32>
  }
}
