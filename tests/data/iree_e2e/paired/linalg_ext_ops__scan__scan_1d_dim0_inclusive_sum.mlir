module {
  func.func @scan_1d_dim0_inclusive_sum() -> (tensor<6xf32>, tensor<f32>, tensor<6xf32>, tensor<f32>) {
    %0 = util.unfoldable_constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00]> : tensor<6xf32>
    %1 = tensor.empty() : tensor<6xf32>
    %2 = util.unfoldable_constant dense<0.000000e+00> : tensor<f32>
    %3:2 = iree_linalg_ext.scan dimension(0) inclusive(true) ins(%0 : tensor<6xf32>) outs(%1, %2 : tensor<6xf32>, tensor<f32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %4 = arith.addf %arg0, %arg1 : f32
      iree_linalg_ext.yield %4 : f32
    } -> tensor<6xf32>, tensor<f32>
    %cst = arith.constant dense<[1.000000e+00, 3.000000e+00, 6.000000e+00, 1.000000e+01, 1.500000e+01, 2.100000e+01]> : tensor<6xf32>
    %cst_0 = arith.constant dense<2.100000e+01> : tensor<f32>
    return %3#0, %3#1, %cst, %cst_0 : tensor<6xf32>, tensor<f32>, tensor<6xf32>, tensor<f32>
  }
}
