// Converted from IREE's tests/e2e/stablehlo_ops/fft_complex.mlir @irfft_1d (Apache-2.0 WITH LLVM-exception) by
// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, the values they checked returned.
module {
  func.func @irfft_1d() -> tensor<32xf32> {
    %0 = util.unfoldable_constant dense<[(16.5883179,0.000000e+00), (-0.466024816,-2.03784561), (0.85684508,-0.339856356), (-1.11617339,0.687107384), (0.867319941,0.624384642), (-0.529675484,-0.900589942), (0.726020395,-1.6517396), (3.42157292,2.84023213), (1.06124425,-2.76913738), (-0.338108778,0.423692703), (-0.752283871,-0.218233168), (-1.04112172,1.02646744), (0.0937767922,-0.934142828), (-0.483474374,-0.762185156), (1.5533843,0.452777535), (-0.381167471,-0.246144176), (0.645260811,0.000000e+00)]> : tensor<17xcomplex<f32>>
    %1 = stablehlo.fft %0, type = IRFFT, length = [32] : (tensor<17xcomplex<f32>>) -> tensor<32xf32>
    return %1 : tensor<32xf32>
  }
}
