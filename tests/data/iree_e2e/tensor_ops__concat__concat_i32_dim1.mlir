// Converted from IREE's tests/e2e/tensor_ops/concat.mlir @concat_i32_dim1 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @concat_i32_dim1() -> tensor<2x8xi32> {
    %cst = arith.constant dense<[[1, 2, 3], [-1, -2, -3]]> : tensor<2x3xi32>
    %cst_0 = arith.constant dense<[[4, 5, 6, 7, 8], [-4, -5, -6, -7, -8]]> : tensor<2x5xi32>
    %0 = util.optimization_barrier %cst : tensor<2x3xi32>
    %1 = util.optimization_barrier %cst_0 : tensor<2x5xi32>
    %concat = tensor.concat dim(1) %0, %1 : (tensor<2x3xi32>, tensor<2x5xi32>) -> tensor<2x8xi32>
    return %concat : tensor<2x8xi32>
  }
}
