// Converted from IREE's tests/e2e/linalg_ext_ops/topk_v2.mlir @values_only (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @values_only() -> tensor<3xf32> {
    %0 = util.unfoldable_constant dense<[4.000000e+00, 5.000000e+00, 8.000000e+00, 1.000000e+00, 2.000000e+00, 1.000000e+01, 7.000000e+00, 3.000000e+00, 9.000000e+00, 6.000000e+00]> : tensor<10xf32>
    %1 = tensor.empty() : tensor<3xf32>
    %cst = arith.constant 0xFF800000 : f32
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<3xf32>) -> tensor<3xf32>
    %3 = iree_linalg_ext.topk_v2 dimension(0) is_sorted ins(%0 : tensor<10xf32>) outs(%2 : tensor<3xf32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %4 = arith.cmpf ogt, %arg0, %arg1 : f32
      iree_linalg_ext.yield %4 : i1
    } -> tensor<3xf32>
    return %3 : tensor<3xf32>
  }
}
