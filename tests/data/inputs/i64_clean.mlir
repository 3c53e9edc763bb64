// The same i64 sum as the frontend should write it: into a zero fill, the constant added after.
func.func @main(%a: tensor<4x8xi64>) -> tensor<8xi64> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi64>
  %z = arith.constant 0 : i64
  %e = tensor.empty() : tensor<8xi64>
  %f = linalg.fill ins(%z : i64) outs(%e : tensor<8xi64>) -> tensor<8xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi64>) outs(%f : tensor<8xi64>) {
  ^bb0(%x: i64, %s: i64):
    %0 = arith.addi %x, %s : i64
    linalg.yield %0 : i64
  } -> tensor<8xi64>
  %b = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%r, %c : tensor<8xi64>, tensor<8xi64>) outs(%e : tensor<8xi64>) {
  ^bb0(%x: i64, %y: i64, %o: i64):
    %0 = arith.addi %x, %y : i64
    linalg.yield %0 : i64
  } -> tensor<8xi64>
  return %b : tensor<8xi64>
}
