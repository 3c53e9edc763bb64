"""One command chain: repro.sh and meta.json show exactly the argv fuzzir ran, and it replays."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import numpy as np
import pytest

import fuzzir.compiler
import fuzzir.runner
from fuzzir import commands as cmds
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.parse import parse_program
from fuzzir.persist import store_case
from fuzzir.record import FindingRecord
from fuzzir.repro import compile_commands
from fuzzir.sandbox import ToolResult, run_tool, tool_path
from fuzzir.targets import TARGETS, Cell, parse_targets

DATA = Path(__file__).parent / "data" / "programs"
INLINE0 = ("--iree-flow-inline-constants-max-byte-length=0",)
TOOLS = ("iree-compile", "iree-opt", "iree-run-module", "iree-dump-module")


@pytest.fixture
def executed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], str | None]]:
    """Every IREE tool argv the compiler and runner really execute (argv[0] as the bare name), with its cwd."""
    seen: list[tuple[list[str], str | None]] = []

    def spy(real):
        def run(argv: list[str], *args, **kwargs) -> ToolResult:
            name = os.path.basename(argv[0])
            if name in TOOLS:
                seen.append(([name, *argv[1:]], kwargs.get("cwd")))
            return real(argv, *args, **kwargs)
        return run

    monkeypatch.setattr(fuzzir.compiler, "run_tool", spy(fuzzir.compiler.run_tool))
    monkeypatch.setattr(fuzzir.runner, "run_tool", spy(fuzzir.runner.run_tool))
    return seen


def _judge_and_store(name: str, flag_sets: tuple[tuple[str, ...], ...], out: Path):
    text = (DATA / name).read_text()
    settings = Settings(targets=parse_targets("llvm-cpu"), flag_sets=flag_sets, matrix="full")
    cells = plan_cells(settings, 0)
    case = judge_program(parse_program(text), text, 0, settings, cells=cells)
    # about="pass": every variant's symptom is stored, so the `without` chain has a finding to print.
    return case, cells, store_case(out, case, seed=0, elapsed=None, source="test", about="pass")


def _script_commands(script: str) -> list[list[str]]:
    """The argv of every IREE command line of a repro.sh (one command per line, maybe under `timeout`)."""
    argvs = []
    for line in script.splitlines():
        line = line.removeprefix("timeout 300 ")
        if line.startswith(("iree-compile ", "iree-opt ", "iree-run-module ")):
            argvs.append(shlex.split(line))
    return argvs


def _cell_runs(executed: list[tuple[list[str], str | None]], cells: list[Cell], record: FindingRecord
               ) -> list[list[str]]:
    """What ran in the judge's work directory of the finding's reproducer cell (`cell<i>-<target>-<variant>`)."""
    i = next(i for i, c in enumerate(cells) if (c.target.name, c.variant, c.flags) == record.repro_cell.key())
    name = f"cell{i}-{cells[i].target.name}-{cells[i].variant}"
    return [argv for argv, cwd in executed if cwd and os.path.basename(cwd) == name]


def _record(entry: Path) -> FindingRecord:
    return FindingRecord.from_json(json.loads((entry / "meta.json").read_text()))


def _repro(entry: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(entry / "repro.sh")], capture_output=True, text=True, timeout=300)


def _check_stored_compiles(executed, cells: list[Cell], case, entry: Path) -> FindingRecord:
    """meta.json `commands` and repro.sh's command lines are the compile argv executed in the repro cell."""
    record = _record(entry)
    ran = [argv for argv in _cell_runs(executed, cells, record) if argv[0] != "iree-run-module"]
    n = len(ran)
    assert ran and record.commands[:n] == ran == _script_commands((entry / "repro.sh").read_text())[:n]
    assert case.commands[record.repro_cell.key()] == ran
    proc = _repro(entry)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return record


def test_stored_commands_are_the_argv_that_ran_with(tmp_path: Path, executed) -> None:
    # A reduction into a non-splat constant: llvm-cpu codegen rejects it (a compile error), and
    # with constants kept out of line the stream IR copies the constant and binds it readwrite.
    case, cells, stored = _judge_and_store("bug_reduction_nonsplat_init.mlir", ((), INLINE0), tmp_path)
    kinds = {r.finding.kind: r.path for r in stored}
    assert set(kinds) == {"compile-error", "readwrite-constant"}  # the constant's copy is part of the write
    for kind, entry in kinds.items():
        record = _check_stored_compiles(executed, cells, case, entry)
        assert record.repro_cell.variant == "with"
        assert len(record.commands) == 1  # neither a compile error nor an IR finding needs the run
        if kind != "compile-error":
            assert record.repro_cell.flags == INLINE0


def test_stored_commands_are_the_argv_that_ran_without_and_run(tmp_path: Path, executed) -> None:
    # Pooling into a detached init: `with` miscompiles on llvm-cpu, `without` fails its codegen.
    case, cells, stored = _judge_and_store("bug_pooling_min_detached_init.mlir", ((),), tmp_path)
    kinds = {r.finding.kind: r.path for r in stored}
    assert set(kinds) == {"miscompile", "compile-error"}
    assert not any(argv[0] == "iree-dump-module" for argv, _ in executed)  # the judge knows the result count

    without = _check_stored_compiles(executed, cells, case, kinds["compile-error"])
    assert without.repro_cell.variant == "without"
    assert [c[0] for c in without.commands] == ["iree-compile", "iree-opt", "iree-compile"]

    record = _check_stored_compiles(executed, cells, case, kinds["miscompile"])
    assert record.repro_cell.variant == "with"
    run = _cell_runs(executed, cells, record)[-1]
    assert run[0] == "iree-run-module" and len(record.commands) == 2
    # The reproducer's run is the judge's, comparing with expected<i>.npy instead of writing outputs.
    shown = record.commands[-1]
    assert _script_commands((kinds["miscompile"] / "repro.sh").read_text())[-1] == shown
    judged = [a for a in run if not a.startswith("--output=")]
    n_out = len(case.expectation.outputs)
    assert shown[:len(judged)] == judged
    assert shown[len(judged):len(judged) + n_out] == [f"--expected_output=@expected{i}.npy" for i in range(n_out)]
    assert shown[len(judged) + n_out:] == list(cmds.EXACT_VALUE_FLAGS)


@pytest.mark.parametrize("variant", cmds.VARIANTS)
def test_the_chain_replays_verbatim_from_a_directory_with_the_program_and_inputs(
        tmp_path: Path, executed, variant: str) -> None:
    """A clean program: what the judge ran, run again by hand elsewhere, gives the same outputs."""
    text = (DATA / "clean_matmul_fill.mlir").read_text()
    settings = Settings(targets=parse_targets("llvm-cpu"), flag_sets=((),), variants=(variant,))
    case = judge_program(parse_program(text), text, 0, settings, cells=plan_cells(settings, 0))
    assert case.observations == []
    ran = [argv for argv, _ in executed]
    assert ran[:-1] == next(iter(case.commands.values()))
    assert ran[-1] == cmds.run_step(TARGETS["llvm-cpu"], case.inputs) + ["--output=@output0.npy"]
    replay = tmp_path / "replay"
    replay.mkdir()
    (replay / cmds.PROGRAM).write_text(text)
    for i, x in enumerate(case.inputs):
        np.save(replay / f"input{i}.npy", x)
    for argv in ran:
        res = run_tool([tool_path(argv[0]), *argv[1:]], timeout=120, cwd=str(replay))
        assert res.ok, res.stderr[-2000:]
    np.testing.assert_array_equal(np.load(replay / "output0.npy"), case.expectation.outputs[0])


def test_without_chains_relative_files() -> None:
    steps = cmds.compile_steps(TARGETS["vmvx"], "without", INLINE0)
    assert [s[-3:] for s in steps] == [[cmds.PROGRAM, "-o", cmds.PREPROCESSED],
                                       [cmds.PREPROCESSED, "-o", cmds.GLOBAL_OPT],
                                       [cmds.GLOBAL_OPT, "-o", cmds.MODULE]]
    assert cmds.files_read(steps) == [cmds.PROGRAM]
    # The deprecated rebuild for old records names the input and can stop early.
    old = compile_commands(TARGETS["vmvx"], "with", (), "x", "in.mlir", "stream")
    assert old == [["iree-compile", *TARGETS["vmvx"].compile_flags, "--compile-to=stream", "in.mlir", "-o", "ir.mlir"]]
