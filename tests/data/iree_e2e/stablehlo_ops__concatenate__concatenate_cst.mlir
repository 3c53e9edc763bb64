// Converted from IREE's tests/e2e/stablehlo_ops/concatenate.mlir @concatenate_cst (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @concatenate_cst() -> tensor<2x5xi32> {
    %0 = util.unfoldable_constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
    %c = stablehlo.constant dense<0> : tensor<2x3xi32>
    %1 = stablehlo.concatenate %0, %c, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>) -> tensor<2x5xi32>
    return %1 : tensor<2x5xi32>
  }
}
