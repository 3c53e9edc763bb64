// Issue 20: TOSA max_pool2d on i8 (kernel 2x2, input 1..8). The TOSA reference model and llvm-cpu give
// [6, 7, 8]; IREE 3.13 on Vulkan (lavapipe) gives [0, 0, 0] with and without the decoupling pass, so the
// differential oracle, which compares IREE's cells with each other, sees nothing.
func.func @main(%x: tensor<1x2x4x1xi8>) -> tensor<1x1x3x1xi8> {
  %r = tosa.max_pool2d %x kernel([2, 2]) stride([1, 1]) pad([0, 0, 0, 0]) : (tensor<1x2x4x1xi8>) -> tensor<1x1x3x1xi8>
  return %r : tensor<1x1x3x1xi8>
}
