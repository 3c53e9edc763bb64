"""Deduplication: one directory per signature, blind to names, shapes and values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fuzzir.diagnostics import normalize_diagnostic
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.parse import parse_program
from fuzzir.persist import store_case
from fuzzir.targets import parse_targets

DATA = Path(__file__).parent / "data" / "programs"
INLINE0 = ("--iree-flow-inline-constants-max-byte-length=0",)


def _store(text: str, out: Path, flags: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    settings = Settings(targets=parse_targets("llvm-cpu"), flag_sets=(flags,), matrix="full")
    program = parse_program(text)
    case = judge_program(program, text, 0, settings, cells=plan_cells(settings, 0))
    return [(r.finding.signature, r.outcome) for r in store_case(out, case, seed=0, elapsed=None, source="test")]


def test_normalized_diagnostics_ignore_names_shapes_and_numbers() -> None:
    a = normalize_diagnostic("'linalg.generic' op operand %arg3 of tensor<4x32xi32> at x.mlir:3:8 has 17 uses")
    b = normalize_diagnostic("'linalg.generic' op operand %cst_0 of tensor<8x2xi32> at y.mlir:9:1 has 2 uses")
    assert a == b


def test_two_copies_of_one_bug_merge_and_the_smaller_one_wins(tmp_path: Path) -> None:
    base = (DATA / "bug_reduction_nonsplat_init.mlir").read_text()
    first = _store(base, tmp_path, INLINE0)
    # The same bug, renamed and reshaped: other SSA names, a smaller tensor, other constant values.
    renamed = (base.replace("%cst", "%bias").replace("%arg0", "%input").replace("%3", "%sum")
               .replace("4x32xi32", "2x8xi32").replace("tensor<32xi32>", "tensor<8xi32>")
               .replace("[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]",
                        "[5,-1,2,7,0,3,3,9]"))
    second = _store(renamed, tmp_path, INLINE0)
    assert sorted(s for s, _ in first) == sorted(s for s, _ in second)
    assert {o for _, o in first} == {"new"} and {o for _, o in second} == {"replaced"}
    entries = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    # The readwrite binding and the runtime's copy of the constant are one cause: one entry.
    assert len(entries) == 1
    meta = json.loads((entries[0] / "meta.json").read_text())
    assert meta["kind"] == "readwrite-constant" and {o["kind"] for o in meta["observations"]} == {
        "readwrite-constant", "constant-copy"}
    assert "hits" not in meta and "2x8xi32" in (entries[0] / "program.mlir").read_text()
    third = _store(base, tmp_path, INLINE0)  # larger again: counted, not stored
    assert {o for _, o in third} == {"duplicate"}
    assert "2x8xi32" in (entries[0] / "program.mlir").read_text()


def test_different_bugs_stay_apart(tmp_path: Path) -> None:
    a = _store((DATA / "bug_reduction_nonsplat_init.mlir").read_text(), tmp_path)
    b = _store((DATA / "bug_pooling_min_detached_init.mlir").read_text(), tmp_path)
    miscompiles = {s for s, _ in b if s.startswith("miscompile")}
    assert miscompiles and not miscompiles & {s for s, _ in a}
    kinds = sorted(p.name.rsplit("-", 1)[0] for p in tmp_path.iterdir() if not p.name.startswith("."))
    # The reduction's compile error is its written constant (llvm-cpu refuses to write it).
    assert "miscompile" in kinds and "written-constant" in kinds


@pytest.mark.parametrize("corrupt", ["{not json", json.dumps({"kind": "x"})])
def test_a_corrupt_entry_is_replaced_by_a_good_finding(tmp_path: Path, corrupt: str) -> None:
    signatures = _store((DATA / "bug_reduction_nonsplat_init.mlir").read_text(), tmp_path)
    entry = tmp_path / signatures[0][0]
    (entry / "meta.json").write_text(corrupt)
    again = _store((DATA / "bug_reduction_nonsplat_init.mlir").read_text(), tmp_path)
    assert dict(again)[signatures[0][0]] == "replaced"
    assert json.loads((entry / "meta.json").read_text())["signature"] == signatures[0][0]
    assert np.load(entry / "input0.npy").shape == (4, 32)
