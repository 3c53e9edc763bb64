// bf16 accumulation into a dense_resource constant (a splat-valued blob). IREE 3.13 (llvm-cpu):
// compile error "'arith.constant' op failed to verify that all of {value, result} have same type": the
// bf16-to-f32 emulation retypes the constant cloned into the dispatch but not its value. (f32: compiles.)
func.func @main(%arg0: tensor<1x2xbf16>, %arg1: tensor<3x1xbf16>) -> tensor<2x3xbf16> {
  %cst0 = arith.constant dense_resource<cst0> : tensor<2x3xbf16> loc("cst0:splat")
  %op0 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %arg1 : tensor<1x2xbf16>, tensor<3x1xbf16>) outs(%cst0 : tensor<2x3xbf16>) {
  ^bb0(%in0: bf16, %in1: bf16, %out: bf16):
    %b0 = arith.addf %out, %in0 : bf16
    linalg.yield %b0 : bf16
  } -> tensor<2x3xbf16> loc("op0:linalg.generic")
  return %op0 : tensor<2x3xbf16>
}

{-#
  dialect_resources: {
    builtin: {
      cst0: "0x02000000803F803F803F803F803F803F"
    }
  }
#-}
