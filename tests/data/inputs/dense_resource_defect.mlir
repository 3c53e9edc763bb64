// A reduction into a dense_resource constant (how real models carry weights). IREE 3.13:
// compile error "write affecting operations on global resources ..." (llvm-cpu), as for dense<...>.
func.func @main(%a: tensor<4x8xf32>) -> tensor<8xf32> {
  %bias = arith.constant dense_resource<bias_blob> : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%bias : tensor<8xf32>) {
  ^bb0(%x: f32, %s: f32):
    %0 = arith.addf %x, %s : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

{-#
  dialect_resources: {
    builtin: {
      bias_blob: "0x040000000000803F0000004000004040000080400000A0400000C0400000E04000000041"
    }
  }
#-}
