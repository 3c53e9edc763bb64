// Max pooling into a fill, then an elementwise add of a small constant tensor read through ins.
func.func @main(%img: tensor<1x5x5x2xf32>) -> tensor<1x4x4x2xf32> {
  %ninf = arith.constant -8.0 : f32
  %w = tensor.empty() : tensor<2x2xf32>
  %e = tensor.empty() : tensor<1x4x4x2xf32>
  %init = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%img, %w : tensor<1x5x5x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %bias = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %e2 = tensor.empty() : tensor<1x4x4x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p, %bias : tensor<1x4x4x2xf32>, tensor<2xf32>) outs(%e2 : tensor<1x4x4x2xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %s = arith.addf %x, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x4x4x2xf32>
  return %r : tensor<1x4x4x2xf32>
}
