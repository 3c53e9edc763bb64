// Converted from IREE's tests/e2e/tosa_ops/mul.mlir @tensor_int (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @tensor_int() -> tensor<4xi32> {
    %0 = util.unfoldable_constant dense<[1, 0, 3, 4]> : tensor<4xi32>
    %1 = util.unfoldable_constant dense<[5, 6, -3, 8]> : tensor<4xi32>
    %2 = tosa.const  values(dense<0> : tensor<1xi8>) : () -> tensor<1xi8>
    %3 = tosa.mul %0, %1, %2 : (tensor<4xi32>, tensor<4xi32>, tensor<1xi8>) -> tensor<4xi32>
    return %3 : tensor<4xi32>
  }
}
