// Dynamic offsets into and out of a constant: %a inserted at row %off (an index argument, drawn in
// [0, 6]), and the 3 rows from %row (an i32 argument through index_cast, drawn in [0, 5]) summed by
// a reduction into a fill. No dispatch writes the constant; IREE 3.13 gets it right on llvm-cpu,
// vmvx and vulkan.
func.func @main(%a: tensor<2x4xf32>, %off: index, %row: i32) -> (tensor<8x4xf32>, tensor<4xf32>) {
  %c = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]> : tensor<8x4xf32>
  %r = tensor.insert_slice %a into %c[%off, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<8x4xf32>
  %k = arith.index_cast %row : i32 to index
  %s = tensor.extract_slice %c[%k, 0] [3, 4] [1, 1] : tensor<8x4xf32> to tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %sum = linalg.reduce ins(%s : tensor<3x4xf32>) outs(%f : tensor<4xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %r, %sum : tensor<8x4xf32>, tensor<4xf32>
}
