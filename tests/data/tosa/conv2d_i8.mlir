// A quantized (int8) TOSA conv2d: i8 input with a zero point, i8 weights, a constant i32 bias, an i32
// accumulator. Integers: the TOSA reference model and IREE 3.13 agree exactly.
func.func @main(%x: tensor<1x4x4x2xi8>) -> tensor<1x3x3x3xi32> {
  %w = "tosa.const"() <{values = dense<[[[[1, -2], [0, 1]], [[2, 1], [-1, 0]]], [[[0, 1], [1, 1]], [[-2, 0], [1, 2]]], [[[1, 1], [-1, -1]], [[2, -2], [0, 1]]]]> : tensor<3x2x2x2xi8>}> : () -> tensor<3x2x2x2xi8>
  %b = "tosa.const"() <{values = dense<[5, -3, 7]> : tensor<3xi32>}> : () -> tensor<3xi32>
  %izp = "tosa.const"() <{values = dense<-1> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = "tosa.conv2d"(%x, %w, %b, %izp, %wzp) <{acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}> : (tensor<1x4x4x2xi8>, tensor<3x2x2x2xi8>, tensor<3xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x3x3x3xi32>
  return %r : tensor<1x3x3x3xi32>
}
