"""Reducing a program outside fuzzir's model with IREE's own reducer (`ireeReduceRunMain` of the wheel).

The input is a multi-result generic defect (a compile error) with unrelated ops around it; the
reduced program must be smaller and still show the same signature in the same cell.
"""

from __future__ import annotations

import pytest

from fuzzir.any_program import load_program
from fuzzir.findings import group
from fuzzir.judge import Settings, judge_program
from fuzzir.reduce_any import compiler_library, interesting, reduce_text
from fuzzir.targets import TARGETS, Cell

# A two-result generic (outside fuzzir's model) into two non-splat constants: a compile error on
# llvm-cpu; the linalg.map ops around it are noise the reducer must remove.
NOISY = """func.func @main(%arg0: tensor<4x8xi32>, %b: tensor<8xi32>) -> (tensor<8xi32>, tensor<8xi32>, tensor<8xi32>) {
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
    %1 = arith.maxsi %x, %mx : i32
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
