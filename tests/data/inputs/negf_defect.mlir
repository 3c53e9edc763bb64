// arith.negf in the body of a reduction into a non-splat constant (acc - x).
// IREE 3.13 (llvm-cpu): compile error "write affecting operations on global resources ...".
func.func @main(%a: tensor<4x8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]> : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%c : tensor<8xf32>) {
  ^bb0(%x: f32, %s: f32):
    %n = arith.negf %x : f32
    %0 = arith.addf %n, %s : f32
    linalg.yield %0 : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
