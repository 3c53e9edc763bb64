"""`fuzzir check` on a directory: every program judged, one coverage table, one exit status (real IREE 3.13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzir.cli import main
from tests.test_run_twice import CLEAN_MATVEC, COUNTER, NARROW_N_MATVEC


def _suite(root: Path, **programs: str) -> Path:
    root.mkdir()
    for name, text in programs.items():
        (root / f"{name}.mlir").write_text(text)
    return root


def test_a_directory_ends_with_one_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = _suite(tmp_path / "suite", clean=CLEAN_MATVEC, counter=COUNTER, narrow_n=NARROW_N_MATVEC)
    code = main(["check", str(suite), "--targets", "llvm-cpu", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1  # the narrow-N matvec is a defect
    assert [Path(p["file"]).name for p in report["programs"]] == ["clean.mlir", "counter.mlir", "narrow_n.mlir"]
    by_name = {Path(p["file"]).name: p for p in report["programs"]}
    assert by_name["clean.mlir"]["counts"]["defect"] == 0
    assert {r["kind"] for r in by_name["narrow_n.mlir"]["findings"]} >= {"mutated-constant"}
    totals = report["totals"]
    assert (totals["programs"], totals["defective"], totals["clean"], totals["refused"]) == (3, 1, 2, 0)
    run_twice = totals["oracles"]["run-twice"]
    assert (run_twice["judged"], run_twice["abstained"]) == (2, 1)
    assert run_twice["top_reasons"][0][0].startswith("the program writes a mutable global")
    assert totals["findings_by_kind"]["mutated-constant"]["defect"] == 1


def test_text_table_and_a_refused_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    suite = _suite(tmp_path / "suite", clean=CLEAN_MATVEC, broken="func.func @main( {")
    code = main(["check", str(suite / "clean.mlir"), str(suite / "broken.mlir"), "--targets", "llvm-cpu"])
    out, err = capsys.readouterr()
    assert code == 2  # no defect, but a file could not be read
    assert len(err.strip().splitlines()) == 1 and "broken.mlir" in err and "Traceback" not in err
    lines = out.splitlines()
    assert lines[0].endswith("clean.mlir: clean in 2 cells")
    assert "2 program(s): 0 with a defect, 1 without, 1 refused (bad input)" in lines
    assert any(line.startswith("run-twice") and "2/2" in line for line in lines)
    assert lines[-1] == "findings by kind: none"


def test_bad_paths_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["check", str(tmp_path / "empty"), "--targets", "llvm-cpu"]) == 2
    assert main(["check", str(tmp_path / "missing.mlir"), str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no .mlir file under" in err[0] and "no such file or directory" in err[1]
