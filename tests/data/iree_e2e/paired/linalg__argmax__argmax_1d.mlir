#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0) -> ()>
module {
  func.func @argmax_1d() -> (tensor<f32>, tensor<i32>, tensor<f32>, tensor<i32>) {
    %cst = arith.constant 7.000000e+00 : f32
    %0 = tensor.empty() : tensor<131072xf32>
    %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<131072xf32>) -> tensor<131072xf32>
    %cst_0 = arith.constant 5.300000e+01 : f32
    %c131071 = arith.constant 131071 : index
    %inserted = tensor.insert %cst_0 into %1[%c131071] : tensor<131072xf32>
    %cst_1 = arith.constant 0xFF800000 : f32
    %c0_i32 = arith.constant 0 : i32
    %2 = tensor.empty() : tensor<f32>
    %3 = tensor.empty() : tensor<i32>
    %4 = linalg.fill ins(%cst_1 : f32) outs(%2 : tensor<f32>) -> tensor<f32>
    %5 = linalg.fill ins(%c0_i32 : i32) outs(%3 : tensor<i32>) -> tensor<i32>
    %6:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["reduction"]} ins(%inserted : tensor<131072xf32>) outs(%4, %5 : tensor<f32>, tensor<i32>) {
    ^bb0(%in: f32, %out: f32, %out_4: i32):
      %7 = linalg.index 0 : index
      %8 = arith.index_cast %7 : index to i32
      %9 = arith.maximumf %in, %out : f32
      %10 = arith.cmpf ogt, %in, %out : f32
      %11 = arith.select %10, %8, %out_4 : i32
      linalg.yield %9, %11 : f32, i32
    } -> (tensor<f32>, tensor<i32>)
    %cst_2 = arith.constant dense<5.300000e+01> : tensor<f32>
    %cst_3 = arith.constant dense<131071> : tensor<i32>
    return %6#0, %6#1, %cst_2, %cst_3 : tensor<f32>, tensor<i32>, tensor<f32>, tensor<i32>
  }
}
