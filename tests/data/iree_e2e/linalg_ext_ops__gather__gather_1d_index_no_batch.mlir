// Converted from IREE's tests/e2e/linalg_ext_ops/gather.mlir @gather_1d_index_no_batch (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @gather_1d_index_no_batch() -> tensor<2xi32> {
    %0 = util.unfoldable_constant dense<[[0, 1], [2, 3]]> : tensor<2x2xi32>
    %1 = tensor.empty() : tensor<2xi32>
    %2 = util.unfoldable_constant dense<1> : tensor<1xi32>
    %3 = iree_linalg_ext.gather dimension_map = [0] ins(%0, %2 : tensor<2x2xi32>, tensor<1xi32>) outs(%1 : tensor<2xi32>) -> tensor<2xi32>
    return %3 : tensor<2xi32>
  }
}
