"""Check one program across the compile matrix, and run campaigns of them.

A *cell* is (target, variant, flag set). `judge_program` compiles the program
in each cell of its plan (out of process, see `fuzzir.compiler`), runs the
IR checks on the compiled IR, runs the module where a device exists, and
compares with the numpy reference. Everything that goes wrong becomes an
`Observation`; nothing that IREE does can raise out of here.

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
from fuzzir import findings as fnd
from fuzzir.compiler import VARIANTS, CompileResult, compile_program
from fuzzir.emit import op_index
from fuzzir.model import Program, dtype_class
from fuzzir.oracles.inputs import draw_inputs
from fuzzir.oracles.ir_checks import check_ir
from fuzzir.oracles.reference import Expectation, compare, expect
from fuzzir.pipeline import DETACH_PASS
from fuzzir.runner import run_module
from fuzzir.targets import Target, device_available

DEFAULT_FLAG_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("--iree-flow-inline-constants-max-byte-length=0",),
)


@dataclass(frozen=True)
class Cell:
    target: Target
    variant: str
    flags: tuple[str, ...]


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
    """What checking one program produced."""

    program: Program
    text: str
    seed: int
    inputs: list[np.ndarray]
    expectation: Expectation
    observations: list[fnd.Observation] = field(default_factory=list)
    compile_seconds: float = 0.0
    run_seconds: float = 0.0
    wall_seconds: float = 0.0
    cells: int = 0
    checked: list[dict] = field(default_factory=list)  # every cell checked, for variant tables
    pass_name: str = DETACH_PASS  # what the `without` variant removed


def _op_facts(program: Program, op_loc: str) -> tuple[str, str, str]:
    """(family, init kind, dtype class) of the op a name location like 'op2:...' points at."""
    i = op_index(op_loc, len(program.ops))
    if i is not None:
        op = program.ops[i]
        return op.family, str(program.init_kind(op)), dtype_class(op.result_type.dtype)
    return "unknown", "unknown", "unknown"


def _result_facts(program: Program, j: int) -> tuple[str, str, str, str]:
    ref = program.results[j]
    if ref.kind != "op":
        return f"result{j}", "none", str(ref.kind), dtype_class(program.type_of(ref).dtype)
    op = program.ops[ref.index]
    return (f"op{ref.index}:{op.name}", op.family, str(program.init_kind(op)),
            dtype_class(op.result_type.dtype))


def _compile_observation(program: Program, cell: Cell, res: CompileResult) -> fnd.Observation:
    kind = {"error": "compile-error", "crash": "compiler-crash", "timeout": "timeout",
            "oom": "compiler-crash"}[res.status]
    diag = res.first_error or fnd.first_diagnostic(res.stderr) or f"exit status {res.status}"
    op = fnd.diagnostic_op(diag) if kind == "compile-error" else "compile"
    families = sorted({o.family for o in program.ops})
    return fnd.Observation(
        kind=kind, variant=cell.variant, target=cell.target.name, flags=cell.flags,
        op=op or "compile", message=diag.splitlines()[0][:300] if diag else res.status,
        family=",".join(families), diagnostic=fnd.normalize_diagnostic(diag),
        signal=res.signal if res.status != "oom" else -1,
    )


def _run_observations(program: Program, cell: Cell, outputs: list[np.ndarray],
                      expectation: Expectation) -> list[fnd.Observation]:
    obs = []
    if len(outputs) != len(expectation.outputs):
        return [fnd.Observation("miscompile", cell.variant, cell.target.name, cell.flags, "main",
                                f"{len(outputs)} outputs, expected {len(expectation.outputs)}")]
    for j, (want, got) in enumerate(zip(expectation.outputs, outputs, strict=True)):
        problem = compare(want, got, expectation.tolerances[j])
        if problem:
            op, family, init, dclass = _result_facts(program, j)
            exactness = "exact" if expectation.tolerances[j] is None else "within derived tolerance"
            obs.append(fnd.Observation(
                "miscompile", cell.variant, cell.target.name, cell.flags, op,
                f"result {j} ({exactness} compare): {problem}", family, init, dclass))
    return obs


def judge_program(program: Program, text: str, seed: int, settings: Settings, index: int = 0,
                  workdir: str | None = None, cells: list[Cell] | None = None,
                  inputs: list[np.ndarray] | None = None) -> CaseResult:
    """Check `program` (whose MLIR is `text`) in its planned cells.

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
            case.checked.append({"target": cell.target.name, "variant": cell.variant, "flags": list(cell.flags),
                                 "ran": device_available(cell.target)})
            case.observations += judge_cell(program, src, cell, settings, inputs, expectation, case,
                                            os.path.join(work, f"cell{i}-{cell.target.name}-{cell.variant}"))
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    case.observations = filters.tag(program, case.observations)
    case.wall_seconds = time.monotonic() - start
    return case


def judge_cell(program: Program, src: str, cell: Cell, settings: Settings, inputs: list[np.ndarray],
               expectation: Expectation, case: CaseResult, work: str) -> list[fnd.Observation]:
    res = compile_program(src, cell.target, cell.variant, flags=cell.flags, workdir=work,
                          timeout=settings.compile_timeout, pass_name=settings.pass_name)
    case.compile_seconds += res.seconds
    if not res.ok:
        return [_compile_observation(program, cell, res)]
    obs: list[fnd.Observation] = []
    try:
        violations = check_ir(res.phase_ir)
    except ValueError as e:  # unreadable IR is IREE's output, not a bug of the program
        violations = []
        obs.append(fnd.Observation("compile-error", cell.variant, cell.target.name, cell.flags,
                                   "ir", f"compiled IR could not be parsed: {e}"))
    for v in violations:
        family, init, dclass = _op_facts(program, v.op)
        if init == "unknown" and ":" in v.constant:
            init = v.constant.rsplit(":", 1)[1]
        obs.append(fnd.Observation(v.kind, cell.variant, cell.target.name, cell.flags, v.op,
                                   v.message, family, init, dclass, constant=v.constant))
    if not device_available(cell.target) or res.vmfb is None:
        return obs
    run = run_module(res.vmfb, cell.target, inputs, workdir=work, timeout=settings.run_timeout)
    case.run_seconds += run.seconds
    if run.status == "ok":
        obs += _run_observations(program, cell, run.outputs, expectation)
    else:
        kind = {"error": "runtime-error", "crash": "runtime-crash", "timeout": "timeout",
                "oom": "runtime-crash"}[run.status]
        diag = fnd.first_diagnostic(run.stderr) or (run.stderr.strip().splitlines() or [run.status])[-1]
        obs.append(fnd.Observation(kind, cell.variant, cell.target.name, cell.flags,
                                   "run" if kind == "timeout" else "main", diag[:300],
                                   diagnostic=fnd.normalize_diagnostic(diag), signal=run.signal))
    return obs
