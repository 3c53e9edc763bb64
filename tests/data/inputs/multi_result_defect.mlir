// A two-result linalg.generic whose destinations are both non-splat constants (a sum and a max
// reduction). IREE 3.13 (llvm-cpu): compile error "write affecting operations on global resources ...";
// the decoupling pass does not handle ops with several destinations.
func.func @main(%a: tensor<4x8xi32>) -> (tensor<8xi32>, tensor<8xi32>) {
  %c1 = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %c2 = arith.constant dense<[8, 7, 6, 5, 4, 3, 2, 1]> : tensor<8xi32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%c1, %c2 : tensor<8xi32>, tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32, %m: i32):
    %0 = arith.addi %x, %s : i32
    %1 = arith.maxsi %x, %m : i32
    linalg.yield %0, %1 : i32, i32
  } -> (tensor<8xi32>, tensor<8xi32>)
  return %r#0, %r#1 : tensor<8xi32>, tensor<8xi32>
}
