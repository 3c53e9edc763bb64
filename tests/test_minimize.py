"""The minimizer: reduction passes on the model (fast) and on real findings (IREE in the loop)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fuzzir import families as fam
from fuzzir.cli import main
from fuzzir.emit import emit
from fuzzir.families.elementwise import elementwise as elementwise_op
from fuzzir.families.reduction import reduction as reduction_op
from fuzzir.minimize import reduce_program
from fuzzir.model import Expr, Literal, LiteralKind, Program, Ref, TensorType
from fuzzir.parse import parse_program
from fuzzir.shrink import compact, drop_op, shrink_dims, simplify_literals

DATA = Path(__file__).parent / "data" / "programs"
INLINE0 = "--iree-flag=--iree-flow-inline-constants-max-byte-length=0"


def chain_program(n_clean: int) -> Program:
    """n_clean elementwise ops on an argument, then the known-bad reduction into a non-splat constant."""
    t = TensorType((4, 32), "i32")
    ops = []
    prev = Ref("arg", 0)
    ident = ((fam.D(0), fam.D(1)),)
    for i in range(n_clean):
        body = Expr("addi", (Expr.arg(0), Expr.const(i + 1)))
        ops.append(elementwise_op((prev,), ident, Ref("lit", 0), t, body))
        prev = Ref("op", i)
    ops.append(reduction_op(prev, t, (0,), Ref("lit", 1), "addi"))
    lits = (Literal(LiteralKind.FILL, t, np.zeros((4, 32), np.int32)),
            Literal(LiteralKind.DENSE, TensorType((32,), "i32"), np.arange(1, 33, dtype=np.int32)))
    p = Program((t,), lits, tuple(ops), (Ref("op", n_clean),))
    p.validate()
    return p


def has_reduction_into_nonsplat(p: Program) -> bool:
    return any(op.family == "reduction" and str(p.init_kind(op)) == "nonsplat" for op in p.ops)


def test_passes_produce_valid_programs() -> None:
    p = chain_program(4)
    for make in (drop_op, shrink_dims, simplify_literals):
        for candidate in make(p):
            candidate.validate()
            emit(candidate)


def test_reduce_to_the_op_that_matters_with_a_model_level_test() -> None:
    result = reduce_program(chain_program(9), has_reduction_into_nonsplat, time_budget=30)
    small = result.program
    assert [op.family for op in small.ops] == ["reduction"]
    assert small.num_elements() < chain_program(9).num_elements() / 10
    assert has_reduction_into_nonsplat(small)


def test_compact_drops_unused_values() -> None:
    p = chain_program(2)
    q = p.replace(args=(*p.args, TensorType((3,), "f32")))
    assert len(compact(q).args) == 1


def test_minimize_a_real_ten_op_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 10-op program with one bad op reduces to that op, and the result still reproduces."""
    src = tmp_path / "ten.mlir"
    src.write_text(emit(chain_program(9)))
    out = tmp_path / "found"
    assert main(["check", str(src), "--targets", "llvm-cpu", INLINE0, "--out", str(out)]) == 1
    capsys.readouterr()
    entry = next(p for p in out.iterdir() if p.name.startswith("written-constant"))
    start = time.monotonic()
    assert main(["minimize", str(entry), "--time", "60"]) == 0
    assert time.monotonic() - start < 90
    meta = json.loads((entry / "meta.json").read_text())
    record = meta["minimization"]
    assert record["before"]["ops"] == 10 and record["after"]["ops"] == 1
    assert (entry / "original.mlir").read_text() == src.read_text()
    small = parse_program((entry / "program.mlir").read_text())
    assert [op.family for op in small.ops] == ["reduction"]
    assert meta["size"] == record["after"] and meta["variants"] == ["with", "without"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(["bash", str(entry / "repro.sh")], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_minimize_rejects_a_directory_that_is_not_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["minimize", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "meta.json" in err
