// The same i16 sum as the frontend should write it: into a zero fill, the constant added after.
func.func @main(%a: tensor<4x8xi16>) -> tensor<8xi16> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi16>
  %z = arith.constant 0 : i16
  %e = tensor.empty() : tensor<8xi16>
  %f = linalg.fill ins(%z : i16) outs(%e : tensor<8xi16>) -> tensor<8xi16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi16>) outs(%f : tensor<8xi16>) {
  ^bb0(%x: i16, %s: i16):
    %0 = arith.addi %x, %s : i16
    linalg.yield %0 : i16
  } -> tensor<8xi16>
  %b = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%r, %c : tensor<8xi16>, tensor<8xi16>) outs(%e : tensor<8xi16>) {
  ^bb0(%x: i16, %y: i16, %o: i16):
    %0 = arith.addi %x, %y : i16
    linalg.yield %0 : i16
  } -> tensor<8xi16>
  return %b : tensor<8xi16>
}
