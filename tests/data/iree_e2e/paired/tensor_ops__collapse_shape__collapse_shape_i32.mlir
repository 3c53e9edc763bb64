module {
  func.func @collapse_shape_i32() -> (tensor<4xi32>, tensor<4xi32>) {
    %cst = arith.constant dense<[[1, 2, 3, 4]]> : tensor<1x4xi32>
    %0 = util.optimization_barrier %cst : tensor<1x4xi32>
    %collapsed = tensor.collapse_shape %0 [[0, 1]] : tensor<1x4xi32> into tensor<4xi32>
    %cst_0 = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
    return %collapsed, %cst_0 : tensor<4xi32>, tensor<4xi32>
  }
}
