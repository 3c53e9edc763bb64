// A dynamic-shaped argument in a matmul into a zero fill, the bias added after (the form the
// decoupling pass produces): nothing writes the constant, with or without the pass: clean.
func.func @main(%a: tensor<?x3xi32>, %b: tensor<3x4xi32>) -> tensor<2x4xi32> {
  %c = arith.constant dense<[[1, 2, 3, 4], [5, 6, 7, 8]]> : tensor<2x4xi32>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x4xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<2x4xi32>) -> tensor<2x4xi32>
  %r = linalg.matmul ins(%a, %b : tensor<?x3xi32>, tensor<3x4xi32>) outs(%f : tensor<2x4xi32>) -> tensor<2x4xi32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%r, %c : tensor<2x4xi32>, tensor<2x4xi32>) outs(%e : tensor<2x4xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %t = arith.addi %x, %y : i32
    linalg.yield %t : i32
  } -> tensor<2x4xi32>
  return %s : tensor<2x4xi32>
}
