// An elementwise op into a slice of a constant, inserted back into that constant (an in-place update
// of a constant, as frontends lower `x[2:4] += a`). IREE 3.13 fuses it into one dispatch that writes the
// constant in place: readwrite-constant and constant-copy, with and without the pass, on every target.
// At stream level (issue 17) that is no defect: the constant is copied into the result and the dispatch
// reads the constant inlined into it, writing only rows 2-3 of the copy: the copy keeps the other rows, as
// the program requires. Expected: no finding (a required-copy note of the IR checks).
func.func @main(%a: tensor<2x4xf32>) -> tensor<8x4xf32> {
  %c = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0], [13.0, 14.0, 15.0, 16.0]]> : tensor<8x4xf32>
  %s = tensor.extract_slice %c[2, 0] [2, 4] [1, 1] : tensor<8x4xf32> to tensor<2x4xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%a : tensor<2x4xf32>) outs(%s : tensor<2x4xf32>) {
  ^bb0(%x: f32, %y: f32):
    %0 = arith.addf %x, %y : f32
    linalg.yield %0 : f32
  } -> tensor<2x4xf32>
  %r = tensor.insert_slice %m into %c[2, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}
