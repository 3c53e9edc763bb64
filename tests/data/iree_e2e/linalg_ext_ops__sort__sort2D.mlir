// Converted from IREE's tests/e2e/linalg_ext_ops/sort.mlir @sort2D (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @sort2D() -> tensor<2x2xi32> {
    %0 = util.unfoldable_constant dense<[[5, 6], [3, 7]]> : tensor<2x2xi32>
    %1 = iree_linalg_ext.sort dimension(0) outs(%0 : tensor<2x2xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      %2 = arith.cmpi slt, %arg0, %arg1 : i32
      iree_linalg_ext.yield %2 : i1
    } -> tensor<2x2xi32>
    return %1 : tensor<2x2xi32>
  }
}
