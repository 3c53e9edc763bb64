module {
  func.func @pad_test() -> (tensor<3x9xi32>, tensor<3x9xi32>) {
    %0 = util.unfoldable_constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>
    %cst = arith.constant dense<0> : tensor<i32>
    %1 = stablehlo.pad %0, %cst, low = [0, 1], high = [1, 5], interior = [0, 0] : (tensor<2x3xi32>, tensor<i32>) -> tensor<3x9xi32>
    %cst_0 = arith.constant dense<[[0, 1, 2, 3, 0, 0, 0, 0, 0], [0, 4, 5, 6, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<3x9xi32>
    return %1, %cst_0 : tensor<3x9xi32>, tensor<3x9xi32>
  }
}
