"""`fuzzir replay`: rerun every stored finding on the installed IREE.

Why: a corpus of findings is a regression suite. Each entry is re-checked in
the cells it was seen in (meta.json `observations` and `repro_cell`), with its
*stored* inputs (a fresh draw could miss a value-dependent miscompile), and
judged by the same oracles: the numpy reference for the expected values, the
IR checks on the compiled IR. Today's result per entry:

- ``reproduces``: an observation with the entry's signature occurs again;
- ``fixed``: no observation of that signature and nothing else fails;
- ``changed``: the signature is gone but something else fails (the new kinds are named);
- ``skipped``: the finding needs a device this machine lacks (the target is compiled only);
- ``error``: the entry cannot be replayed (corrupt meta.json, no program, a program that no
  longer parses): reported on one line, and a failure.

A *regression* (exit status 1) is an ``open`` entry that changed, a ``fixed``
entry that fails again (its signature or another), or an entry in error. An
``open`` entry that is now fixed is not a failure: a note asks to flip it with
``--update``, which rewrites the recorded statuses (the exit status still
reports this run's verdict against the statuses as they were).
"""

from __future__ import annotations

import shlex
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fuzzir.dtypes import numpy_dtype
from fuzzir.entry_check import entry_problem
from fuzzir.findings import GUARDED, IR_KINDS, Observation, group, needs_run
from fuzzir.judge import Cell, Settings, judge_program
from fuzzir.model import Program
from fuzzir.parse import ParseError, parse_program
from fuzzir.pipeline import foreign_compiler, iree_compiler_version, without_unavailable
from fuzzir.record import FindingRecord
from fuzzir.store import DirectoryStore, Entry, StoreError, read_entry
from fuzzir.targets import TARGETS, device_available

REPRODUCES, FIXED, CHANGED, SKIPPED, ERROR = "reproduces", "fixed", "changed", "skipped", "error"
RESULTS = (REPRODUCES, FIXED, CHANGED, SKIPPED, ERROR)
DEFAULT_DIR = "crashes"


@dataclass
class Outcome:
    """Today's result for one corpus entry."""

    name: str
    path: Path
    kind: str
    status: str  # recorded in meta.json: "open" or "fixed"
    result: str  # REPRODUCES, FIXED, CHANGED, SKIPPED or ERROR
    detail: str = ""  # one line: the new kinds, the problem, or why it was skipped
    matching: list[Observation] = field(default_factory=list)  # today's observations of the signature
    others: list[Observation] = field(default_factory=list)  # today's other observations
    record: FindingRecord | None = None
    seconds: float = 0.0

    @property
    def regression(self) -> bool:
        """True when this entry makes a replay fail (see the module docstring)."""
        if self.result == ERROR:
            return True
        if self.status == "fixed":
            return self.result in (REPRODUCES, CHANGED)
        return self.result == CHANGED

    @property
    def flip(self) -> str | None:
        """The status `--update` writes, or None when the recorded one still holds."""
        if self.status == "open" and self.result == FIXED:
            return "fixed"
        if self.status == "fixed" and self.result == REPRODUCES:
            return "open"
        return None

    def command_lines(self) -> list[str]:
        return [shlex.join(c) for c in self.record.commands] if self.record else []

    def to_json(self) -> dict:
        return {"entry": self.name, "path": str(self.path), "kind": self.kind, "status": self.status,
                "result": self.result, "detail": self.detail, "regression": self.regression,
                "seconds": round(self.seconds, 2),
                "observations": [o.to_json() for o in self.matching + self.others]}


def _cells(record: FindingRecord) -> list[Cell]:
    """The cells an entry was seen in, the reproducer's cell first."""
    cells: list[Cell] = []
    for c in record.cells():
        if c.target not in TARGETS:
            raise StoreError(f"unknown target {c.target!r} in meta.json")
        cells.append(Cell(TARGETS[c.target], c.variant, c.flags))
    return cells


def _inputs(entry: Entry, program: Program) -> list[np.ndarray]:
    """The stored inputs, checked against the program's signature."""
    inputs = entry.inputs()
    if len(inputs) != len(program.args):
        raise StoreError(f"{len(inputs)} stored inputs, the program takes {len(program.args)}")
    for i, (x, t) in enumerate(zip(inputs, program.args, strict=True)):
        if tuple(x.shape) != tuple(t.shape) or x.dtype != numpy_dtype(t.dtype):
            raise StoreError(f"input{i}.npy is {x.dtype}{list(x.shape)}, the program takes {t.mlir()}")
    return inputs


def _judge(name: str, path: Path, record: FindingRecord, observations: list[Observation],
           runnable: dict[str, bool]) -> Outcome:
    """Today's result from today's observations (see the module docstring).

    A symptom the pass now guards (seen only `without`) is not "something else fails"."""
    signature = record.signature
    findings = group(observations)
    matching = [o for f in findings if f.signature == signature for o in f.observations]
    guarded = [o for f in findings if f.signature != signature and f.verdict() == GUARDED for o in f.observations]
    others = [o for f in findings if f.signature != signature and f.verdict() != GUARDED for o in f.observations]
    out = Outcome(name, path, record.kind, record.status, FIXED, matching=matching, others=others,
                  record=record)
    if matching:
        out.result, out.detail = REPRODUCES, matching[0].message
    elif others:
        kinds = sorted({o.kind for o in others})
        out.result, out.detail = CHANGED, f"now {', '.join(kinds)}: {others[0].message}"
    else:
        recorded = [o for f in group(record.observations) if f.signature == signature for o in f.observations]
        recorded = recorded or record.observations
        if recorded and all(needs_run(o.kind, o.stage) and not runnable.get(o.target, True) for o in recorded):
            targets = ", ".join(sorted({o.target for o in recorded}))
            out.result, out.detail = SKIPPED, f"needs a {targets} device to run (compiled only here)"
        elif guarded:
            out.detail = f"now guarded by the pass (seen only without it): {guarded[0].message}"
    return out


def replay_entry(path: Path, *, compile_timeout: float = 60.0, run_timeout: float = 30.0) -> Outcome:
    """Replay one entry; never raises for a problem of the entry (that is an ERROR outcome)."""
    start = time.monotonic()
    name = path.name
    try:
        entry = read_entry(path)
    except StoreError as e:
        return Outcome(name, path, "?", "?", ERROR, str(e).removeprefix(f"{path}: "),
                       seconds=time.monotonic() - start)
    record = entry.record
    problem = entry_problem(path)
    if problem:
        return Outcome(name, path, record.kind, record.status, ERROR, problem, record=record,
                       seconds=time.monotonic() - start)
    try:
        out = _replay(entry, compile_timeout, run_timeout)
    except StoreError as e:
        out = Outcome(name, path, record.kind, record.status, ERROR, str(e).removeprefix(f"{path}: "),
                      record=record)
    except Exception as e:  # an entry fuzzir cannot handle is one line, never a traceback
        first = (str(e).splitlines() or [""])[0][:200]
        out = Outcome(name, path, record.kind, record.status, ERROR,
                      f"cannot replay: {e.__class__.__name__}: {first}", record=record)
    out.seconds = time.monotonic() - start
    return out


def _replay(entry: Entry, compile_timeout: float, run_timeout: float) -> Outcome:
    text = entry.program()
    # Dynamic argument dims that nothing in the program fixes take the stored inputs' sizes.
    dims = {(i, d): int(n) for i, x in enumerate(entry.inputs()) for d, n in enumerate(np.shape(x))}
    try:
        program = parse_program(text, filename=str(entry.path / "program.mlir"), dims=dims)
    except ParseError as e:
        first = (str(e).splitlines() or [""])[0]
        raise StoreError(f"program.mlir no longer parses: {first}") from None
    record = entry.record
    cells, dropped = buildable_cells(_cells(record), record.removed_pass)
    if dropped and all(o.variant == "without" for o in record.observations):
        return Outcome(entry.name, entry.path, record.kind, record.status, SKIPPED, dropped, record=record)
    inputs = _inputs(entry, program)
    targets = tuple(dict.fromkeys(c.target for c in cells))
    # The `without` variant removes what it removed when the finding was made.
    settings = Settings(targets=targets, compile_timeout=compile_timeout, run_timeout=run_timeout,
                        pass_name=record.removed_pass)
    case = judge_program(program, text, record.seed or 0, settings, cells=cells, inputs=inputs)
    runnable = {t.name: device_available(t) for t in targets}
    out = _judge(entry.name, entry.path, record, case.observations, runnable)
    if out.result == FIXED and record.kind in IR_KINDS and foreign_compiler() is not None:
        # Another release's IR the bindings cannot read is not a fix (the IR oracle abstained).
        abstained = [f"{n} {v}" for c in case.checked for n, v in (c.oracles or {}).items()
                     if v.startswith("abstained")]
        if abstained:
            out.result, out.detail = SKIPPED, abstained[0]
    if dropped:
        out.detail = f"{out.detail}; {dropped}" if out.detail else dropped
    return out


def buildable_cells(cells: list[Cell], pass_name: str) -> tuple[list[Cell], str]:
    """The cells the IREE in use can build, and why any `without` cell was dropped ("" when none was).

    Another release (`--iree`) may lack the pass, or its phase may not be rebuildable faithfully."""
    kept, why = [], ""
    for c in cells:
        reason = without_unavailable(c.target, c.flags, pass_name) if c.variant == "without" else None
        if reason:
            why = why or f"`without` not checked: {reason}"
        else:
            kept.append(c)
    return kept, why


def replay_dir(root: Path, *, jobs: int = 2, compile_timeout: float = 60.0,
               run_timeout: float = 30.0) -> list[Outcome]:
    """Replay every entry directory under `root` (sorted by name), `jobs` at a time."""
    paths = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="fuzzir-replay") as pool:
        return list(pool.map(lambda p: replay_entry(p, compile_timeout=compile_timeout,
                                                    run_timeout=run_timeout), paths))


def update_statuses(outcomes: list[Outcome]) -> list[Outcome]:
    """Flip recorded statuses in meta.json to today's results; returns the entries flipped."""
    flipped = []
    for o in outcomes:
        new = o.flip
        if new is None or o.record is None:
            continue
        version = iree_compiler_version()
        if new == "fixed":
            record = o.record.replace(status=new, fixed_in=version)
        else:
            record = o.record.replace(status=new, fixed_in=None, reopened_in=version)
        DirectoryStore(o.path.parent).update(o.name, record)
        o.record = record  # o.status stays the recorded one: this replay's verdict does not change
        flipped.append(o)
    return flipped


def table(outcomes: list[Outcome]) -> str:
    """A fixed-width table: entry, kind, recorded status, today's result, detail."""
    width = max([len(o.name) for o in outcomes] + [5])
    lines = [f"{'entry':<{width}}  {'kind':<18}  {'recorded':<8}  {'today':<10}  detail"]
    for o in outcomes:
        if o.result == ERROR:
            continue
        mark = "  REGRESSION" if o.regression else ""
        lines.append(f"{o.name:<{width}}  {o.kind:<18}  {o.status:<8}  {o.result:<10}  "
                     f"{o.detail[:100]}{mark}")
    return "\n".join(lines)


def junit_xml(outcomes: list[Outcome], suite: str = "fuzzir.replay") -> ET.ElementTree:
    """JUnit XML: one testcase per entry; a failure for a regression, an error for a broken entry."""
    root = ET.Element("testsuites")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(outcomes)),
                       failures=str(sum(o.regression and o.result != ERROR for o in outcomes)),
                       errors=str(sum(o.result == ERROR for o in outcomes)),
                       skipped=str(sum(o.result == SKIPPED for o in outcomes)),
                       time=f"{sum(o.seconds for o in outcomes):.2f}")
    for o in outcomes:
        tc = ET.SubElement(ts, "testcase", classname=f"{suite}.{o.kind}", name=o.name,
                           time=f"{o.seconds:.2f}")
        message = f"recorded {o.status}, today {o.result}: {o.detail}"
        if o.result == ERROR:
            ET.SubElement(tc, "error", message=o.detail, type="corrupt-entry").text = o.detail
        elif o.regression:
            body = [message, *[f"{ob.kind} {ob.target} {ob.variant} {list(ob.flags)}: {ob.message}"
                               for ob in o.matching + o.others]]
            body += ["", "commands:", *o.command_lines()]
            ET.SubElement(tc, "failure", message=message[:500], type=o.result).text = "\n".join(body)
        elif o.result == SKIPPED:
            ET.SubElement(tc, "skipped", message=o.detail)
        else:
            ET.SubElement(tc, "system-out").text = message
    ET.indent(root)
    return ET.ElementTree(root)
