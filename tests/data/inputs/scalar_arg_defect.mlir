// A row sum scaled by a scalar argument (%scale: f32, passed as a value), accumulated into a
// non-splat constant bias. IREE 3.13: the same compile error as reduce_defect.mlir ("write affecting
// operations on global resources are restricted to workgroup distributed contexts") on llvm-cpu and
// vulkan, with and without the decoupling pass; vmvx compiles and runs it (values judged).
func.func @main(%x: tensor<4x8xf32>, %scale: f32) -> tensor<4xf32> {
  %bias = arith.constant dense<[1.0, -2.0, 3.0, 4.0]> : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%bias : tensor<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %m = arith.mulf %in, %scale : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
