// Converted from IREE's tests/e2e/linalg_ext_ops/scan.mlir @scan_1d_dim0_inclusive_mul (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @scan_1d_dim0_inclusive_mul() -> (tensor<6xi32>, tensor<i32>) {
    %0 = util.unfoldable_constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
    %1 = tensor.empty() : tensor<6xi32>
    %2 = util.unfoldable_constant dense<1> : tensor<i32>
    %3:2 = iree_linalg_ext.scan dimension(0) inclusive(true) ins(%0 : tensor<6xi32>) outs(%1, %2 : tensor<6xi32>, tensor<i32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      %4 = arith.muli %arg0, %arg1 : i32
      iree_linalg_ext.yield %4 : i32
    } -> tensor<6xi32>, tensor<i32>
    return %3#0, %3#1 : tensor<6xi32>, tensor<i32>
  }
}
