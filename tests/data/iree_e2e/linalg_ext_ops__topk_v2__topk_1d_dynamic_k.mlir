// Converted from IREE's tests/e2e/linalg_ext_ops/topk_v2.mlir @topk_1d_dynamic_k (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @topk_1d_dynamic_k() -> (tensor<?xf32>, tensor<?xi32>) {
    %0 = util.unfoldable_constant dense<[4.000000e+00, 5.000000e+00, 8.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+01, 7.000000e+00, 3.000000e+00, 9.000000e+00, 6.000000e+00]> : tensor<10xf32>
    %1 = flow.tensor.dynamic_constant dense<0xFF800000> : tensor<3xf32> -> tensor<?xf32>
    %2 = flow.tensor.dynamic_constant dense<0> : tensor<3xi32> -> tensor<?xi32>
    %3:2 = iree_linalg_ext.topk_v2 dimension(0) is_sorted ins(%0 : tensor<10xf32>) outs(%1, %2 : tensor<?xf32>, tensor<?xi32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %6 = arith.cmpf ogt, %arg0, %arg1 : f32
      iree_linalg_ext.yield %6 : i1
    } -> tensor<?xf32>, tensor<?xi32>
    %4 = flow.tensor.dynamic_constant dense<[1.000000e+01, 9.000000e+00, 8.000000e+00]> : tensor<3xf32> -> tensor<?xf32>
    %5 = flow.tensor.dynamic_constant dense<[5, 8, 2]> : tensor<3xi32> -> tensor<?xi32>
    return %3#0, %3#1 : tensor<?xf32>, tensor<?xi32>
  }
}
