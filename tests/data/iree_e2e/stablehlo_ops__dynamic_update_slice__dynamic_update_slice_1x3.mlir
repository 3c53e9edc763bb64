// Converted from IREE's tests/e2e/stablehlo_ops/dynamic_update_slice.mlir @dynamic_update_slice_1x3 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @dynamic_update_slice_1x3() -> tensor<3x3xi32> {
    %0 = util.unfoldable_constant dense<2> : tensor<3x3xi32>
    %1 = util.unfoldable_constant dense<1> : tensor<1x3xi32>
    %2 = util.unfoldable_constant dense<0> : tensor<i32>
    %3 = util.unfoldable_constant dense<1> : tensor<i32>
    %4 = stablehlo.dynamic_update_slice %0, %1, %3, %2 : (tensor<3x3xi32>, tensor<1x3xi32>, tensor<i32>, tensor<i32>) -> tensor<3x3xi32>
    return %4 : tensor<3x3xi32>
  }
}
