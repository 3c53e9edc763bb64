// Converted from IREE's tests/e2e/tosa_ops/gather.mlir @gather_int (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @gather_int() -> tensor<1x2x2xi32> {
    %cst = arith.constant dense<[[[1, 2], [3, 4]]]> : tensor<1x2x2xi32>
    %0 = tosa.const  values(dense<[[1, 0]]> : tensor<1x2xi32>) : () -> tensor<1x2xi32>
    %1 = tosa.gather %cst, %0 : (tensor<1x2x2xi32>, tensor<1x2xi32>) -> tensor<1x2x2xi32>
    return %1 : tensor<1x2x2xi32>
  }
}
