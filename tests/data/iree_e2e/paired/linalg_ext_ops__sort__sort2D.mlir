module {
  func.func @sort2D() -> (tensor<2x2xi32>, tensor<2x2xi32>) {
    %0 = util.unfoldable_constant dense<[[5, 6], [3, 7]]> : tensor<2x2xi32>
    %1 = iree_linalg_ext.sort dimension(0) outs(%0 : tensor<2x2xi32>) {
    ^bb0(%arg0: i32, %arg1: i32):
      %2 = arith.cmpi slt, %arg0, %arg1 : i32
      iree_linalg_ext.yield %2 : i1
    } -> tensor<2x2xi32>
    %cst = arith.constant dense<[[3, 6], [5, 7]]> : tensor<2x2xi32>
    return %1, %cst : tensor<2x2xi32>, tensor<2x2xi32>
  }
}
