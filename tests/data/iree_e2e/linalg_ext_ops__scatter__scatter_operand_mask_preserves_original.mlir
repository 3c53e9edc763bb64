// Converted from IREE's tests/e2e/linalg_ext_ops/scatter.mlir @scatter_operand_mask_preserves_original (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @scatter_operand_mask_preserves_original() -> tensor<4xi32> {
    %0 = util.unfoldable_constant dense<[10, 20, 30, 40]> : tensor<4xi32>
    %1 = util.unfoldable_constant dense<[1, 2]> : tensor<2xi32>
    %2 = util.unfoldable_constant dense<[[1], [3]]> : tensor<2x1xi32>
    %3 = util.unfoldable_constant dense<[true, false]> : tensor<2xi1>
    %4 = iree_linalg_ext.scatter dimension_map = [0] unique_indices(true) ins(%1, %2, %3 : tensor<2xi32>, tensor<2x1xi32>, tensor<2xi1>) outs(%0 : tensor<4xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      iree_linalg_ext.yield %arg0 : i32
    } -> tensor<4xi32>
    return %4 : tensor<4xi32>
  }
}
