// Converted from IREE's tests/e2e/stablehlo_ops/scatter.mlir @scatter_1D_large (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
#map = affine_map<(d0) -> (d0)>
module {
  func.func @scatter_1D_large() -> tensor<1400xi32> {
    %0 = util.unfoldable_constant dense<1> : tensor<1400xi32>
    %1 = util.unfoldable_constant dense<2> : tensor<1400xi32>
    %2 = tensor.empty() : tensor<1400xi32>
    %3 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%2 : tensor<1400xi32>) {
    ^bb0(%out: i32):
      %5 = linalg.index 0 : index
      %6 = arith.index_cast %5 : index to i32
      linalg.yield %6 : i32
    } -> tensor<1400xi32>
    %expanded = tensor.expand_shape %3 [[0, 1]] output_shape [1400, 1] : tensor<1400xi32> into tensor<1400x1xi32>
    %4 = "stablehlo.scatter"(%0, %expanded, %1) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, unique_indices = true}> ({
    ^bb0(%arg0: tensor<i32>, %arg1: tensor<i32>):
      stablehlo.return %arg1 : tensor<i32>
    }) : (tensor<1400xi32>, tensor<1400x1xi32>, tensor<1400xi32>) -> tensor<1400xi32>
    return %4 : tensor<1400xi32>
  }
}
