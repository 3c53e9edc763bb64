// A dynamic-shaped argument (as frontends emit) reduced into a non-splat constant: linalg takes the
// static size from the destination. IREE 3.13 (llvm-cpu): compile error "write affecting operations
// on global resources ...", as with a static argument: the dynamic shape changes nothing.
func.func @main(%a: tensor<?x8xi32>) -> tensor<8xi32> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<?x8xi32>) outs(%c : tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32):
    %0 = arith.addi %x, %s : i32
    linalg.yield %0 : i32
  } -> tensor<8xi32>
  return %r : tensor<8xi32>
}
