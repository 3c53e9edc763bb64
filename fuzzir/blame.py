"""Counterfactual blame: what a finding needs, established by experiment, never read off the program.

After minimization (and in `fuzzir check` for each defect), blame changes one feature of the
program or its cell at a time, recompiles, reruns the cells that showed the symptom, and records
whether the *same symptom* remains (`symptom`: the same kind with the same normalized diagnostic
or crash site, or wrong values in the same result). YARPGen blames passes by turning them off one
at a time; hypothesis' explain phase reports what can vary freely; this is the same idea for the
questions an IREE engineer asks first: does it need the constant (as arguments with the same
values), the constant *in a destination* (arguments there, the constant returned instead), this init
value (a zero fill), the pass (the other variant), which flags (each dropped in turn), which targets
(every one that can show the kind here), this element type (the wider one of its class)?
`fuzzir.needs` has the record and what each answer means.

An answer that could not be established is None, with the reason in `why` (a rewrite that does
not apply, the changed program failing earlier, no oracle able to judge its values, the budget
spent). Nothing here decides a verdict: the finding stays a finding; `Needs` says what it needs,
and `cause_key` keys and titles it by that.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fuzzir.counterfactuals import (
    NO_CONSTANT,
    Rewrite,
    constants_as_arguments,
    constants_off_destinations,
    inits_as_fill,
    wider_types,
)
from fuzzir.findings import (
    IR_KINDS,
    RUN_ONLY_KINDS,
    WRITTEN,
    Finding,
    Observation,
)
from fuzzir.judge import CaseResult, Settings, judge_program
from fuzzir.model import Program
from fuzzir.needs import Needs
from fuzzir.record import FindingRecord
from fuzzir.store import DirectoryStore, StoreError
from fuzzir.targets import TARGETS, Cell, device_available

#: The questions, in the order they are asked (a spent budget leaves the last ones unanswered).
QUESTIONS = ("constant", "destination", "pass", "targets", "flags", "init_value", "dtype")
_IR_ORACLE = "written-constants"
_TYPE_WORD = re.compile(r"(?:\b|(?<=\dx)|(?<=Nx))(?:bf16|f16|f32|f64|i1|i8|i16|i32|i64|f8\w*)\b")
_RESULT = re.compile(r"^result (\d+)")


def symptom(o: Observation) -> tuple[str, ...]:
    """What makes two observations the same symptom, whatever the program around it: the kind and
    its normalized diagnostic or crash site (element types left out: widening a type must not make
    one diagnostic two), or the result whose values are wrong; a known issue's tag where a filter
    recognized one (it names the cause, whatever the diagnostic). A written constant is one symptom,
    whichever way codegen shows it (a readwrite binding, a copy, codegen refusing to write a global)."""
    if o.known:  # a known-issue filter recognized the cause (`fuzzir.filters`): the same tag, the same symptom
        return (o.kind, "known", o.known)
    if o.kind in IR_KINDS or o.guard_symptom:
        return (WRITTEN,)
    if o.kind == "miscompile":
        m = _RESULT.match(o.message)
        return (o.kind, m.group(1) if m else o.message.split(":", 1)[0])
    diagnostic = _TYPE_WORD.sub("T", o.diagnostic)
    if o.kind in ("compiler-crash", "runtime-crash"):
        return (o.kind, str(o.signal), diagnostic)
    if o.kind in ("timeout", "oom"):
        return (o.kind, o.stage)
    return (o.kind, diagnostic)


def cause_key(o: Observation, needs: Needs) -> str:
    """A finding's cause, keyed by what it needs: the symptom's own cause key, less the surface facts an
    experiment showed it does not need (the init kind of a finding that needs no constant, the element
    type class of one the same in a wider type, the target: `needs.targets` says where it shows), plus
    `needs.key()`. The same symptom with different needs is two causes."""
    base = o.cause_key()
    if needs.constant is False and o.constant_facts():
        # Keyed as a written constant by what it looks like, but it needs no constant (one value bound to
        # two destinations, say): keyed by its symptom alone.
        base = dataclasses.replace(o, init_kind="").cause_key()
    elif o.kind == "miscompile" and not o.known:
        init = o.init_kind if needs.constant is not False else "any-init"
        dclass = o.dtype_class if needs.dtype is not False else "any-type"
        base = "|".join(["miscompile", o.family, init, dclass])
    return f"{base}|{needs.key()}"


@dataclass
class _Outcome:
    """One cell's judgment of one program: its symptoms, what each oracle did, whether it ran."""

    observations: list[Observation]
    oracles: dict[str, str]
    ran: bool
    compiled: bool


class _Budget(Exception):
    """The blame budget is spent."""


@dataclass
class Subject:
    """A program as blame judges it: its text, inputs and (when fuzzir models it) its model."""

    text: str
    inputs: list[np.ndarray]
    program: Program | None = None
    filename: str = "program.mlir"
    function: str | None = None


class _Lab:
    """Judges programs in cells within a deadline, each (program, inputs, cells) once."""

    def __init__(self, settings: Settings, seed: int, deadline: float) -> None:
        self.settings = settings
        self.seed = seed
        self.deadline = deadline
        self.cache: dict[tuple[str, tuple], dict[tuple, _Outcome]] = {}
        self.ignore: frozenset[tuple[str, ...]] = frozenset()  # the original's other symptoms in its cell

    def judge(self, subject: Subject, cells: list[Cell]) -> dict[tuple, _Outcome]:
        if time.monotonic() >= self.deadline:
            raise _Budget()
        digest = hashlib.sha256(subject.text.encode())
        for x in subject.inputs:
            digest.update(np.ascontiguousarray(x).tobytes())
        key = (digest.hexdigest(), tuple((c.target.name, c.variant, c.flags) for c in cells))
        if key not in self.cache:
            self.cache[key] = self._judge(subject, cells)
        return self.cache[key]

    def _judge(self, subject: Subject, cells: list[Cell]) -> dict[tuple, _Outcome]:
        source, unmodelled = None, ""
        program = subject.program
        if program is None:
            from fuzzir.any_program import load_program

            loaded = load_program(subject.text, subject.filename, function=subject.function)
            source, program, unmodelled = loaded.source, loaded.program, loaded.unmodelled
        case: CaseResult = judge_program(program, subject.text, self.seed, self.settings, cells=cells,
                                         inputs=list(subject.inputs), source=source, unmodelled=unmodelled)
        out: dict[tuple, _Outcome] = {}
        for record in case.checked:
            k = (record.target, record.variant, tuple(record.flags))
            obs = [o for o in case.observations if (o.target, o.variant, tuple(o.flags)) == k]
            oracles = dict(record.oracles or {})
            out[k] = _Outcome(obs, oracles, bool(record.ran) and not any(o.stage == "compile" for o in obs),
                              bool(oracles))
        return out


def _shows(outcome: _Outcome, sym: tuple[str, ...], *, turned_counts: bool = False,
           ignore: frozenset[tuple[str, ...]] = frozenset()) -> tuple[bool | None, str]:
    """Whether the outcome shows the symptom: True, False, or None with the reason it cannot tell.

    A cell that fails another way where the symptom would show (another compile error, crash or
    runtime failure; wrong values in another result) does not say the symptom is gone: it may only
    be hidden behind the new failure. That is None, naming the new failure, unless `turned_counts`
    (the pass question: what the symptom turns into without the pass). Symptoms in `ignore` (the
    original program's other symptoms in this cell) are not a new failure."""
    if any(symptom(o) == sym for o in outcome.observations):
        return True, ""
    other = next((o for o in outcome.observations if o.kind not in IR_KINDS and symptom(o) not in ignore), None)
    if other is not None and not turned_counts:
        return None, f"it fails another way there ({other.kind}: {other.message[:120]})"
    if sym[0] in RUN_ONLY_KINDS:
        if not outcome.ran:
            why = f"{other.kind}: {other.message[:120]}" if other else "it did not run here"
            return None, f"it fails there before its values can be judged ({why})"
        if sym[0] == "miscompile" and not any(v == "judged" for n, v in outcome.oracles.items() if n != _IR_ORACLE):
            return None, "no oracle could judge the values there"
    if sym == (WRITTEN,) and not outcome.compiled:
        return None, "the compile stops there before the IR that shows a written constant"
    return False, ""


def _describe(outcome: _Outcome, sym: tuple[str, ...]) -> str:
    """What a cell shows instead of the symptom, in a few words."""
    if any(symptom(o) == sym for o in outcome.observations):
        return "the same"
    if not outcome.observations:
        return "clean"
    o = outcome.observations[0]
    return f"{o.kind} ({o.message[:100]})"


def _run_targets(kind: str) -> list[str]:
    """The targets that can show a symptom of this kind here."""
    if kind in RUN_ONLY_KINDS:
        return [name for name, t in TARGETS.items() if device_available(t)]
    return list(TARGETS)


def blame(subject: Subject, finding: Finding, settings: Settings, *, seed: int = 0,
          budget: float) -> Needs:
    """Run the experiments on `subject` for `finding` (seen in `subject`), within `budget` seconds."""
    start = time.monotonic()
    needs = Needs()
    lab = _Lab(settings, seed, start + budget)
    o = finding.repro_observation()
    if o.target not in TARGETS:
        needs.why = {q: f"unknown target {o.target!r}" for q in QUESTIONS}
        return needs
    cell = Cell(TARGETS[o.target], o.variant, tuple(o.flags))
    sym = symptom(o)
    key = (cell.target.name, cell.variant, cell.flags)

    def on(s: Subject, cells: list[Cell] | None = None) -> _Outcome:
        return lab.judge(s, cells or [cell])[key]

    def changed(question: str, rewrite: Rewrite) -> bool | None:
        """Whether the symptom goes away in the rewritten program (True: the feature is needed)."""
        if rewrite.problem:
            needs.why[question] = rewrite.problem
            return None
        s = Subject(rewrite.text, list(rewrite.inputs), rewrite.program, subject.filename, subject.function)
        cells = [cell]
        if sym[0] == "miscompile" and rewrite.program is None:
            # Without a model only the differential judges values: give it the other runnable targets.
            cells += [Cell(TARGETS[t], cell.variant, cell.flags) for t in _run_targets("miscompile")
                      if t != cell.target.name]
        shows, why = _shows(lab.judge(s, cells)[key], sym, ignore=lab.ignore)
        if shows is None:
            needs.why[question] = why
            return None
        return not shows

    try:
        first = on(subject)
    except _Budget:
        needs.why = dict.fromkeys(QUESTIONS, "the blame budget was spent first (--blame-time)")
        return needs
    lab.ignore = frozenset(symptom(x) for x in first.observations)
    base, _ = _shows(first, sym)
    if base is not True:
        needs.why = {q: "the symptom does not show again in its own cell (flaky, or not this IREE?)"
                     for q in QUESTIONS}
        needs.seconds = round(time.monotonic() - start, 2)
        return needs

    def ask(question: str) -> None:
        if question == "constant":
            rewrite = constants_as_arguments(
                subject.text, subject.filename, subject.function or "main", subject.inputs, subject.program,
                timeout=settings.compile_timeout)
            if rewrite.problem == NO_CONSTANT:  # it shows with no constant in any destination: not needed
                needs.constant = False
                needs.why["constant"] = f"{NO_CONSTANT} in the program that shows it"
                return
            needs.constant = changed("constant", rewrite)
        elif question == "destination":
            if needs.constant is not True:
                needs.why["destination"] = "asked only of a finding that needs the constant"
                return
            needs.destination = changed("destination", constants_off_destinations(subject.program, subject.inputs))
        elif question == "init_value":
            needs.init_value = changed("init_value", inits_as_fill(subject.program, subject.inputs, 0))
            own = inits_as_fill(subject.program, subject.inputs, None)
            if needs.init_value is not None and not own.problem:
                gone = changed("init_value_own", own)
                needs.why["init_value"] = "with a fill of its own splat value: " + (
                    "gone" if gone else "the same" if gone is False else "unknown")
        elif question == "dtype":
            needs.dtype = changed("dtype", wider_types(subject.program, subject.inputs))
        elif question == "pass":
            _blame_pass(needs, lab, subject, cell, sym, settings)
        elif question == "flags":
            needs.flags = _minimal_flags(lab, subject, cell, sym)
        elif question == "targets":
            _blame_targets(needs, lab, subject, cell, sym)

    for question in QUESTIONS:
        try:
            ask(question)
        except _Budget:
            for q in QUESTIONS[QUESTIONS.index(question):]:
                needs.why.setdefault(q, "the blame budget was spent first (--blame-time)")
            break
        except Exception as e:  # noqa: BLE001 - an experiment that breaks leaves its answer unknown
            line = (str(e).strip().splitlines() or [""])[0][:160]
            needs.why[question] = f"the experiment failed: {type(e).__name__}: {line}"
    needs.seconds = round(time.monotonic() - start, 2)
    return needs


def _blame_pass(needs: Needs, lab: _Lab, subject: Subject, cell: Cell, sym: tuple[str, ...],
                settings: Settings) -> None:
    other = Cell(cell.target, "without" if cell.variant == "with" else "with", cell.flags)
    if other.variant not in settings.variants:
        needs.why["pass"] = f"the {other.variant} variant is not available here"
        return
    outcome = lab.judge(subject, [cell, other])[(other.target.name, other.variant, other.flags)]
    shows, why = _shows(outcome, sym, turned_counts=True)
    if cell.variant == "without":  # seen only without the pass: the pass hides it, it does not need it
        needs.pass_ = False
        needs.without = "the same"
        needs.why["pass"] = ("seen without the pass; with it: " + _describe(outcome, sym)) if shows is not None \
            else why
        return
    needs.without = _describe(outcome, sym)
    if shows is None:
        needs.why["pass"] = why
        return
    needs.pass_ = not shows


def _minimal_flags(lab: _Lab, subject: Subject, cell: Cell, sym: tuple[str, ...]) -> list[str]:
    """The cell's flags the symptom needs: each dropped in turn, kept only where dropping loses it."""
    kept = list(cell.flags)
    for flag in list(cell.flags):
        trial = Cell(cell.target, cell.variant, tuple(f for f in kept if f != flag))
        shows, _ = _shows(lab.judge(subject, [trial])[(trial.target.name, trial.variant, trial.flags)], sym,
                          ignore=lab.ignore)
        if shows:
            kept.remove(flag)
    return kept


def _blame_targets(needs: Needs, lab: _Lab, subject: Subject, cell: Cell, sym: tuple[str, ...]) -> None:
    names = _run_targets(sym[0] if sym[0] != WRITTEN else "readwrite-constant")
    cells = [cell] + [Cell(TARGETS[t], cell.variant, cell.flags) for t in names if t != cell.target.name]
    outcomes = lab.judge(subject, cells)
    shown, unknown = [], []
    for c in cells:
        shows, why = _shows(outcomes[(c.target.name, c.variant, c.flags)], sym, ignore=lab.ignore)
        if shows:
            shown.append(c.target.name)
        elif shows is None:
            unknown.append(f"{c.target.name}: {why}")
    needs.targets = sorted(shown)
    needs.tried = sorted(c.target.name for c in cells)
    if unknown:
        needs.why["targets"] = "; ".join(unknown)



def blame_finding_record(record: FindingRecord, needs: Needs) -> FindingRecord:
    """The record with `needs` and the cause key by it (the signature's variant part kept)."""
    o = _repro(record)
    variant = record.signature_key.rsplit("|", 1)[1] if "|" in record.signature_key else "with"
    return record.replace(needs=needs.to_json(), cause=f"{cause_key(o, needs)}|{variant}")


def _repro(record: FindingRecord) -> Observation:
    """The observation in the record's reproducer cell (after minimization that may have dropped flags)."""
    rc = record.repro_cell
    for o in record.observations:
        if (o.target, o.variant, tuple(o.flags)) == rc.key():
            return o
    o = record.observations[0]
    return Observation(**{**o.to_json(), "target": rc.target, "variant": rc.variant, "flags": tuple(rc.flags)})


def blame_entry(path: Path, *, budget: float, settings: Settings | None = None,
                lock: AbstractContextManager | None = None) -> Needs:
    """Blame the finding stored at `path` and write `needs` and `cause` into its meta.json."""
    from fuzzir.any_program import SourceError, load_program

    store = DirectoryStore(path.parent)
    entry = store.fetch(path.name)
    record = entry.record
    if not record.observations:
        raise StoreError(f"{path}: meta.json records no observation to blame")
    text = entry.program()
    try:
        loaded = load_program(text, str(path / "program.mlir"))
    except (SourceError, ValueError) as e:
        raise StoreError(f"{path}: program.mlir cannot be read: {e}") from None
    o = _repro(record)
    if o.target not in TARGETS:
        raise StoreError(f"{path}: unknown target {o.target!r} in meta.json")
    settings = settings or Settings(targets=(TARGETS[o.target],), pass_name=record.removed_pass)
    finding = Finding(record.signature, record.kind, record.signature_key, [o])
    subject = Subject(text, entry.inputs(), loaded.program, str(path / "program.mlir"), loaded.source.function)
    needs = blame(subject, finding, settings, seed=record.seed or 0, budget=budget)
    with lock or nullcontext():
        store.update(path.name, blame_finding_record(store.fetch(path.name).record, needs))
    return needs
