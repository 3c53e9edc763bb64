// A fill-initialized matmul, a generic into a global that uses a constant captured from @main,
// and an unused named op (kept in the model).
util.global private @bias = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
func.func @main(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %cst = arith.constant 0.000000e+00 : f32
  %c2 = arith.constant 2.0 : f32
  %0 = tensor.empty() : tensor<2x3xf32>
  %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x3xf32>)
      outs(%1 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %g = util.global.load @bias : tensor<2x3xf32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%2 : tensor<2x3xf32>) outs(%g : tensor<2x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %4 = arith.mulf %in, %c2 : f32
    %5 = arith.subf %4, %out : f32
    linalg.yield %5 : f32
  } -> tensor<2x3xf32>
  %unused = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x3xf32>)
      outs(%g : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %3, %2 : tensor<2x3xf32>, tensor<2x3xf32>
}
