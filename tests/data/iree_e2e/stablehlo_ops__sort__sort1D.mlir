// Converted from IREE's tests/e2e/stablehlo_ops/sort.mlir @sort1D (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @sort1D() -> tensor<4xi32> {
    %0 = util.unfoldable_constant dense<[3, 2, 1, 4]> : tensor<4xi32>
    %1 = "stablehlo.sort"(%0) <{dimension = 0 : i64, is_stable = false}> ({
    ^bb0(%arg0: tensor<i32>, %arg1: tensor<i32>):
      %2 = stablehlo.compare LT, %arg0, %arg1 : (tensor<i32>, tensor<i32>) -> tensor<i1>
      stablehlo.return %2 : tensor<i1>
    }) : (tensor<4xi32>) -> tensor<4xi32>
    return %1 : tensor<4xi32>
  }
}
