"""The constant-as-argument oracle: a real constant-handling miscompile, found without a model of the ops.

`pooling_nchw_max_outside_model.mlir` (NCHW max pooling into a non-splat constant, next to a
`tensor.collapse_shape`) is outside the numpy model. IREE 3.13's decoupling pass rewrites
max(c, x) as max(0, x) + c there, so the stock compiler computes wrong values. The test
establishes that independently (IREE's own compile and run against a numpy loop written
here), then shows that the oracle reports it, that the numpy reference could not (it
abstains), and that the rewrite it compares against computes the right values.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fuzzir.cli import main
from fuzzir.compiler import compile_program
from fuzzir.oracles.constants_to_args import constants_to_args
from fuzzir.oracles.lowering import lower
from fuzzir.runner import run_module
from fuzzir.targets import TARGETS

INPUTS = Path(__file__).parent / "data" / "inputs"
POOL = Path(__file__).parent / "data" / "constant_arg" / "pooling_nchw_max_outside_model.mlir"
INIT = np.array([[[[1, 9, 3], [4, 5, 6], [7, 8, 2]], [[-1, -2, 3], [0, 5, -6], [7, 1, 2]]]], np.float32)


def max_pool(x: np.ndarray, init: np.ndarray) -> np.ndarray:
    out = init.copy()
    for i in range(3):
        for j in range(3):
            out[:, :, i, j] = np.maximum(init[:, :, i, j], x[:, :, i:i + 2, j:j + 2].max(axis=(2, 3)))
    return out


def run(path: Path, inputs: list[np.ndarray], work: Path) -> np.ndarray:
    res = compile_program(str(path), TARGETS["llvm-cpu"], "with", workdir=str(work), dump_phases=False)
    assert res.ok, res.stderr
    out = run_module(res.vmfb, TARGETS["llvm-cpu"], inputs, workdir=str(work),
                     result_types=["tensor<1x2x3x3xf32>", "tensor<2x16xf32>"])
    assert out.ok, out.stderr
    np.testing.assert_array_equal(out.outputs[1], inputs[0].reshape(2, 16))
    return out.outputs[0]


def test_the_stock_compiler_really_miscompiles_it_and_the_rewrite_does_not(tmp_path: Path) -> None:
    x = np.random.default_rng(0).integers(-8, 9, size=(1, 2, 4, 4)).astype(np.float32)
    want = max_pool(x, INIT)
    got = run(POOL, [x], tmp_path / "stock")
    assert not np.array_equal(got, want)  # a real miscompile, by numpy alone
    lowered = lower(POOL.read_text(), str(POOL))
    rewrite = constants_to_args(lowered.text, "main")
    assert not rewrite.problem and len(rewrite.values) == 1
    np.testing.assert_array_equal(rewrite.values[0], INIT)
    (tmp_path / "rewrite.mlir").write_text(rewrite.text)
    np.testing.assert_array_equal(run(tmp_path / "rewrite.mlir", [x, *rewrite.values], tmp_path / "rw"), want)


def test_the_oracle_reports_it_where_the_numpy_reference_cannot(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(POOL), "--targets", "llvm-cpu,vmvx", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    found = [f for f in report["findings"] if f["kind"] == "miscompile"]
    assert {(f["target"], f["variant"]) for f in found} == {("llvm-cpu", "with"), ("vmvx", "with")}
    # The numpy reference models this pooling now (issue 17's widening) and finds it first; the
    # constant-as-argument oracle steps aside there, saying so (it judges where numpy cannot).
    assert all("result 0 " in f["message"] for f in found)
    for cell in report["cells"]:
        if cell.get("oracles"):
            judged_by_numpy = cell["oracles"]["numpy-values"] == "judged"
            assert judged_by_numpy or cell["oracles"]["constant-as-argument"] == "judged"
            if judged_by_numpy:
                assert cell["oracles"]["constant-as-argument"] == "abstained: the numpy reference judges this cell"


REWRITE = """util.global private @weights = dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
util.global private mutable @state = dense<0.0> : tensor<4xf32>
func.func @main(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %w = util.global.load @weights : tensor<4xf32>
  %s = util.global.load @state : tensor<4xf32>
  %c = arith.constant dense<7.0> : tensor<4xf32>
  %in = arith.constant dense<[5.0, 6.0, 7.0, 8.0]> : tensor<4xf32>
  %r1 = linalg.map { arith.addf } ins(%a, %in : tensor<4xf32>, tensor<4xf32>) outs(%w : tensor<4xf32>)
  %r2 = linalg.map { arith.addf } ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%s : tensor<4xf32>)
  %p = tensor.extract_slice %a[0] [2] [1] : tensor<4xf32> to tensor<2xf32>
  %r3 = tensor.insert_slice %p into %c[1] [2] [1] : tensor<2xf32> into tensor<4xf32>
  return %r1, %r2, %r3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
"""


def test_rewrite_passes_destination_constants_and_immutable_globals_only(tmp_path: Path) -> None:
    lowered = lower(REWRITE, "rewrite.mlir")
    assert not lowered.problem, lowered.problem
    rw = constants_to_args(lowered.text, "main")
    assert not rw.problem
    # @weights (an immutable global in outs) and %c (insert_slice's destination); not the mutable
    # @state, and not %in, which is only read.
    assert rw.names[0] == "@weights" and rw.names[1].startswith("arith.constant at rewrite.mlir:6:")
    np.testing.assert_array_equal(rw.values[0], [1, 2, 3, 4])
    np.testing.assert_array_equal(rw.values[1], [7, 7, 7, 7])
    assert "@main(%arg0: tensor<4xf32>" in rw.text and rw.text.count("util.global.load") == 1
    assert constants_to_args(lower(INPUTS.joinpath("reduce_clean.mlir").read_text(), "r.mlir").text,
                             "main").problem == "no constant reaches an op's destination"


COMPUTED = """func.func @main(%a: tensor<2x4xf32>, %k: tensor<4x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %bias = arith.constant dense<[1.0, -2.0, 3.0]> : tensor<3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %b = linalg.broadcast ins(%bias : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
  %r1 = linalg.matmul ins(%a, %k : tensor<2x4xf32>, tensor<4x3xf32>) outs(%b : tensor<2x3xf32>) -> tensor<2x3xf32>
  %mixed = linalg.map { arith.addf } ins(%b, %r1 : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3xf32>)
  %r2 = linalg.matmul ins(%a, %k : tensor<2x4xf32>, tensor<4x3xf32>) outs(%mixed : tensor<2x3xf32>) -> tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %r3 = linalg.matmul ins(%a, %k : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r1, %r2, %r3 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}
"""


def test_a_destination_computed_from_constants_only_passes_those_constants() -> None:
    # %b (the bias broadcast) is computed from %bias only: IREE may fold it into a constant destination, so
    # %bias becomes an argument. %mixed is computed from an argument too, and a fill of a scalar is no tensor
    # constant: neither adds one.
    rw = constants_to_args(lower(COMPUTED, "computed.mlir").text, "main")
    assert not rw.problem and len(rw.values) == 1, rw
    assert rw.names[0].startswith("arith.constant at computed.mlir:3:")
    np.testing.assert_array_equal(rw.values[0], [1.0, -2.0, 3.0])
    assert "%arg2: tensor<3xf32>" in rw.text and "dense<[1.0" not in rw.text


@pytest.mark.parametrize("path", [Path(__file__).parent / "data" / "tosa" / "conv2d_i8.mlir",
                                  Path(__file__).parent / "data" / "stablehlo" / "dus_into_broadcast_constant.mlir"])
def test_a_frontend_constant_broadcast_into_a_destination_is_judged_and_clean(
        capsys: pytest.CaptureFixture[str], path: Path) -> None:
    # A TOSA conv2d accumulating into its broadcast constant bias; a StableHLO update of a broadcast constant.
    code = main(["check", str(path), "--targets", "llvm-cpu", "--json", "--no-blame"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["counts"] == {"defect": 0, "latent": 0, "guarded": 0}
    assert len(report["cells"]) == 2
    # Judged by the constant-as-argument oracle, or by the numpy reference where it models the input-phase
    # form (the oracle then steps aside); never abstained for want of a constant.
    assert all(c["ran"] and "judged" in (c["oracles"]["constant-as-argument"], c["oracles"]["numpy-values"])
               for c in report["cells"]), report
    assert all("no constant reaches" not in c["oracles"]["constant-as-argument"] for c in report["cells"])
