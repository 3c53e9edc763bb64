// Converted from IREE's tests/e2e/stablehlo_ops/convolution.mlir @conv2d_nopadding (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @conv2d_nopadding() -> tensor<1x2x3x1xf32> {
    %0 = util.unfoldable_constant dense<[[[[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00]], [[1.100000e+01, 1.200000e+01], [1.300000e+01, 1.400000e+01], [1.500000e+01, 1.600000e+01], [1.700000e+01, 1.800000e+01]], [[2.100000e+01, 2.200000e+01], [2.300000e+01, 2.400000e+01], [2.500000e+01, 2.600000e+01], [2.700000e+01, 2.800000e+01]], [[3.100000e+01, 3.200000e+01], [3.300000e+01, 3.400000e+01], [3.500000e+01, 3.600000e+01], [3.700000e+01, 3.800000e+01]]]]> : tensor<1x4x4x2xf32>
    %1 = util.unfoldable_constant dense<[[[[1.000000e+00], [2.000000e+00]], [[3.000000e+00], [4.000000e+00]]], [[[5.000000e+00], [6.000000e+00]], [[7.000000e+00], [8.000000e+00]]], [[[9.000000e+00], [1.000000e+01]], [[1.100000e+01], [1.200000e+01]]]]> : tensor<3x2x2x1xf32>
    %2 = stablehlo.convolution(%0, %1) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {stride = [1, 1], rhs_dilate = [1, 1]} {batch_group_count = 1 : i64, feature_group_count = 1 : i64} : (tensor<1x4x4x2xf32>, tensor<3x2x2x1xf32>) -> tensor<1x2x3x1xf32>
    return %2 : tensor<1x2x3x1xf32>
  }
}
