// torch-mlir's NCHW convolution into a zero fill, the bias added after: clean, with or without the pass.
func.func @main(%img: tensor<1x1x3x3xi32>, %flt: tensor<2x1x2x2xi32>) -> tensor<1x2x2x2xi32> {
  %b = arith.constant dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]> : tensor<1x2x2x2xi32>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x2x2xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x1x3x3xi32>, tensor<2x1x2x2xi32>) outs(%f : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %b : tensor<1x2x2x2xi32>, tensor<1x2x2x2xi32>) outs(%e : tensor<1x2x2x2xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %t = arith.addi %x, %y : i32
    linalg.yield %t : i32
  } -> tensor<1x2x2x2xi32>
  return %s : tensor<1x2x2x2xi32>
}
