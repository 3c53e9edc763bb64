// Converted from IREE's tests/e2e/linalg_ext_ops/scan.mlir @scan_2d_dim0_inclusive_sum (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @scan_2d_dim0_inclusive_sum() -> (tensor<2x3xi32>, tensor<3xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
    %1 = tensor.empty() : tensor<2x3xi32>
    %2 = util.unfoldable_constant dense<0> : tensor<3xi32>
    %3:2 = iree_linalg_ext.scan dimension(0) inclusive(true) ins(%0 : tensor<2x3xi32>) outs(%1, %2 : tensor<2x3xi32>, tensor<3xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      %4 = arith.addi %arg0, %arg1 : i32
      iree_linalg_ext.yield %4 : i32
    } -> tensor<2x3xi32>, tensor<3xi32>
    return %3#0, %3#1 : tensor<2x3xi32>, tensor<3xi32>
  }
}
