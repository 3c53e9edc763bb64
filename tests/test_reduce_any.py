"""Reducing a program outside fuzzir's model with IREE's own reducer (`ireeReduceRunMain` of the wheel).

The inputs are a multi-result generic defect (a compile error) and a StableHLO scatter into a
constant (which the reducer cannot read until it is lowered to IREE's input phase), each with
unrelated ops around it; the reduced program must be smaller and still show the same signature
in the same cell.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzir.any_program import load_program
from fuzzir.cli import main
from fuzzir.findings import group
from fuzzir.judge import Settings, judge_program
from fuzzir.oracles.lowering import lower_frontend
from fuzzir.reduce_any import compiler_library, interesting, reduce_text
from fuzzir.targets import TARGETS, Cell

INPUTS = Path(__file__).parent / "data" / "inputs"

# A two-result generic into two non-splat constants, with a body op the model does not cover
# (`arith.maxui`; the model now reads any entry function): a compile error on llvm-cpu; the
# linalg.map ops around it are noise the reducer must remove.
NOISY = """func.func @forward(%arg0: tensor<4x8xi32>, %b: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
  %c1 = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %c2 = arith.constant dense<[8, 7, 6, 5, 4, 3, 2, 1]> : tensor<8xi32>
  %e = tensor.empty() : tensor<8xi32>
  %m = linalg.map { arith.muli } ins(%b, %b : tensor<8xi32>, tensor<8xi32>) outs(%e : tensor<8xi32>)
  %n = linalg.map { arith.addi } ins(%m, %b : tensor<8xi32>, tensor<8xi32>) outs(%e : tensor<8xi32>)
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%arg0 : tensor<4x8xi32>) outs(%c1, %c2 : tensor<8xi32>, tensor<8xi32>) {
  ^bb0(%x: i32, %s: i32, %mx: i32):
    %0 = arith.addi %x, %s : i32
    %1 = arith.maxui %x, %mx : i32
    linalg.yield %0, %1 : i32, i32
  } -> (tensor<8xi32>, tensor<8xi32>)
  return %r#0, %r#1, %n : tensor<8xi32>, tensor<8xi32>, tensor<8xi32>
}
"""


@pytest.mark.slow
def test_iree_reduce_shrinks_a_program_outside_the_model_keeping_its_signature() -> None:
    assert compiler_library() is not None
    cell = Cell(TARGETS["llvm-cpu"], "with", ())
    settings = Settings(targets=(cell.target,), variants=("with",))
    loaded = load_program(NOISY, "noisy.mlir")
    assert loaded.program is None
    case = judge_program(None, NOISY, 0, settings, cells=[cell], source=loaded.source, unmodelled=loaded.unmodelled)
    (finding,) = group(case.observations)
    assert finding.kind == "compile-error"
    reduced = reduce_text(NOISY, cell, finding.key, settings, time_budget=300)
    assert not reduced.problem, reduced.problem
    assert reduced.text.count("linalg.map") < NOISY.count("linalg.map")
    assert "linalg.generic" in reduced.text
    spec = {"target": "llvm-cpu", "variant": "with", "flags": [], "key": finding.key, "pass_name": settings.pass_name,
            "compile_timeout": 60.0, "run_timeout": 30.0, "function": None, "dims": [], "seed": 0,
            "variants": ["with"]}
    assert interesting(spec, reduced.text)
    assert not interesting(spec, "func.func @main(")  # invalid candidates are not interesting


# A StableHLO program (the wheel's reducer registers no StableHLO) whose scatter-add into a
# 1 KiB constant reaches a dispatch readwrite (tests/data/inputs/stablehlo_defect.mlir), with an
# unrelated add beside it for the reducer to remove.
STABLEHLO = (INPUTS / "stablehlo_defect.mlir").read_text().replace(
    "func.func @main(%idx: tensor<3x1xi32>, %upd: tensor<3x4xi32>) -> tensor<64x4xi32> {",
    "func.func @main(%idx: tensor<3x1xi32>, %upd: tensor<3x4xi32>) -> (tensor<64x4xi32>, tensor<3x4xi32>) {\n"
    "  %noise = stablehlo.multiply %upd, %upd : tensor<3x4xi32>").replace(
    "  return %r : tensor<64x4xi32>", "  return %r, %noise : tensor<64x4xi32>, tensor<3x4xi32>")


def test_a_frontend_program_is_lowered_to_what_the_reducer_reads() -> None:
    tosa = (INPUTS / "tosa_defect.mlir").read_text()
    lowered = lower_frontend(tosa, "tosa_defect.mlir")
    assert not lowered.problem
    assert "tosa" not in lowered.text and "loc(" not in lowered.text  # ops, the target_env attribute, locations
    assert "tensor.insert_slice" in lowered.text and "util.func public @main" in lowered.text
    plain = (INPUTS / "reduce_defect.mlir").read_text()
    assert lower_frontend(plain, "r.mlir").text == plain  # no frontend op: unchanged
    assert lower_frontend("func.func @main(", "x.mlir").problem.startswith("not valid MLIR")


@pytest.mark.slow
def test_minimize_reduces_a_stablehlo_finding_in_stablehlo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A frontend program is reduced in its own dialect first (`fuzzir.reduce_frontend`); IREE's reducer
    # (through the input phase) only gets the time left when that keeps nothing.
    src = tmp_path / "user.mlir"
    src.write_text(STABLEHLO)
    out = tmp_path / "findings"
    assert main(["check", str(src), "--targets", "llvm-cpu", "--out", str(out)]) == 1
    (entry,) = [p for p in out.iterdir() if p.is_dir()]
    key = json.loads((entry / "meta.json").read_text())["signature_key"]
    capsys.readouterr()
    assert main(["minimize", str(entry), "--time", "300"]) == 0
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["signature_key"] == key
    assert meta["minimization"]["passes"][0] == "drop-result"  # the unrelated second result goes first
    assert "iree-reduce" not in meta["minimization"]["passes"]
    reduced = (entry / "program.mlir").read_text()
    assert "stablehlo.scatter" in reduced and "linalg" not in reduced
    assert "stablehlo.multiply" not in reduced  # the unrelated multiply is gone
    assert (entry / "original.mlir").read_text() == STABLEHLO
