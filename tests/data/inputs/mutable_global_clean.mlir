// A mutable util.global used as an accumulator (loaded, reduced into, stored back): not a
// constant, so nothing may be reported; IREE 3.13 gets it right.
util.global private mutable @acc = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
func.func @main(%a: tensor<4x8xi32>) -> tensor<8xi32> {
  %g = util.global.load @acc : tensor<8xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%g : tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32):
    %0 = arith.addi %x, %s : i32
    linalg.yield %0 : i32
  } -> tensor<8xi32>
  util.global.store %r, @acc : tensor<8xi32>
  return %r : tensor<8xi32>
}
