// StableHLO: a matmul plus a splat bias, as JAX exports it. Right on IREE 3.13.
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %bias = stablehlo.constant dense<1.0> : tensor<4x16xf32>
  %d = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %r = stablehlo.add %d, %bias : tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
