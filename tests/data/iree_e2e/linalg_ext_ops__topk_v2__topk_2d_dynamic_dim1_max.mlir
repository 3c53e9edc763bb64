// Converted from IREE's tests/e2e/linalg_ext_ops/topk_v2.mlir @topk_2d_dynamic_dim1_max (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @topk_2d_dynamic_dim1_max() -> (tensor<2x3xf32>, tensor<2x3xi32>) {
    %0 = flow.tensor.dynamic_constant dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01]]> : tensor<2x6xf32> -> tensor<2x?xf32>
    %1 = tensor.empty() : tensor<2x3xf32>
    %2 = tensor.empty() : tensor<2x3xi32>
    %cst = arith.constant 0xFF800000 : f32
    %c0_i32 = arith.constant 0 : i32
    %3 = linalg.fill ins(%cst : f32) outs(%1 : tensor<2x3xf32>) -> tensor<2x3xf32>
    %4 = linalg.fill ins(%c0_i32 : i32) outs(%2 : tensor<2x3xi32>) -> tensor<2x3xi32>
    %5:2 = iree_linalg_ext.topk_v2 dimension(1) is_sorted ins(%0 : tensor<2x?xf32>) outs(%3, %4 : tensor<2x3xf32>, tensor<2x3xi32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %6 = arith.cmpf ogt, %arg0, %arg1 : f32
      iree_linalg_ext.yield %6 : i1
    } -> tensor<2x3xf32>, tensor<2x3xi32>
    return %5#0, %5#1 : tensor<2x3xf32>, tensor<2x3xi32>
  }
}
