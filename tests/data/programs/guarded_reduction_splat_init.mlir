// Issue "Signal over noise": a reduction accumulating into a splat constant, checked with
// --iree-flow-inline-constants-max-byte-length=0. The pass turns the splat into a fill; without
// it flow ties the dispatch to the constant, but stream fills a fresh resource with the splat
// (stream.cmd.fill): no constant is written either way, so nothing is guarded (issue 17). Exit 0.
func.func @main(%arg0: tensor<4x8xf32>) -> tensor<8xf32> {
  %cst = arith.constant dense<3.0> : tensor<8xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
         ins(%arg0 : tensor<4x8xf32>) outs(%cst : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.addf %in, %out : f32
    linalg.yield %1 : f32
  } -> tensor<8xf32>
  return %0 : tensor<8xf32>
}
