// Converted from IREE's tests/e2e/tensor_ops/concat.mlir @concat_i32_static_dim0 (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @concat_i32_static_dim0() -> tensor<2xi32> {
    %cst = arith.constant dense<1> : tensor<1xi32>
    %cst_0 = arith.constant dense<2> : tensor<1xi32>
    %0 = util.optimization_barrier %cst : tensor<1xi32>
    %1 = util.optimization_barrier %cst_0 : tensor<1xi32>
    %concat = tensor.concat dim(0) %0, %1 : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    return %concat : tensor<2xi32>
  }
}
