// torch-mlir's NCHW convolution accumulating into a bias held in a util.global. IREE 3.13: the pass
// does not look through util.global.load, so the global reaches the conv's dispatch read-write
// (llvm-cpu: compile error "write affecting operations on global resources ...").
util.global private @bias = dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]]> : tensor<1x2x2x2xi32>
func.func @main(%img: tensor<1x1x3x3xi32>, %flt: tensor<2x1x2x2xi32>) -> tensor<1x2x2x2xi32> {
  %b = util.global.load @bias : tensor<1x2x2x2xi32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x1x3x3xi32>, tensor<2x1x2x2xi32>) outs(%b : tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  return %r : tensor<1x2x2x2xi32>
}
