// Scalar arguments and results: a row sum scaled by %scale (f32) into a fill, plus a constant bias
// as an input; %scale * %scale and %n + %n (computed on the host, returned as scalars). What frontends
// should emit; IREE 3.13 gets it right on llvm-cpu, vmvx and vulkan.
func.func @main(%x: tensor<4x8xf32>, %scale: f32, %n: i32) -> (tensor<4xf32>, f32, i32) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%f : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.mulf %in, %scale : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %bias = arith.constant dense<[1.0, -2.0, 3.0, 4.0]> : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%sum, %bias : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %s2 = arith.mulf %scale, %scale : f32
  %n2 = arith.addi %n, %n : i32
  return %r, %s2, %n2 : tensor<4xf32>, f32, i32
}
