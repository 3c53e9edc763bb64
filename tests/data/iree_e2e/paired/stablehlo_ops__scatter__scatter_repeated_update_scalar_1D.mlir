module {
  func.func @scatter_repeated_update_scalar_1D() -> (tensor<8xi32>, tensor<8xi32>) {
    %0 = util.unfoldable_constant dense<0> : tensor<8xi32>
    %1 = util.unfoldable_constant dense<[[1], [1], [7], [7]]> : tensor<4x1xi32>
    %2 = util.unfoldable_constant dense<[9, 10, 11, 12]> : tensor<4xi32>
    %3 = "stablehlo.scatter"(%0, %1, %2) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = false}> ({
    ^bb0(%arg0: tensor<i32>, %arg1: tensor<i32>):
      stablehlo.return %arg1 : tensor<i32>
    }) : (tensor<8xi32>, tensor<4x1xi32>, tensor<4xi32>) -> tensor<8xi32>
    %cst = arith.constant dense<[0, 10, 0, 0, 0, 0, 0, 12]> : tensor<8xi32>
    return %3, %cst : tensor<8xi32>, tensor<8xi32>
  }
}
