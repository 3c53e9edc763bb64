// bf16 accumulation into a fill (the form the decoupling pass produces): clean.
func.func @main(%a: tensor<1x2xbf16>, %b: tensor<3x1xbf16>) -> tensor<2x3xbf16> {
  %one = arith.constant 1.0 : bf16
  %e = tensor.empty() : tensor<2x3xbf16>
  %f = linalg.fill ins(%one : bf16) outs(%e : tensor<2x3xbf16>) -> tensor<2x3xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<1x2xbf16>, tensor<3x1xbf16>) outs(%f : tensor<2x3xbf16>) {
  ^bb0(%x: bf16, %y: bf16, %o: bf16):
    %m = arith.mulf %x, %y : bf16
    %s = arith.addf %o, %m : bf16
    linalg.yield %s : bf16
  } -> tensor<2x3xbf16>
  return %r : tensor<2x3xbf16>
}
