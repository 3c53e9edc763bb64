// Converted from IREE's tests/e2e/stablehlo_ops/reduce.mlir @reduce_sum_1x10xi32 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @reduce_sum_1x10xi32() -> tensor<1xi32> {
    %0 = util.unfoldable_constant dense<[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]> : tensor<1x10xi32>
    %1 = util.unfoldable_constant dense<0> : tensor<i32>
    %2 = stablehlo.reduce(%0 init: %1) applies stablehlo.add across dimensions = [1] : (tensor<1x10xi32>, tensor<i32>) -> tensor<1xi32>
    return %2 : tensor<1xi32>
  }
}
