// Converted from IREE's tests/e2e/stablehlo_ops/divide.mlir @i32 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @i32() -> tensor<4xi32> {
    %0 = util.unfoldable_constant dense<[5, 6, 7, 8]> : tensor<4xi32>
    %1 = util.unfoldable_constant dense<[1, 2, 3, 4]> : tensor<4xi32>
    %2 = stablehlo.divide %0, %1 : tensor<4xi32>
    return %2 : tensor<4xi32>
  }
}
