// Converted from IREE's tests/e2e/linalg_ext_ops/scatter.mlir @scatter_2d_offset (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @scatter_2d_offset() -> tensor<2x2xi32> {
    %0 = util.unfoldable_constant dense<0> : tensor<2x2xi32>
    %1 = util.unfoldable_constant dense<1> : tensor<1xi32>
    %2 = util.unfoldable_constant dense<[[0, 1]]> : tensor<1x2xi32>
    %3 = iree_linalg_ext.scatter dimension_map = [0, 1] unique_indices(true) ins(%1, %2 : tensor<1xi32>, tensor<1x2xi32>) outs(%0 : tensor<2x2xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      iree_linalg_ext.yield %arg0 : i32
    } -> tensor<2x2xi32>
    return %3 : tensor<2x2xi32>
  }
}
