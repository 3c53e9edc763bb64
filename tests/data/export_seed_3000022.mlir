util.global private @cst0 = dense<[7, -7, 6, -8]> : tensor<4xi8> loc("cst0:global")
func.func @main(%arg0: tensor<4x2xi8>, %arg1: tensor<2xi8>) -> tensor<4xi8> {
  %cst0 = util.global.load @cst0 : tensor<4xi8> loc("cst0:global")
  %op0 = linalg.matvec ins(%arg0, %arg1 : tensor<4x2xi8>, tensor<2xi8>) outs(%cst0 : tensor<4xi8>) -> tensor<4xi8> loc("op0:linalg.matvec")
  return %op0 : tensor<4xi8>
}
