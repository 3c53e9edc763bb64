"""The run-twice oracle against the real compiler and runtime (IREE 3.13).

The defect case is IREE's own `tests/e2e/linalg/narrow_n_matmuls.mlir` matvec,
made a program that returns its result instead of checking it: on llvm-cpu the
dispatch writes the `util.unfoldable_constant` accumulator in place, so the first
call is right ([0, 7, -17]) and the second is not.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fuzzir
from fuzzir.cli import main
from fuzzir.compiler import compile_program
from fuzzir.oracles.run_twice import CALLS
from fuzzir.runner import run_calls
from fuzzir.targets import TARGETS

# From IREE's tests/e2e/linalg/narrow_n_matmuls.mlir (@matvec), returning the result.
NARROW_N_MATVEC = """
func.func @matvec() -> tensor<3xi32> {
  %lhs = util.unfoldable_constant dense<[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]]> : tensor<3x4xi8>
  %rhs = util.unfoldable_constant dense<[-2, 3, 4, -1]> : tensor<4xi8>
  %acc = util.unfoldable_constant dense<[1, 2, 3]> : tensor<3xi32>
  %result = linalg.matvec ins(%lhs, %rhs : tensor<3x4xi8>, tensor<4xi8>)
                          outs(%acc : tensor<3xi32>) -> tensor<3xi32>
  return %result : tensor<3xi32>
}
"""

# The same product into a zero fill: nothing constant is written, every call returns the same.
CLEAN_MATVEC = """
func.func @main(%lhs: tensor<3x4xi8>, %rhs: tensor<4xi8>) -> tensor<3xi32> {
  %zero = arith.constant 0 : i32
  %empty = tensor.empty() : tensor<3xi32>
  %acc = linalg.fill ins(%zero : i32) outs(%empty : tensor<3xi32>) -> tensor<3xi32>
  %result = linalg.matvec ins(%lhs, %rhs : tensor<3x4xi8>, tensor<4xi8>)
                          outs(%acc : tensor<3xi32>) -> tensor<3xi32>
  return %result : tensor<3xi32>
}
"""

# A counter: each call adds its input to a mutable global and returns the sum, legitimately
# different every time.
COUNTER = """
util.global private mutable @counter = dense<0> : tensor<4xi32>
func.func @main(%a: tensor<4xi32>) -> tensor<4xi32> {
  %c = util.global.load @counter : tensor<4xi32>
  %s = arith.addi %c, %a : tensor<4xi32>
  util.global.store %s, @counter : tensor<4xi32>
  return %s : tensor<4xi32>
}
"""

# Values the child must pass and read back without ml_dtypes: a bf16 tensor, f32 and i32 scalars.
MIXED = """
func.func @main(%a: tensor<4xbf16>, %s: f32, %i: i32) -> (tensor<4xbf16>, f32, i32) {
  %e = tensor.empty() : tensor<4xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xbf16>) outs(%e : tensor<4xbf16>) {
  ^bb0(%x: bf16, %o: bf16):
    %y = arith.addf %x, %x : bf16
    linalg.yield %y : bf16
  } -> tensor<4xbf16>
  %s2 = arith.addf %s, %s : f32
  %i2 = arith.addi %i, %i : i32
  return %r, %s2, %i2 : tensor<4xbf16>, f32, i32
}
"""


def _run_twice(verdict: fuzzir.Verdict) -> list[str]:
    return [c.oracles.get("run-twice", "") for c in verdict.cells if c.oracles is not None]


def test_narrow_n_matvec_is_caught_with_both_outputs() -> None:
    verdict = fuzzir.check(NARROW_N_MATVEC, targets=("llvm-cpu",))
    assert _run_twice(verdict) == ["judged"]
    found = [f for f in verdict.defects if f.kind == "mutated-constant"]
    assert len(found) == 1, verdict.summary()
    message = found[0].first.message
    assert "[0, 7, -17] on call 1" in message  # right, as the e2e test's single call sees it
    assert "on call 2" in message and "[0, 7, -17] on call 2" not in message
    assert "[-1, 12, -37] on call 2" in message  # IREE 3.13: the accumulator was written in place
    assert found[0].key == "mutated-constant|llvm-cpu|main||with"


def test_clean_program_is_judged_clean() -> None:
    verdict = fuzzir.check(CLEAN_MATVEC, targets=("llvm-cpu",), variants=("with", "without"))
    assert _run_twice(verdict) == ["judged", "judged"]
    assert not [f for f in verdict.findings if f.kind == "mutated-constant"], verdict.summary()


def test_values_without_ml_dtypes_in_the_child() -> None:
    """bf16 and scalars go through the child as bytes; the first call must match iree-run-module's run."""
    verdict = fuzzir.check(MIXED, targets=("llvm-cpu",))
    assert _run_twice(verdict) == ["judged"]
    assert verdict.clean, verdict.summary()


def test_a_mutable_global_store_abstains() -> None:
    verdict = fuzzir.check(COUNTER, targets=("llvm-cpu",))
    (what,) = _run_twice(verdict)
    assert what.startswith("abstained: the program writes a mutable global (util.global.store)")
    assert verdict.clean, verdict.summary()


def test_run_calls_sees_state_carried_between_calls(tmp_path: Path) -> None:
    """Why the oracle abstains on a global store: the calls do differ, as they should."""
    src = tmp_path / "program.mlir"
    src.write_text(COUNTER)
    compiled = compile_program(str(src), TARGETS["llvm-cpu"], "with", workdir=str(tmp_path), dump_phases=False)
    assert compiled.ok and compiled.vmfb is not None
    res = run_calls(compiled.vmfb, TARGETS["llvm-cpu"], [np.arange(4, dtype=np.int32)],
                    workdir=os.path.join(tmp_path, "calls"), calls=CALLS)
    assert res.status == "ok" and len(res.calls) == CALLS
    sums = [np.asarray(call[0].array()).tolist() for call in res.calls]
    assert sums == [[0, 1, 2, 3], [0, 2, 4, 6], [0, 3, 6, 9]]


def test_values_the_child_cannot_take_are_refused(tmp_path: Path) -> None:
    """An element type with no IREE counterpart is refused before any process starts (the oracle abstains)."""
    res = run_calls(str(tmp_path / "missing.vmfb"), TARGETS["llvm-cpu"],
                    [np.int32(1), np.array(["x"], dtype=np.object_)], workdir=str(tmp_path), calls=CALLS)
    assert res.status == "error" and not res.calls and res.error.startswith("argument 1 has element type object")


def test_the_finding_is_stored_and_its_repro_reproduces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """repro.sh shows it with IREE's tools alone: iree-run-module --module_mode=mmap faults on the write."""
    src = tmp_path / "matvec.mlir"
    src.write_text(NARROW_N_MATVEC)
    assert main(["check", str(src), "--targets", "llvm-cpu", "--no-blame", "--out", str(tmp_path / "found")]) == 1
    (entry,) = (tmp_path / "found").glob("mutated-constant-*")
    proc = subprocess.run(["bash", str(entry / "repro.sh")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "reproduces: iree-run-module faulted" in proc.stdout
    assert main(["export", str(entry), "--format", "lit"]) == 2  # one call through a pipe cannot show it
    assert "cannot be shown by a lit test" in capsys.readouterr().err


SHAPES = """
func.func @main(%s: tensor<f32>, %z: tensor<0x3xi16>, %m: tensor<2x3xi64>)
    -> (tensor<f32>, tensor<0x3xi16>, tensor<2x3xi64>) {
  %0 = arith.addf %s, %s : tensor<f32>
  %1 = arith.addi %z, %z : tensor<0x3xi16>
  %2 = arith.muli %m, %m : tensor<2x3xi64>
  return %0, %1, %2 : tensor<f32>, tensor<0x3xi16>, tensor<2x3xi64>
}
"""


def test_the_child_passes_rank_0_zero_size_and_wide_values_as_bytes(tmp_path: Path) -> None:
    """Arguments travel as bytes and become buffer views of their shape: rank 0 stays rank 0 (numpy's
    `ascontiguousarray` made it rank 1, and the run-twice oracle abstained on every scalar tensor)."""
    src = tmp_path / "program.mlir"
    src.write_text(SHAPES)
    compiled = compile_program(str(src), TARGETS["llvm-cpu"], "with", workdir=str(tmp_path), dump_phases=False)
    assert compiled.ok and compiled.vmfb is not None
    m = np.arange(6, dtype=np.int64).reshape(2, 3) - (1 << 40)
    res = run_calls(compiled.vmfb, TARGETS["llvm-cpu"], [np.array(1.25, np.float32), np.zeros((0, 3), np.int16), m],
                    workdir=os.path.join(tmp_path, "calls"), calls=2)
    assert res.status == "ok" and len(res.calls) == 2, res.error
    first = [np.asarray(out.array()) for out in res.calls[0]]
    assert first[0].shape == () and float(first[0]) == 2.5
    assert first[1].shape == (0, 3)
    assert np.array_equal(first[2], m * m)
    assert [o.data for o in res.calls[0]] == [o.data for o in res.calls[1]]


def test_a_warm_child_serves_cell_after_cell_and_a_dead_one_is_replaced(tmp_path: Path) -> None:
    """The warm child answers as a fresh one would; killed or out of time, the next request gets a new one."""
    from fuzzir import warm_calls

    src = tmp_path / "program.mlir"
    src.write_text(COUNTER)
    compiled = compile_program(str(src), TARGETS["llvm-cpu"], "with", workdir=str(tmp_path), dump_phases=False)
    assert compiled.ok and compiled.vmfb is not None
    x = [np.arange(4, dtype=np.int32)]

    def calls(k: int, **kw: object):
        return run_calls(compiled.vmfb, TARGETS["llvm-cpu"], x, workdir=str(tmp_path / f"c{k}"), calls=CALLS, **kw)

    for old in warm_calls._local.__dict__.setdefault("children", {}).values():  # other tests' children
        old.kill()
    warm_calls._local.children.clear()
    warm, fresh = calls(0), calls(1, warm=False)
    assert warm.status == fresh.status == "ok"
    assert [[o.data for o in c] for c in warm.calls] == [[o.data for o in c] for c in fresh.calls]
    (child,) = [c for k, c in warm_calls._local.children.items() if k[1] == "local-task"]
    pid = child.proc.pid
    assert calls(2).status == "ok" and child.proc.pid == pid  # the same process, a new context each time
    os.kill(pid, 9)
    child.proc.wait()
    again = calls(3)
    assert again.status == "ok" and len(again.calls) == CALLS
    assert all(c.proc.pid != pid for c in warm_calls._local.children.values())
    ((key, child),) = [(k, c) for k, c in warm_calls._local.children.items() if k[1] == "local-task"]
    late = warm_calls.request(str(tmp_path / "c3" / "calls.json"), runtime=json.loads(
        (tmp_path / "c3" / "calls.json").read_text())["runtime"], driver="local-task", timeout=0.0,
        mem_limit_mb=key[2])
    assert late.timed_out and child.proc.poll() is not None and child not in warm_calls._local.children.values()
    assert calls(5).status == "ok"
