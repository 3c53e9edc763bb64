// Converted from IREE's tests/e2e/linalg/pack.mlir @static_pack_simple (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
#map = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func private @generate_2D_source(%arg0: index, %arg1: index) -> tensor<?x?xi32> {
    %0 = tensor.empty(%arg0, %arg1) : tensor<?x?xi32>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]} outs(%0 : tensor<?x?xi32>) {
    ^bb0(%out: i32):
      %4 = linalg.index 0 : index
      %5 = linalg.index 1 : index
      %6 = arith.muli %4, %arg1 : index
      %7 = arith.addi %5, %6 : index
      %8 = arith.index_cast %7 : index to i32
      linalg.yield %8 : i32
    } -> tensor<?x?xi32>
    %2 = util.optimization_barrier %1 : tensor<?x?xi32>
    %3 = flow.tensor.tie_shape %2 : tensor<?x?xi32>{%arg0, %arg1}
    return %3 : tensor<?x?xi32>
  }
  func.func @static_pack_simple() -> tensor<2x2x2x2xi32> {
    %0 = util.unfoldable_constant dense<[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]> : tensor<4x4xi32>
    %1 = tensor.empty() : tensor<2x2x2x2xi32>
    %pack = linalg.pack %0 inner_dims_pos = [0, 1] inner_tiles = [2, 2] into %1 : tensor<4x4xi32> -> tensor<2x2x2x2xi32>
    return %pack : tensor<2x2x2x2xi32>
  }
}
