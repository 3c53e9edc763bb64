// TOSA scatter into a splat constant. IREE 3.13 lowers it to a loop of insert_slice; on vmvx the
// constant then reaches a dispatch (slow_memcpy) through a readwrite binding (readwrite-constant),
// with and without the decoupling pass. That was flow IR alone: at stream level (issue 17) the splat is
// a stream.cmd.fill into a fresh resource, no constant is bound or copied. Expected: no finding.
func.func @main(%idx: tensor<1x3xi32>, %upd: tensor<1x3x4xf32>) -> tensor<1x64x4xf32> {
  %c = "tosa.const"() {values = dense<1.0> : tensor<1x64x4xf32>} : () -> tensor<1x64x4xf32>
  %r = tosa.scatter %c, %idx, %upd : (tensor<1x64x4xf32>, tensor<1x3xi32>, tensor<1x3x4xf32>) -> tensor<1x64x4xf32>
  return %r : tensor<1x64x4xf32>
}
