// Converted from IREE's tests/e2e/stablehlo_ops/dot.mlir @i8i8.i32 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @i8i8.i32() -> tensor<2x2xi32> {
    %0 = util.unfoldable_constant dense<3> : tensor<2x4xi8>
    %1 = util.unfoldable_constant dense<2> : tensor<4x2xi8>
    %2 = stablehlo.dot %0, %1 : (tensor<2x4xi8>, tensor<4x2xi8>) -> tensor<2x2xi32>
    return %2 : tensor<2x2xi32>
  }
}
