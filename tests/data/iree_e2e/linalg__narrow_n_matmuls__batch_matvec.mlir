// Converted from IREE's tests/e2e/linalg/narrow_n_matmuls.mlir @batch_matvec (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @batch_matvec() -> tensor<2x3xi32> {
    %0 = util.unfoldable_constant dense<[[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]], [[-3, 1, 4, 2], [-1, 0, 6, -1], [1, -2, 3, -4]]]> : tensor<2x3x4xi8>
    %1 = util.unfoldable_constant dense<[[-2, 3, 4, -1], [1, 2, -5, 3]]> : tensor<2x4xi8>
    %2 = util.unfoldable_constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
    %3 = linalg.batch_matvec ins(%0, %1 : tensor<2x3x4xi8>, tensor<2x4xi8>) outs(%2 : tensor<2x3xi32>) -> tensor<2x3xi32>
    return %3 : tensor<2x3xi32>
  }
}
