"""The frontend as a dimension: which frontend a program is in, the record and database that keep it,
the report that shows it, and the `--frontend` option of `fuzz` and `gen`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from fuzzir.cli import main
from fuzzir.constant_destinations import constant_destinations
from fuzzir.db import FindingsDB
from fuzzir.frontend_facts import frontend_of
from fuzzir.generators.frontends import ALL, LINALG, frontend_for, frontends, generate_text
from fuzzir.record import FindingRecord, RecordError
from fuzzir.report import build, markdown

CORPUS = Path(__file__).parent.parent / "crashes"


def test_a_program_is_in_the_frontend_of_its_ops() -> None:
    assert frontend_of({"func.func", "tosa.conv2d", "tosa.const"}) == "tosa"
    assert frontend_of({"func.func", "chlo.erf", "arith.constant"}) == "stablehlo"
    assert frontend_of({"func.func", "linalg.generic", "util.global"}) == LINALG


def test_all_takes_every_frontend_in_turn_linalg_first() -> None:
    names = frontends()
    assert names[0] == LINALG
    assert [frontend_for(ALL, i) for i in range(2 * len(names))] == [*names, *names]
    assert frontend_for("linalg", 7) == LINALG
    with pytest.raises(ValueError, match="unknown frontend"):
        generate_text("cobol", 0)


def test_the_record_keeps_a_frontend_and_refuses_one_that_is_no_name() -> None:
    meta = json.loads(next(CORPUS.glob("*/meta.json")).read_text())
    record = FindingRecord.from_json(meta)
    assert record.frontend == LINALG and "frontend" not in record.to_json()  # the corpus stays as it is
    tosa = FindingRecord.from_json({**meta, "frontend": "tosa"})
    assert tosa.frontend == "tosa" and tosa.to_json()["frontend"] == "tosa"
    with pytest.raises(RecordError, match="frontend"):
        FindingRecord.from_json({**meta, "frontend": "../x"})


def test_an_old_database_keeps_its_counts_as_linalg_and_the_report_shows_the_frontend(tmp_path: Path) -> None:
    path = tmp_path / "fuzzir.db"
    with sqlite3.connect(path) as con:  # the table as fuzzir wrote it before the frontend was a dimension
        con.execute("CREATE TABLE coverage (campaign INTEGER NOT NULL, family TEXT NOT NULL, init_kind TEXT NOT"
                    " NULL, target TEXT NOT NULL, outcome TEXT NOT NULL, count INTEGER NOT NULL DEFAULT 0,"
                    " PRIMARY KEY (campaign, family, init_kind, target, outcome))")
        con.execute("INSERT INTO coverage VALUES (1, 'reduction', 'splat', 'llvm-cpu', 'clean', 3)")
    db = FindingsDB(path)
    db.record(2, None, [], [("tosa", "pooling", "splat", "vulkan", "defect")])
    assert db.coverage() == {("linalg", "reduction", "splat", "llvm-cpu", "clean"): 3,
                             ("tosa", "pooling", "splat", "vulkan", "defect"): 1}
    text = markdown(build(tmp_path))
    assert "| linalg | reduction |" in text and "| tosa | pooling |" in text


def test_an_unknown_frontend_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gen", "--frontend", "cobol"]) == 2
    err = capsys.readouterr().err
    assert "unknown frontend 'cobol'" in err and "Traceback" not in err
    assert main(["gen", "--frontend", "all"]) == 2


_BIAS_INTO_OUTS = """
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %bias = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %bcast = linalg.broadcast ins(%bias : tensor<4xf32>) outs(%e : tensor<2x4xf32>) dimensions = [0]
  %0 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%bcast : tensor<2x4xf32>) -> tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}
"""


def test_a_constant_broadcast_into_a_destination_counts_and_a_zero_fill_does_not() -> None:
    # The bias's broadcast is computed only from a constant: a frontend's conv or matmul with a bias
    # looks so after IREE's input conversion. The fill of a scalar zero is fresh storage.
    assert constant_destinations(_BIAS_INTO_OUTS) == ["linalg.matmul: computed"]
    assert constant_destinations("not mlir") == []
