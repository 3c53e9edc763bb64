// IREE's usual style: map aliases, %cst, numbered results, ^bb0(%in, %out).
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
module {
  func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
    %cst = arith.constant dense<7> : tensor<32xi32>
    %0 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["reduction", "parallel"]}
        ins(%arg0 : tensor<4x32xi32>) outs(%cst : tensor<32xi32>) {
    ^bb0(%in: i32, %out: i32):
      %1 = arith.addi %in, %out : i32
      linalg.yield %1 : i32
    } -> tensor<32xi32>
    return %0 : tensor<32xi32>
  }
}
