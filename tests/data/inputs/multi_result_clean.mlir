// A two-result linalg.generic into fills: right on IREE 3.13.
func.func @main(%a: tensor<4x8xi32>) -> (tensor<8xi32>, tensor<8xi32>) {
  %zero = arith.constant 0 : i32
  %low = arith.constant -100 : i32
  %e = tensor.empty() : tensor<8xi32>
  %f1 = linalg.fill ins(%zero : i32) outs(%e : tensor<8xi32>) -> tensor<8xi32>
  %f2 = linalg.fill ins(%low : i32) outs(%e : tensor<8xi32>) -> tensor<8xi32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%f1, %f2 : tensor<8xi32>, tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32, %m: i32):
    %0 = arith.addi %x, %s : i32
    %1 = arith.maxsi %x, %m : i32
    linalg.yield %0, %1 : i32, i32
  } -> (tensor<8xi32>, tensor<8xi32>)
  return %r#0, %r#1 : tensor<8xi32>, tensor<8xi32>
}
