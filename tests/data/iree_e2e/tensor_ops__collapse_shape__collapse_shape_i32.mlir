// Converted from IREE's tests/e2e/tensor_ops/collapse_shape.mlir @collapse_shape_i32 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @collapse_shape_i32() -> tensor<4xi32> {
    %cst = arith.constant dense<[[1, 2, 3, 4]]> : tensor<1x4xi32>
    %0 = util.optimization_barrier %cst : tensor<1x4xi32>
    %collapsed = tensor.collapse_shape %0 [[0, 1]] : tensor<1x4xi32> into tensor<4xi32>
    return %collapsed : tensor<4xi32>
  }
}
