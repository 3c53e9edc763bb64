// Converted from IREE's tests/e2e/linalg_ext_ops/arg_compare.mlir @arg_compare_1d_dim0_max (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @arg_compare_1d_dim0_max() -> (tensor<f32>, tensor<i32>) {
    %0 = util.unfoldable_constant dense<[1.000000e+00, 5.000000e+00, 2.000000e+00, 1.000000e+01, 7.000000e+00]> : tensor<5xf32>
    %1 = tensor.empty() : tensor<f32>
    %2 = tensor.empty() : tensor<i32>
    %cst = arith.constant 0xFF800000 : f32
    %c0_i32 = arith.constant 0 : i32
    %3 = linalg.fill ins(%cst : f32) outs(%1 : tensor<f32>) -> tensor<f32>
    %4 = linalg.fill ins(%c0_i32 : i32) outs(%2 : tensor<i32>) -> tensor<i32>
    %5:2 = iree_linalg_ext.arg_compare dimension(0) ins(%0 : tensor<5xf32>) outs(%3, %4 : tensor<f32>, tensor<i32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %6 = arith.cmpf ogt, %arg0, %arg1 : f32
      iree_linalg_ext.yield %6 : i1
    } -> tensor<f32>, tensor<i32>
    return %5#0, %5#1 : tensor<f32>, tensor<i32>
  }
}
