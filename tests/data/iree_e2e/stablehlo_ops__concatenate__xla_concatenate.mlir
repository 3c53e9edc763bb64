// Converted from IREE's tests/e2e/stablehlo_ops/concatenate.mlir @xla_concatenate (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @xla_concatenate() -> (tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
    %1 = util.unfoldable_constant dense<[[5, 6, 7], [8, 9, 10]]> : tensor<2x3xi32>
    %2 = util.unfoldable_constant dense<[[11, 12], [13, 14]]> : tensor<2x2xi32>
    %3 = stablehlo.concatenate %0, %1, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>) -> tensor<2x5xi32>
    %4 = stablehlo.concatenate %1, %0, dim = 1 : (tensor<2x3xi32>, tensor<2x2xi32>) -> tensor<2x5xi32>
    %5 = stablehlo.concatenate %0, %1, %2, dim = 1 : (tensor<2x2xi32>, tensor<2x3xi32>, tensor<2x2xi32>) -> tensor<2x7xi32>
    %6 = stablehlo.concatenate %0, %2, dim = 0 : (tensor<2x2xi32>, tensor<2x2xi32>) -> tensor<4x2xi32>
    return %3, %4, %5, %6 : tensor<2x5xi32>, tensor<2x5xi32>, tensor<2x7xi32>, tensor<4x2xi32>
  }
}
