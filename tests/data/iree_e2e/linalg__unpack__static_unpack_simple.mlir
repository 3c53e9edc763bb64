// Converted from IREE's tests/e2e/linalg/unpack.mlir @static_unpack_simple (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module {
  func.func private @generate_4D_source(%arg0: index, %arg1: index, %arg2: index, %arg3: index) -> tensor<?x?x?x?xi32> {
    %0 = tensor.empty(%arg0, %arg1, %arg2, %arg3) : tensor<?x?x?x?xi32>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} outs(%0 : tensor<?x?x?x?xi32>) {
    ^bb0(%out: i32):
      %2 = linalg.index 0 : index
      %3 = linalg.index 1 : index
      %4 = linalg.index 2 : index
      %5 = linalg.index 3 : index
      %6 = arith.muli %2, %arg1 : index
      %7 = arith.addi %6, %3 : index
      %8 = arith.muli %7, %arg2 : index
      %9 = arith.addi %8, %4 : index
      %10 = arith.muli %9, %arg3 : index
      %11 = arith.addi %10, %5 : index
      %12 = arith.index_cast %11 : index to i32
      linalg.yield %12 : i32
    } -> tensor<?x?x?x?xi32>
    return %1 : tensor<?x?x?x?xi32>
  }
  func.func @static_unpack_simple() -> tensor<4x4xi32> {
    %0 = util.unfoldable_constant dense<[[[[0, 1], [4, 5]], [[2, 3], [6, 7]]], [[[8, 9], [12, 13]], [[10, 11], [14, 15]]]]> : tensor<2x2x2x2xi32>
    %1 = tensor.empty() : tensor<4x4xi32>
    %unpack = linalg.unpack %0 inner_dims_pos = [0, 1] inner_tiles = [2, 2] into %1 : tensor<2x2x2x2xi32> -> tensor<4x4xi32>
    return %unpack : tensor<4x4xi32>
  }
}
