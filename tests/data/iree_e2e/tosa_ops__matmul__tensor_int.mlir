// Converted from IREE's tests/e2e/tosa_ops/matmul.mlir @tensor_int (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @tensor_int() -> tensor<2x2x1xi32> {
    %0 = util.unfoldable_constant dense<[[[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]]]> : tensor<2x2x3xi32>
    %1 = util.unfoldable_constant dense<[[[7], [8], [9]], [[7], [8], [9]]]> : tensor<2x3x1xi32>
    %2 = tosa.const  values(dense<0> : tensor<1xi32>) : () -> tensor<1xi32>
    %3 = tosa.const  values(dense<0> : tensor<1xi32>) : () -> tensor<1xi32>
    %4 = tosa.matmul %0, %1, %2, %3 : (tensor<2x2x3xi32>, tensor<2x3x1xi32>, tensor<1xi32>, tensor<1xi32>) -> tensor<2x2x1xi32>
    return %4 : tensor<2x2x1xi32>
  }
}
