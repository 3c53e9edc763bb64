// Converted from IREE's tests/e2e/stablehlo_ops/dynamic_update_slice.mlir @dynamic_update_slice_2x2 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @dynamic_update_slice_2x2() -> tensor<3x3xi32> {
    %0 = util.unfoldable_constant dense<2> : tensor<3x3xi32>
    %1 = util.unfoldable_constant dense<1> : tensor<2x2xi32>
    %2 = util.unfoldable_constant dense<0> : tensor<i32>
    %3 = stablehlo.dynamic_update_slice %0, %1, %2, %2 : (tensor<3x3xi32>, tensor<2x2xi32>, tensor<i32>, tensor<i32>) -> tensor<3x3xi32>
    return %3 : tensor<3x3xi32>
  }
}
