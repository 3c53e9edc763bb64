// C = init + A^T * B^T in i8, written as a generic with transposed maps.
#map = affine_map<(d0, d1, d2) -> (d2, d0)>
#map1 = affine_map<(d0, d1, d2) -> (d1, d2)>
#map2 = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @main(%arg0: tensor<3x2xi8>, %arg1: tensor<4x3xi8>) -> tensor<2x4xi8> {
  %cst = arith.constant dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4xi8>
  %0 = linalg.generic {indexing_maps = [#map, #map1, #map2],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%arg0, %arg1 : tensor<3x2xi8>, tensor<4x3xi8>) outs(%cst : tensor<2x4xi8>) {
  ^bb0(%in: i8, %in_0: i8, %out: i8):
    %1 = arith.muli %in, %in_0 : i8
    %2 = arith.addi %out, %1 : i8
    linalg.yield %2 : i8
  } -> tensor<2x4xi8>
  return %0 : tensor<2x4xi8>
}
