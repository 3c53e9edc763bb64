// Converted from IREE's tests/e2e/tensor_ops/tensor_insert_slice.mlir @tensor_insert_slice_small (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @tensor_insert_slice_small() -> tensor<10x10xi32> {
    %0 = util.unfoldable_constant dense<[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [20, 21, 22, 23, 24, 25, 26, 27, 28, 29], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39], [40, 41, 42, 43, 44, 45, 46, 47, 48, 49], [50, 51, 52, 53, 54, 55, 56, 57, 58, 59], [60, 61, 62, 63, 64, 65, 66, 67, 68, 69], [70, 71, 72, 73, 74, 75, 76, 77, 78, 79], [80, 81, 82, 83, 84, 85, 86, 87, 88, 89], [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]]> : tensor<10x10xi32>
    %1 = util.unfoldable_constant dense<[[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19], [20, 21, 22, 23, 24]]> : tensor<5x5xi32>
    %inserted_slice = tensor.insert_slice %1 into %0[4, 3] [5, 5] [1, 1] : tensor<5x5xi32> into tensor<10x10xi32>
    return %inserted_slice : tensor<10x10xi32>
  }
}
