// iree_linalg_ext.scatter-add into a fill of zeros (what frontends should emit): right on IREE 3.13.
func.func @main(%upd: tensor<3x4xi32>, %idx: tensor<3x1xi32>) -> tensor<8x4xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<8x4xi32>
  %orig = linalg.fill ins(%zero : i32) outs(%e : tensor<8x4xi32>) -> tensor<8x4xi32>
  %0 = iree_linalg_ext.scatter dimension_map = [0] unique_indices(true)
      ins(%upd, %idx : tensor<3x4xi32>, tensor<3x1xi32>) outs(%orig : tensor<8x4xi32>) {
    ^bb0(%a: i32, %b: i32):
      %s = arith.addi %a, %b : i32
      iree_linalg_ext.yield %s : i32
  } -> tensor<8x4xi32>
  return %0 : tensor<8x4xi32>
}
