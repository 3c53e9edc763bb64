// A StableHLO dynamic_update_slice into a broadcast constant, then a pad (outside fuzzir's numpy
// model). IREE's input conversion makes the broadcast a linalg.generic into an empty tensor and the
// update a tensor.insert_slice into it: a destination computed from the constant %c only, which the
// constant-as-argument oracle passes as an argument.
func.func @main(%x: tensor<2x3xi32>) -> tensor<6x3xi32> {
  %c = stablehlo.constant dense<[1, -2, 3]> : tensor<3xi32>
  %b = stablehlo.broadcast_in_dim %c, dims = [1] : (tensor<3xi32>) -> tensor<4x3xi32>
  %i = stablehlo.constant dense<1> : tensor<i32>
  %j = stablehlo.constant dense<0> : tensor<i32>
  %u = stablehlo.dynamic_update_slice %b, %x, %i, %j : (tensor<4x3xi32>, tensor<2x3xi32>, tensor<i32>, tensor<i32>) -> tensor<4x3xi32>
  %z = stablehlo.constant dense<7> : tensor<i32>
  %r = stablehlo.pad %u, %z, low = [1, 0], high = [1, 0], interior = [0, 0] : (tensor<4x3xi32>, tensor<i32>) -> tensor<6x3xi32>
  return %r : tensor<6x3xi32>
}
