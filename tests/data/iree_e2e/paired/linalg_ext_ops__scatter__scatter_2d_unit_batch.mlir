module {
  func.func @scatter_2d_unit_batch() -> (tensor<2x2xi32>, tensor<2x2xi32>) {
    %0 = util.unfoldable_constant dense<0> : tensor<2x2xi32>
    %1 = util.unfoldable_constant dense<1> : tensor<1x2xi32>
    %2 = util.unfoldable_constant dense<[[[0, 0], [1, 1]]]> : tensor<1x2x2xi32>
    %3 = iree_linalg_ext.scatter dimension_map = [0, 1] unique_indices(true) ins(%1, %2 : tensor<1x2xi32>, tensor<1x2x2xi32>) outs(%0 : tensor<2x2xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      iree_linalg_ext.yield %arg0 : i32
    } -> tensor<2x2xi32>
    %cst = arith.constant dense<[[1, 0], [0, 1]]> : tensor<2x2xi32>
    return %3, %cst : tensor<2x2xi32>, tensor<2x2xi32>
  }
}
