"""The judge: one program across the compile matrix, every oracle on every cell.

A *cell* is (target, variant, flag set). `judge_program` compiles the program
in each cell of its plan (out of process, see `fuzzir.compiler`), runs the
module where a device exists, classifies what the compiler and runtime did
(errors, crashes, timeouts), and asks every registered oracle
(`fuzzir.oracles`) to judge the cell or abstain. Everything that goes wrong
becomes an `Observation`; nothing that IREE does can raise out of here.

Matrix policy (`plan_cells`): every program is compiled `with` and `without`
the pass (that comparison is the product), on the first target of the list
(llvm-cpu by default: it runs here and is fastest) plus one more target taken
in rotation, and with one flag set taken in rotation. Each program thus costs
four compiles instead of twenty, and over a campaign every cell is visited
evenly; `--matrix full` checks every cell of every program instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np

from fuzzir import filters
from fuzzir.compiler import CompileResult, compile_program
from fuzzir.diagnostics import diagnostic_op, first_diagnostic, normalize_diagnostic
from fuzzir.findings import VARIANTS, Observation
from fuzzir.model import Program
from fuzzir.oracles import ORACLES, Abstain, Evidence
from fuzzir.oracles.inputs import draw_inputs
from fuzzir.oracles.reference import Expectation, expect
from fuzzir.pipeline import DETACH_PASS
from fuzzir.record import CellRecord
from fuzzir.runner import RunResult, run_module
from fuzzir.targets import Cell, Target, device_available

__all__ = ["DEFAULT_FLAG_SETS", "CaseResult", "Cell", "Settings", "judge_program", "plan_cells"]

DEFAULT_FLAG_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("--iree-flow-inline-constants-max-byte-length=0",),
)


@dataclass
class Settings:
    targets: tuple[Target, ...]
    flag_sets: tuple[tuple[str, ...], ...] = DEFAULT_FLAG_SETS
    variants: tuple[str, ...] = VARIANTS
    matrix: str = "sample"  # or "full"
    pass_name: str = DETACH_PASS
    compile_timeout: float = 60.0
    run_timeout: float = 30.0
    values: str = "exact"


def plan_cells(settings: Settings, index: int) -> list[Cell]:
    """The cells program number `index` is checked in (see the module docstring)."""
    if settings.matrix == "full":
        targets = list(settings.targets)
        flag_sets = list(settings.flag_sets)
    else:
        rest = list(settings.targets[1:])
        targets = [settings.targets[0]] + ([rest[index % len(rest)]] if rest else [])
        flag_sets = [settings.flag_sets[index % len(settings.flag_sets)]]
    return [Cell(t, v, f) for f in flag_sets for t in targets for v in settings.variants]


@dataclass
class CaseResult:
    """What judging one program produced."""

    program: Program
    text: str
    seed: int
    inputs: list[np.ndarray]
    expectation: Expectation
    observations: list[Observation] = field(default_factory=list)
    compile_seconds: float = 0.0
    run_seconds: float = 0.0
    wall_seconds: float = 0.0
    cells: int = 0
    #: every cell judged: target, variant, flags, whether it ran, and what each oracle did
    checked: list[CellRecord] = field(default_factory=list)
    pass_name: str = DETACH_PASS  # what the `without` variant removed
    #: the argv each cell ran, by (target name, variant, flags): how findings and records name a cell
    commands: dict[tuple[str, str, tuple[str, ...]], list[list[str]]] = field(default_factory=dict)


def cell_key(cell: Cell) -> tuple[str, str, tuple[str, ...]]:
    return (cell.target.name, cell.variant, tuple(cell.flags))


def _compile_observation(program: Program, cell: Cell, res: CompileResult) -> Observation:
    kind = {"error": "compile-error", "crash": "compiler-crash", "timeout": "timeout",
            "oom": "compiler-crash"}[res.status]
    diag = res.first_error or first_diagnostic(res.stderr) or f"exit status {res.status}"
    op = diagnostic_op(diag) if kind == "compile-error" else ""
    families = sorted({o.family for o in program.ops})
    return Observation(
        kind=kind, variant=cell.variant, target=cell.target.name, flags=cell.flags, stage="compile",
        op_name=op, message=diag.splitlines()[0][:300] if diag else res.status,
        family=",".join(families), diagnostic=normalize_diagnostic(diag),
        signal=res.signal if res.status != "oom" else -1,
    )


def _run_observation(cell: Cell, run: RunResult) -> Observation:
    kind = {"error": "runtime-error", "crash": "runtime-crash", "timeout": "timeout",
            "oom": "runtime-crash"}[run.status]
    diag = first_diagnostic(run.stderr) or (run.stderr.strip().splitlines() or [run.status])[-1]
    return Observation(kind, cell.variant, cell.target.name, cell.flags, "run", diag[:300],
                       diagnostic=normalize_diagnostic(diag), signal=run.signal)


def judge_program(program: Program, text: str, seed: int, settings: Settings, index: int = 0,
                  workdir: str | None = None, cells: list[Cell] | None = None,
                  inputs: list[np.ndarray] | None = None) -> CaseResult:
    """Judge `program` (whose MLIR is `text`) in its planned cells.

    Inputs are drawn from `seed` unless given (a replay uses the stored ones)."""
    start = time.monotonic()
    if inputs is None:
        inputs, expectation = draw_inputs(program, seed, settings.values)
    else:
        expectation = expect(program, inputs)
    case = CaseResult(program, text, seed, inputs, expectation, pass_name=settings.pass_name)
    own = workdir is None
    work = workdir or tempfile.mkdtemp(prefix="fuzzir-case-")
    try:
        src = os.path.join(work, "program.mlir")
        with open(src, "w") as f:
            f.write(text)
        for i, cell in enumerate(cells if cells is not None else plan_cells(settings, index)):
            case.cells += 1
            case.observations += judge_cell(program, src, cell, settings, case,
                                            os.path.join(work, f"cell{i}-{cell.target.name}-{cell.variant}"))
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    case.observations = filters.tag(program, case.observations)
    case.wall_seconds = time.monotonic() - start
    return case


def judge_cell(program: Program, src: str, cell: Cell, settings: Settings, case: CaseResult,
               work: str) -> list[Observation]:
    """Compile and run one cell, then ask every oracle; records who judged and who abstained."""
    ran = device_available(cell.target)
    res = compile_program(src, cell.target, cell.variant, flags=cell.flags, workdir=work,
                          timeout=settings.compile_timeout, pass_name=settings.pass_name)
    case.compile_seconds += res.seconds
    case.commands[cell_key(cell)] = [list(c) for c in res.commands]
    verdicts: dict[str, str] = {}
    if not res.ok:
        obs = [_compile_observation(program, cell, res)]
    else:
        obs = []
        run = None
        if ran and res.vmfb is not None:
            run = run_module(res.vmfb, cell.target, case.inputs, workdir=work, timeout=settings.run_timeout,
                             result_types=[t.mlir() for t in program.result_types()])
            case.run_seconds += run.seconds
            if not run.ok:
                obs.append(_run_observation(cell, run))
        evidence = Evidence(cell, res, program, case.inputs, case.expectation, run)
        for name, oracle in ORACLES.items():
            verdict = oracle.judge(evidence)
            if isinstance(verdict, Abstain):
                verdicts[name] = f"abstained: {verdict.reason}"
            else:
                verdicts[name] = "judged"
                obs += verdict
    case.checked.append(CellRecord(cell.target.name, cell.variant, cell.flags, ran, verdicts))
    return obs
