// linalg.reduce accumulating into a non-splat constant. IREE 3.13 (llvm-cpu): compile error
// "write affecting operations on global resources are restricted to workgroup distributed contexts",
// with and without the decoupling pass (it does not decouple reductions into non-splat constants).
func.func @main(%arg0: tensor<4x8xi32>) -> tensor<8xi32> {
  %cst = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %r = linalg.reduce ins(%arg0 : tensor<4x8xi32>) outs(%cst : tensor<8xi32>) dimensions = [0]
    (%in: i32, %acc: i32) {
      %s = arith.addi %in, %acc : i32
      linalg.yield %s : i32
    }
  return %r : tensor<8xi32>
}
