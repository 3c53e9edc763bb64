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

Programs fuzzir did not write (`fuzzir check`) need not parse into the model:
the judge then gets `program=None` and the `Source` read from the MLIR alone.
Inputs are then drawn from the entry function's signature, and which outputs
are exact is established on the program's input-phase IR (`oracles.any_inputs`,
`oracles.value_facts`); oracles that need the model abstain and say why, the
others judge as usual. Case oracles (`judge_case`) run after the last cell.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from fuzzir import filters, scratch
from fuzzir.commands import PHASE_ORDER
from fuzzir.compiler import CompileResult, compile_program
from fuzzir.diagnostics import diagnostic_op, first_diagnostic, is_global_write, normalize_diagnostic
from fuzzir.findings import VARIANTS, Observation, group
from fuzzir.frontend_facts import LINALG, frontend_of, refine
from fuzzir.model import Program
from fuzzir.oracles import ORACLES, Abstain, Evidence, Judged, Limits, Verdict
from fuzzir.oracles.any_inputs import draw_any_inputs
from fuzzir.oracles.inputs import draw_inputs
from fuzzir.oracles.lowering import lower
from fuzzir.oracles.reference import Expectation, expect
from fuzzir.oracles.value_facts import Facts
from fuzzir.pass_matcher import leftover_constant
from fuzzir.pipeline import DETACH_PASS
from fuzzir.record import CellRecord
from fuzzir.runner import RunResult, run_module
from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB, quiet
from fuzzir.source import Source
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
    #: resident memory (MiB) a compiler or runtime child may use (`--rss-limit-mb`); None: no limit
    rss_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB


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
    """What judging one program produced; `program` and `expectation` are None without a model."""

    program: Program | None
    text: str
    seed: int
    inputs: list[np.ndarray] | None  # None: nothing could be run (see `facts.invalid`)
    expectation: Expectation | None
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
    source: Source | None = None  # the program read without a model
    facts: Facts | None = None  # without a model: exactness of outputs, validity of inputs
    unmodelled: str = ""  # why the model does not cover the program
    lowered: str = ""  # input-phase IR, without a model
    #: what oracles noted that is no finding (`oracles.Judged`), each with the cells it was noted in
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: timeouts retried with a generous limit (`retry_timeout`): (which step, whether it timed out again)
    retried: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        """Whether every output is compared bit for bit (by the reference, or as established without it)."""
        if self.expectation is not None:
            return self.expectation.exact
        return self.facts is not None and not self.facts.invalid and all(self.facts.exact)

    @property
    def function(self) -> str:
        return self.source.function if self.source is not None else "main"

    @property
    def frontend(self) -> str:
        """What the program is written in (`linalg` for fuzzir's own programs): a dimension of the report."""
        return frontend_of(self.source.op_names) if self.source is not None else LINALG


def shows_signature(key: str, cell: Cell, variants: tuple[str, ...],
                    judge: Callable[[Cell], list[Observation]]) -> bool:
    """Whether a program judged by `judge` still shows signature `key`: the minimizers' test.

    A signature includes which variants show its cause, so the other variant of `cell` is
    judged too (when it is among `variants`), but only once `cell` shows the cause: an
    uninteresting candidate costs one compile."""
    observations = judge(cell)
    if not any(o.cause_key() == key.rsplit("|", 1)[0] for o in observations):
        return False
    other = Cell(cell.target, "without" if cell.variant == "with" else "with", cell.flags)
    if other.variant in variants:
        observations = observations + judge(other)
    return any(f.key == key for f in group(observations))


#: A timeout is retried with this many times its limit, and at least GENEROUS_SECONDS.
GENEROUS_FACTOR, GENEROUS_SECONDS = 4.0, 60.0
R = TypeVar("R", CompileResult, RunResult)


def retry_timeout(attempt: Callable[[float], R], limit: float) -> R:
    """A compile or run that timed out, tried once more with a generous limit, alone among fuzzir's tools.

    Under load (other jobs, other users) a step can miss a tight limit it meets on a quiet machine, and a
    false `timeout` finding is the worst outcome there is; a timeout is a defect only when it reproduces
    with max(GENEROUS_FACTOR x limit, GENEROUS_SECONDS). The result says in `retried` what happened."""
    generous = max(GENEROUS_FACTOR * limit, GENEROUS_SECONDS)
    with quiet():  # no other tool of fuzzir's starts meanwhile (`sandbox.quiet`)
        result = attempt(generous)
    again = result.status == "timeout"
    result.retried = (f"timed out after {limit:g} s and again after {generous:g} s on a retry" if again else
                      f"timed out after {limit:g} s, finished in {result.seconds:.1f} s on a retry")
    return result


def cell_key(cell: Cell) -> tuple[str, str, tuple[str, ...]]:
    return (cell.target.name, cell.variant, tuple(cell.flags))


def _compile_observation(program: Program | None, cell: Cell, res: CompileResult,
                         source: Source | None = None) -> Observation:
    # `oom` is fuzzir's own finding: the compiler killed above `--rss-limit-mb`. An allocation the tool
    # itself saw fail (std::bad_alloc, RESOURCE_EXHAUSTED) is a crash of the tool, as it always was.
    oom = "oom" if res.memory_limit_mb is not None else "compiler-crash"
    kind = {"error": "compile-error", "crash": "compiler-crash", "timeout": "timeout", "oom": oom}[res.status]
    diag = res.first_error or first_diagnostic(res.stderr) or f"exit status {res.status}"
    op = diagnostic_op(diag) if kind == "compile-error" else ""
    families = sorted({o.family for o in program.ops}) if program is not None else []
    # Codegen refusing to write a global: which constant the pass left there is the cause (for a
    # program outside the model, from its ops' destinations as read from the file).
    left = ""
    if is_global_write(diag) and program is not None:
        left = leftover_constant([(o.family, program.init_label(o, k)) for o in program.ops
                                  for k in range(len(o.inits))])
    elif is_global_write(diag) and source is not None:
        left = leftover_constant([(o.family, k) for o in source.ops_at.values() for k in o.init_kind.split(",")])
    return Observation(
        kind=kind, variant=cell.variant, target=cell.target.name, flags=cell.flags, stage="compile",
        op_name=op, message=diag.splitlines()[0][:300] if diag else res.status,
        family=",".join(families), init_kind=left, diagnostic=normalize_diagnostic(diag), phase=_last_phase(res),
        signal=res.signal if res.status != "oom" else (None if kind == "oom" else -1),
    )


def _last_phase(res: CompileResult) -> str:
    """The last compilation phase the compiler finished, by its dump ('' when none was dumped)."""
    done = [p for p in PHASE_ORDER if p in res.phase_ir]
    return done[-1] if done else ""


def _run_observation(cell: Cell, run: RunResult) -> Observation:
    oom = "oom" if run.memory_limit_mb is not None else "runtime-crash"  # (see `_compile_observation`)
    kind = {"error": "runtime-error", "crash": "runtime-crash", "timeout": "timeout", "oom": oom}[run.status]
    diag = first_diagnostic(run.stderr) or (run.stderr.strip().splitlines() or [run.status])[-1]
    if run.memory_limit_mb is not None:
        diag = f"iree-run-module killed above the resident memory limit of {run.memory_limit_mb} MiB"
    elif run.status == "timeout":
        diag = f"iree-run-module did not finish ({run.retried or 'timed out'})"
    return Observation(kind, cell.variant, cell.target.name, cell.flags, "run", diag[:300],
                       diagnostic=normalize_diagnostic(diag), signal=run.signal)


def judge_program(program: Program | None, text: str, seed: int, settings: Settings, index: int = 0,
                  workdir: str | None = None, cells: list[Cell] | None = None,
                  inputs: list[np.ndarray] | None = None, *, source: Source | None = None,
                  unmodelled: str = "") -> CaseResult:
    """Judge `program` (whose MLIR is `text`) in its planned cells.

    Without a model (`program` None) `source` must be given, and `unmodelled` says why.
    Inputs are drawn from `seed` unless given (a replay uses the stored ones)."""
    start = time.monotonic()
    if program is not None:
        if inputs is None:
            inputs, expectation = draw_inputs(program, seed, settings.values)
        else:
            expectation = expect(program, inputs)
        case = CaseResult(program, text, seed, inputs, expectation, pass_name=settings.pass_name, source=source)
    else:
        if source is None:
            raise ValueError("a program without a model needs its Source")
        lowered = lower(text, source.filename, timeout=settings.compile_timeout)
        source = refine(source, lowered.text)  # a frontend op's facts from the linalg op it becomes
        drawn, facts = draw_any_inputs(source, lowered, seed)
        case = CaseResult(None, text, seed, inputs if inputs is not None else drawn, None,
                          pass_name=settings.pass_name, source=source, facts=facts,
                          unmodelled=unmodelled or "fuzzir's model does not cover this program",
                          lowered=lowered.text)
    own = workdir is None
    work = workdir or scratch.make_dir("case")
    try:
        src = os.path.join(work, "program.mlir")
        with open(src, "w") as f:
            f.write(text)
        evidences: list[Evidence | None] = []
        for i, cell in enumerate(cells if cells is not None else plan_cells(settings, index)):
            case.cells += 1
            obs, evidence = judge_cell(program, src, cell, settings, case,
                                       os.path.join(work, f"cell{i}-{cell.target.name}-{cell.variant}"))
            case.observations += obs
            evidences.append(evidence)
        case.observations += _judge_case(case, evidences)
    finally:
        if own:
            scratch.remove(work)
    subject = program if program is not None else source
    if subject is not None:
        case.observations = filters.tag(subject, case.observations)
    case.wall_seconds = time.monotonic() - start
    return case


def _record(verdicts: dict[str, str], name: str, verdict: Verdict, case: CaseResult, cell: str) -> list[Observation]:
    if isinstance(verdict, Abstain):
        verdicts[name] = f"abstained: {verdict.reason}"
        return []
    verdicts[name] = "judged"
    if isinstance(verdict, Judged):
        for note in verdict.notes:
            case.notes.setdefault(note, []).append(cell)
        return list(verdict.observations)
    return list(verdict)


def _judge_case(case: CaseResult, evidences: list[Evidence | None]) -> list[Observation]:
    """Ask the case oracles about the cells that compiled (one verdict each, recorded per cell)."""
    compiled = [(case.checked[i], ev) for i, ev in enumerate(evidences) if ev is not None]
    obs: list[Observation] = []
    for name, oracle in ORACLES.items():
        judge_case = getattr(oracle, "judge_case", None)
        if judge_case is None or not compiled:
            continue
        for (record, _), verdict in zip(compiled, judge_case([ev for _, ev in compiled]), strict=True):
            assert record.oracles is not None
            obs += _record(record.oracles, name, verdict, case, f"{record.target} {record.variant}")
    return obs


def judge_cell(program: Program | None, src: str, cell: Cell, settings: Settings, case: CaseResult,
               work: str) -> tuple[list[Observation], Evidence | None]:
    """Compile and run one cell, then ask every cell oracle; records who judged and who abstained.

    Returns the observations and the cell's evidence (None when nothing compiled) for the case oracles."""
    ran = device_available(cell.target) and case.inputs is not None
    def compile_once(timeout: float) -> CompileResult:
        return compile_program(src, cell.target, cell.variant, flags=cell.flags, workdir=work, timeout=timeout,
                               pass_name=settings.pass_name, mem_limit_mb=settings.rss_limit_mb)

    res = compile_once(settings.compile_timeout)
    if res.status == "timeout":
        case.compile_seconds += res.seconds
        res = retry_timeout(compile_once, settings.compile_timeout)
        if res.status == "timeout":
            res.first_error = f"the compile did not finish ({res.retried})"
        case.retried.append((f"compile {cell.target.name}/{cell.variant}", res.status == "timeout"))
    case.compile_seconds += res.seconds
    case.commands[cell_key(cell)] = [list(c) for c in res.commands]
    verdicts: dict[str, str] = {}
    evidence = None
    if not res.ok:
        obs = [_compile_observation(program, cell, res, case.source)]
    else:
        obs = []
        run = None
        if ran and res.vmfb is not None and case.inputs is not None:
            types = ([t.mlir() for t in program.result_types()] if program is not None
                     else case.source.result_types() if case.source is not None else None)
            def run_once(timeout: float) -> RunResult:
                assert res.vmfb is not None and case.inputs is not None
                return run_module(res.vmfb, cell.target, case.inputs, workdir=work, timeout=timeout,
                                  function=case.function, result_types=types, mem_limit_mb=settings.rss_limit_mb)

            run = run_once(settings.run_timeout)
            if run.status == "timeout":
                case.run_seconds += run.seconds
                run = retry_timeout(run_once, settings.run_timeout)
                case.retried.append((f"run {cell.target.name}/{cell.variant}", run.status == "timeout"))
            case.run_seconds += run.seconds
            if not run.ok:
                obs.append(_run_observation(cell, run))
        evidence = Evidence(cell, res, program, case.inputs, case.expectation, run, source=case.source,
                            facts=case.facts, unmodelled=case.unmodelled, lowered=case.lowered, work=work,
                            limits=Limits(settings.compile_timeout, settings.run_timeout, settings.pass_name,
                                          settings.rss_limit_mb))
        for name, oracle in ORACLES.items():
            if hasattr(oracle, "judge"):
                obs += _record(verdicts, name, oracle.judge(evidence), case, f"{cell.target.name} {cell.variant}")
    case.checked.append(CellRecord(cell.target.name, cell.variant, cell.flags, ran, verdicts))
    return obs, evidence
