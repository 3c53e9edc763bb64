module {
  func.func @topk_2d_dim1_max() -> (tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3xf32>, tensor<2x3xi32>) {
    %0 = util.unfoldable_constant dense<[[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01]]> : tensor<2x6xf32>
    %1 = util.unfoldable_constant dense<[[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]> : tensor<2x6xi32>
    %2 = tensor.empty() : tensor<2x3xf32>
    %3 = tensor.empty() : tensor<2x3xi32>
    %cst = arith.constant 0xFF800000 : f32
    %c0_i32 = arith.constant 0 : i32
    %4 = linalg.fill ins(%cst : f32) outs(%2 : tensor<2x3xf32>) -> tensor<2x3xf32>
    %5 = linalg.fill ins(%c0_i32 : i32) outs(%3 : tensor<2x3xi32>) -> tensor<2x3xi32>
    %6:2 = iree_linalg_ext.topk dimension(1) ins(%0, %1 : tensor<2x6xf32>, tensor<2x6xi32>) outs(%4, %5 : tensor<2x3xf32>, tensor<2x3xi32>) {
    ^bb0(%arg0: f32, %arg1: f32):
      %7 = arith.cmpf ogt, %arg0, %arg1 : f32
      iree_linalg_ext.yield %7 : i1
    } -> tensor<2x3xf32>, tensor<2x3xi32>
    %cst_0 = arith.constant dense<[[6.000000e+00, 5.000000e+00, 4.000000e+00], [1.200000e+01, 1.100000e+01, 1.000000e+01]]> : tensor<2x3xf32>
    %cst_1 = arith.constant dense<[[5, 4, 3], [11, 10, 9]]> : tensor<2x3xi32>
    return %6#0, %6#1, %cst_0, %cst_1 : tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3xf32>, tensor<2x3xi32>
  }
}
