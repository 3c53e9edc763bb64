// A dense_resource constant read as an input (a bias added after a reduction into a fill): right.
func.func @main(%a: tensor<4x8xf32>) -> tensor<8xf32> {
  %bias = arith.constant dense_resource<bias_blob> : tensor<8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a, %bias : tensor<4x8xf32>, tensor<8xf32>) outs(%f : tensor<8xf32>) {
  ^bb0(%x: f32, %b: f32, %s: f32):
    %0 = arith.addf %x, %s : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %out = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                         iterator_types = ["parallel"]}
      ins(%r, %bias : tensor<8xf32>, tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%x: f32, %b: f32, %o: f32):
    %0 = arith.addf %x, %b : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %out : tensor<8xf32>
}

{-#
  dialect_resources: {
    builtin: {
      bias_blob: "0x040000000000803F0000004000004040000080400000A0400000C0400000E04000000041"
    }
  }
#-}
