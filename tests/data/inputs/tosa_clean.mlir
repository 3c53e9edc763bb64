// TOSA: an elementwise add of an argument and a constant, then a sum over one axis. Right on IREE 3.13.
func.func @main(%a: tensor<4x8xf32>) -> tensor<1x8xf32> {
  %c = "tosa.const"() {values = dense<2.0> : tensor<4x8xf32>} : () -> tensor<4x8xf32>
  %s = tosa.add %a, %c : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = "tosa.reduce_sum"(%s) {axis = 0 : i32} : (tensor<4x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}
