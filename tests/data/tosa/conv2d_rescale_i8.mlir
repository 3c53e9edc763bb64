// A quantized TOSA block as TFLite exports it: an int8 conv2d with a constant i32 bias, then a
// per-channel `rescale` back to i8 with an output zero point. IREE lowers the rescale to i64
// arithmetic with `arith.shli`/`shrsi`/`shrui` by the constant shifts: data shifted by constant
// amounts, not indices, so fuzzir draws inputs for it and the TOSA reference model judges it.
func.func @main(%x: tensor<1x4x4x2xi8>) -> tensor<1x3x3x3xi8> {
  %w = "tosa.const"() <{values = dense<[[[[1, -2], [0, 1]], [[2, 1], [-1, 0]]], [[[0, 1], [1, 1]], [[-2, 0], [1, 2]]], [[[1, 1], [-1, -1]], [[2, -2], [0, 1]]]]> : tensor<3x2x2x2xi8>}> : () -> tensor<3x2x2x2xi8>
  %b = "tosa.const"() <{values = dense<[5, -3, 7]> : tensor<3xi32>}> : () -> tensor<3xi32>
  %izp = "tosa.const"() <{values = dense<-1> : tensor<1xi8>}> : () -> tensor<1xi8>
  %wzp = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %acc = "tosa.conv2d"(%x, %w, %b, %izp, %wzp) <{acc_type = i32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>}> : (tensor<1x4x4x2xi8>, tensor<3x2x2x2xi8>, tensor<3xi32>, tensor<1xi8>, tensor<1xi8>) -> tensor<1x3x3x3xi32>
  %mult = "tosa.const"() <{values = dense<[1073741824, 1518500250, 1073741824]> : tensor<3xi32>}> : () -> tensor<3xi32>
  %shift = "tosa.const"() <{values = dense<[31, 32, 33]> : tensor<3xi8>}> : () -> tensor<3xi8>
  %rizp = "tosa.const"() <{values = dense<0> : tensor<1xi32>}> : () -> tensor<1xi32>
  %rozp = "tosa.const"() <{values = dense<3> : tensor<1xi8>}> : () -> tensor<1xi8>
  %r = "tosa.rescale"(%acc, %mult, %shift, %rizp, %rozp) <{input_unsigned = false, output_unsigned = false, per_channel = true, rounding_mode = #tosa.rounding_mode<DOUBLE_ROUND>, scale32 = true}> : (tensor<1x3x3x3xi32>, tensor<3xi32>, tensor<3xi8>, tensor<1xi32>, tensor<1xi8>) -> tensor<1x3x3x3xi8>
  return %r : tensor<1x3x3x3xi8>
}
