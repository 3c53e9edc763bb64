// IREE 3.13 on the default Vulkan target (no 16-bit storage, f16 emulated), Mesa lavapipe:
// 1 + 1 in f16 comes back wrong. With --iree-vulkan-target=rdna3 the same device is right.
func.func @main(%a: tensor<8xf16>, %b: tensor<8xf16>) -> tensor<8xf16> {
  %e = tensor.empty() : tensor<8xf16>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a, %b : tensor<8xf16>, tensor<8xf16>) outs(%e : tensor<8xf16>) {
  ^bb0(%x: f16, %y: f16, %o: f16):
    %s = arith.addf %x, %y : f16
    linalg.yield %s : f16
  } -> tensor<8xf16>
  return %0 : tensor<8xf16>
}
