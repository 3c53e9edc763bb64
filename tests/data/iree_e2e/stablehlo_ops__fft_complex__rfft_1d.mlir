// Converted from IREE's tests/e2e/stablehlo_ops/fft_complex.mlir @rfft_1d (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @rfft_1d() -> (tensor<17xf32>, tensor<17xf32>) {
    %0 = util.unfoldable_constant dense<[0.755557715, 0.668940246, 0.365861535, 0.244782656, 0.780464112, 0.925632715, 0.420479953, 0.444363654, 0.989984691, 0.973237156, 0.213592038, 0.234456524, 0.382682443, 0.98322612, 0.819224357, 0.0338262841, 0.872329354, 0.970221817, 7.958880e-01, 0.0579901487, 0.229043886, 0.422748774, 0.700186252, 0.467204839, 0.0419108085, 0.264269739, 0.123912655, 0.681381881, 0.78704375, 0.162056416, 0.338627338, 0.437189132]> : tensor<32xf32>
    %1 = stablehlo.fft %0, type = RFFT, length = [32] : (tensor<32xf32>) -> tensor<17xcomplex<f32>>
    %2 = stablehlo.real %1 : (tensor<17xcomplex<f32>>) -> tensor<17xf32>
    %3 = stablehlo.imag %1 : (tensor<17xcomplex<f32>>) -> tensor<17xf32>
    return %2, %3 : tensor<17xf32>, tensor<17xf32>
  }
}
