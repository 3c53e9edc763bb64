// Converted from IREE's tests/e2e/stablehlo_ops/pad.mlir @pad_test (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @pad_test() -> tensor<3x9xi32> {
    %0 = util.unfoldable_constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
    %cst = arith.constant dense<0> : tensor<i32>
    %1 = stablehlo.pad %0, %cst, low = [0, 1], high = [1, 5], interior = [0, 0] : (tensor<2x3xi32>, tensor<i32>) -> tensor<3x9xi32>
    return %1 : tensor<3x9xi32>
  }
}
