"""Minimizing StableHLO and TOSA findings in their own dialect (`fuzzir.reduce_frontend`).

The real findings come from the frontend generators: StableHLO seed 4 scatters into a constant
(`readwrite-constant` on llvm-cpu) and subtracts a constant after it; TOSA seed 27 is a conv2d
with constant weights and bias that does not compile for rocm when constants are never inlined
(compile only, no device needed). Each is minimized to fewer ops, still in its dialect, still
showing its signature; a check that outlasts the budget is killed at the deadline.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from fuzzir.any_program import load_program
from fuzzir.cli import main
from fuzzir.generators import stablehlo, tosa
from fuzzir.judge import Settings, judge_program
from fuzzir.minimize import minimize_entry
from fuzzir.persist import store_case
from fuzzir.reduce_frontend import is_frontend_program, reduce_frontend
from fuzzir.targets import TARGETS, Cell

NO_INLINE = "--iree-flow-inline-constants-max-byte-length=0"


def _edits(text: str) -> list[tuple[int, str, str]]:
    from iree.compiler import ir

    from fuzzir.reduce_frontend import _candidates

    with ir.Context(), ir.Location.unknown():
        module = ir.Module.parse(text).operation
        return [(c.ops, c.edit.kind, c.text) for c in _candidates(ir, module, "main", module.get_asm(), set())]


def test_candidates_are_few_deterministic_largest_first_and_never_touch_indices() -> None:
    text = stablehlo.generate(4)
    edits = _edits(text)
    assert edits == _edits(text)  # same program, same candidates in the same order
    assert 0 < len(edits) <= 20
    assert [e[0] for e in edits] == sorted(e[0] for e in edits)  # fewest ops left first
    for _, kind, candidate in edits:
        assert "stablehlo.scatter" in candidate or kind in ("bypass-op", "op-to-argument")
        assert "linalg" not in candidate and "stablehlo." in candidate  # still StableHLO
        if "stablehlo.scatter" in candidate:  # its indices stay the constant they were
            assert "dense<[[3], [2], [1], [5], [4]]> : tensor<5x1xi32>" in candidate
    kinds = {kind for _, kind, _ in edits}
    assert {"bypass-op", "op-to-argument", "constant-to-argument", "splat-constant"} <= kinds
    # Two results: dropping one is the first thing tried (it removes the most).
    two = text.replace("-> tensor<6x5xf32> {", "-> (tensor<6x5xf32>, tensor<5x5xf32>) {").replace(
        "return %v7 : tensor<6x5xf32>", "%n = stablehlo.multiply %arg0, %arg0 : tensor<5x5xf32>\n"
        "  return %v7, %n : tensor<6x5xf32>, tensor<5x5xf32>")
    assert _edits(two)[0][1] == "drop-result"
    assert is_frontend_program(text) and is_frontend_program(tosa.generate(27))
    assert not is_frontend_program("func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n"
                                   "  return %a : tensor<4xf32>\n}\n")


def test_the_budget_holds_even_when_a_check_outlasts_it() -> None:
    # A check compiles and runs both variants on llvm-cpu: several seconds, more than this budget.
    text = stablehlo.generate(4)
    cell = Cell(TARGETS["llvm-cpu"], "with", ())
    start = time.monotonic()
    reduced = reduce_frontend(text, cell, "readwrite-constant|unknown|unknown|with+without",
                              Settings(targets=(cell.target,)), seed=4, time_budget=2.5)
    elapsed = time.monotonic() - start
    assert elapsed < 6, elapsed  # the check in flight was killed at the deadline (2.5 s; slack for a loaded machine)
    assert reduced.checks >= 1
    if reduced.checks == 1:  # killed (on a machine where one check takes longer than 2.5 s): nothing kept
        assert reduced.accepted == [] and reduced.text == text


@pytest.mark.slow
def test_a_generated_stablehlo_finding_is_minimized_in_stablehlo(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "shlo4.mlir"
    src.write_text(stablehlo.generate(4))
    out = tmp_path / "findings"
    assert main(["check", str(src), "--targets", "llvm-cpu", "--out", str(out), "--no-blame", "--seed", "4"]) == 1
    (entry,) = [p for p in out.iterdir() if p.is_dir() and p.name.startswith("readwrite-constant")]
    key = json.loads((entry / "meta.json").read_text())["signature_key"]
    capsys.readouterr()
    start = time.monotonic()
    assert main(["minimize", str(entry), "--time", "60"]) == 0
    assert time.monotonic() - start < 60 + 30  # the budget, then one re-judge in each cell
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["signature_key"] == key  # judged again in every cell: the same signature
    m = meta["minimization"]
    assert m["after"]["ops"] < m["before"]["ops"], m
    assert m["passes"] and "iree-reduce" not in m["passes"] and m["checks"] >= len(m["passes"])
    reduced = (entry / "program.mlir").read_text()
    assert "stablehlo.scatter" in reduced and "linalg" not in reduced
    assert "stablehlo.subtract" not in reduced  # the op after the scatter is gone


@pytest.mark.slow
def test_a_generated_tosa_finding_is_minimized_in_tosa(tmp_path: Path) -> None:
    text = tosa.generate(27)
    rocm = TARGETS["rocm"]
    settings = Settings(targets=(rocm,), flag_sets=((NO_INLINE,),))
    loaded = load_program(text, "tosa27.mlir")
    case = judge_program(loaded.program, text, 27, settings, cells=[Cell(rocm, v, (NO_INLINE,)) for v in
                                                                    ("with", "without")],
                         source=loaded.source, unmodelled=loaded.unmodelled)
    stored = [s for s in store_case(tmp_path, case, seed=27, elapsed=None, source="fuzz")
              if s.path is not None and s.path.name.startswith("compile-error")]
    assert stored, [o.kind for o in case.observations]
    entry = stored[0].path
    key = json.loads((entry / "meta.json").read_text())["signature_key"]
    m = minimize_entry(entry, time_budget=40)
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["signature_key"] == key
    assert m["after"]["ops"] < m["before"]["ops"], m
    assert "iree-reduce" not in m["passes"]
    reduced = (entry / "program.mlir").read_text()
    assert "tosa.conv2d" in reduced and "linalg" not in reduced
    assert (entry / "original.mlir").read_text() == text
