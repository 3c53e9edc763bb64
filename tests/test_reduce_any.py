"""Reducing a program outside fuzzir's model with IREE's own reducer (`ireeReduceRunMain` of the wheel).

The input is the linalg.reduce defect (a compile error) with unrelated ops around it; the
reduced program must be smaller and still show the same signature in the same cell.
"""

from __future__ import annotations

import pytest

from fuzzir.any_program import load_program
from fuzzir.findings import group
from fuzzir.judge import Settings, judge_program
from fuzzir.reduce_any import compiler_library, interesting, reduce_text
from fuzzir.targets import TARGETS, Cell

NOISY = """func.func @main(%arg0: tensor<4x8xi32>, %b: tensor<8xi32>) -> (tensor<8xi32>, tensor<8xi32>) {
  %cst = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %e = tensor.empty() : tensor<8xi32>
  %m = linalg.map { arith.muli } ins(%b, %b : tensor<8xi32>, tensor<8xi32>) outs(%e : tensor<8xi32>)
  %n = linalg.map { arith.addi } ins(%m, %b : tensor<8xi32>, tensor<8xi32>) outs(%e : tensor<8xi32>)
  %r = linalg.reduce ins(%arg0 : tensor<4x8xi32>) outs(%cst : tensor<8xi32>) dimensions = [0]
    (%in: i32, %acc: i32) {
      %s = arith.addi %in, %acc : i32
      linalg.yield %s : i32
    }
  return %r, %n : tensor<8xi32>, tensor<8xi32>
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
    assert "linalg.reduce" in reduced.text
    spec = {"target": "llvm-cpu", "variant": "with", "flags": [], "key": finding.key, "pass_name": settings.pass_name,
            "compile_timeout": 60.0, "run_timeout": 30.0, "function": None, "dims": [], "seed": 0}
    assert interesting(spec, reduced.text)
    assert not interesting(spec, "func.func @main(")  # invalid candidates are not interesting
