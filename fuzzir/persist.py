"""From a judged case to stored findings: one record, one reproducer, one save per finding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fuzzir import __version__, commands, repro
from fuzzir.db import FindingsDB, Sighting
from fuzzir.findings import DEFECT, GUARDED, LATENT, SHIPPED, Finding, group
from fuzzir.judge import CaseResult
from fuzzir.model import Program
from fuzzir.needs import Needs
from fuzzir.pipeline import iree_compiler_version
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.source import Source
from fuzzir.store import DirectoryStore, NewFinding
from fuzzir.targets import TARGETS


@dataclass(frozen=True)
class Shape:
    """What a record says about the program: from the model, or read from the source without one."""

    ops: list[str]
    families: list[str]
    init_kinds: list[str]
    element_types: list[str]
    size: tuple[int, int]  # (ops, elements)


def program_shape(case: CaseResult, program: Program | None) -> Shape:
    if program is not None:
        return Shape([op.name for op in program.ops], sorted({op.family for op in program.ops}),
                     [str(program.init_kind(op)) for op in program.ops], program.dtypes(),
                     (len(program.ops), program.num_elements()))
    src = case.source
    if src is None:
        return Shape([], [], [], [], (1 << 30, 1 << 62))
    producers = [p for p in src.producers if p.op]
    # Without a model, an op's "family" is its name: what a person reads in the report.
    return Shape([p.op for p in producers], sorted({p.op for p in producers}) or ["unknown"],
                 [p.init_kind for p in producers], src.dtypes(), source_size(src))


def source_size(src: Source) -> tuple[int, int]:
    """(ops, elements) of a program read without a model: the ops written, the arguments' and results' elements."""
    return max(1, len(src.ops_at)), sum(int(np.prod(a.shape)) for a in (*src.args, *src.results))


def new_record(finding: Finding, case: CaseResult, program: Program | None, *, seed: int | None,
               elapsed: float | None, commands: list[list[str]], source: str,
               verdict: str = DEFECT) -> FindingRecord:
    """The record of `finding`, seen while judging `case` (whose program is `program`, if modelled)."""
    o = finding.repro_observation()
    shape = program_shape(case, program)
    return FindingRecord(
        kind=finding.kind, signature=finding.signature, signature_key=finding.key,
        repro_cell=CellRecord(o.target, o.variant, o.flags), status="open", verdict=verdict,
        message=o.message,
        variants=finding.variants, targets=finding.targets, flags=finding.flag_sets, op=o.op,
        ops=shape.ops, families=shape.families, init_kinds=shape.init_kinds, element_types=shape.element_types,
        exact=case.exact, iree_version=iree_compiler_version(), fuzzir_version=__version__,
        seed=seed, source=source, found_after_seconds=None if elapsed is None else round(elapsed, 2),
        size_ops=shape.size[0], size_elements=shape.size[1],
        observations=list(finding.observations),
        checked_cells=list(case.checked),
        removed_pass=case.pass_name, commands=commands, frontend=case.frontend,
    )


def finding_files(finding: Finding, case: CaseResult, program: Program | None, *, seed: int | None,
                  elapsed: float | None, source: str, iree_version: str | None = None,
                  verdict: str = DEFECT) -> NewFinding:
    """Record, program, inputs, expected outputs and repro.sh of one finding of `case`.

    repro.sh and `record.commands` show the compile argv the judge ran in the reproducer
    cell (`case.commands`), not a rebuilt copy that could differ; only a case judged
    without recording them (none of fuzzir's) gets the chain from the same builder.
    """
    o = finding.repro_observation()
    compiles = case.commands.get((o.target, o.variant, tuple(o.flags)))
    if compiles is None:
        compiles = commands.compile_steps(TARGETS[o.target], o.variant, o.flags, pass_name=case.pass_name)
    # Without a model there are no expected outputs: a value finding's repro.sh then runs the module
    # and the record names the oracle that compared it (another cell, or the constant-as-argument twin).
    expected = case.expectation.outputs if case.expectation is not None else []
    tolerances = case.expectation.tolerances if case.expectation is not None else []
    script, argvs = repro.build(
        finding, compiles=compiles, inputs=case.inputs or [], expected=expected,
        exact=case.exact, tolerances=tolerances, iree_version=iree_version or iree_compiler_version(),
        function=case.function)
    record = new_record(finding, case, program, seed=seed, elapsed=elapsed, commands=argvs, source=source,
                        verdict=verdict)
    return NewFinding(record, case.text, case.inputs or [], expected, script)


@dataclass
class Stored:
    """What became of one finding of a judged case."""

    finding: Finding
    verdict: str
    path: Path | None  # the finding's directory (in the findings or the corpus), None when guarded
    outcome: str  # NEW, REPLACED, DUPLICATE, KNOWN (already in the corpus) or GUARDED (not stored)


NEW, REPLACED, DUPLICATE, KNOWN, GUARDED_OUTCOME = "new", "replaced", "duplicate", "known", "guarded"
_RANK = {DEFECT: 3, LATENT: 2, GUARDED: 1}


class CorpusIndex:
    """The committed corpus, read once: its signatures and their program sizes. Never written."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.sizes: dict[str, tuple[int, int]] = {}
        self.causes: dict[str, str] = {}  # blamed cause (`fuzzir.blame`) -> the entry's signature
        self.about_constants: dict[str, bool | None] = {}  # signature -> what blame says (`Needs.about_constants`)
        if root is not None:
            for entry in DirectoryStore(root).entries_lenient():
                self.sizes[entry.record.signature] = entry.record.size
                if entry.record.cause:
                    self.causes.setdefault(entry.record.cause, entry.record.signature)
                needs = Needs.from_json(entry.record.needs)
                if needs is not None:
                    self.about_constants[entry.record.signature] = needs.about_constants()

    def __contains__(self, signature: str) -> bool:
        return signature in self.sizes


def store_case(out: Path, case: CaseResult, *, seed: int | None, elapsed: float | None, source: str,
               about: str = SHIPPED, corpus: CorpusIndex | None = None, db: FindingsDB | None = None,
               campaign: int | None = None) -> list[Stored]:
    """Write each defect and latent finding of a judged case into the findings directory `out`.

    A finding whose signature is in the corpus is counted, not copied; a guarded one (seen
    only without the pass, of the kind the pass prevents) is counted as pass coverage and
    not stored. With `db`, every sighting and the program's coverage cells are counted there.
    """
    store = DirectoryStore(out)
    results = []
    for finding in group(case.observations):
        verdict = finding.verdict(about)
        if verdict == GUARDED:
            results.append(Stored(finding, verdict, None, GUARDED_OUTCOME))
            continue
        if corpus is not None and finding.signature in corpus:
            assert corpus.root is not None
            results.append(Stored(finding, verdict, corpus.root / finding.signature, KNOWN))
            continue
        files = finding_files(finding, case, case.program, seed=seed, elapsed=elapsed, source=source,
                              verdict=verdict)
        path, outcome = store.save(files)
        results.append(Stored(finding, verdict, path, outcome))
    if db is not None:
        shape = program_shape(case, case.program)
        db.record(campaign, elapsed, [_sighting(r, shape, corpus) for r in results], coverage_cells(case, results))
    return results


def _sighting(r: Stored, shape: Shape, corpus: CorpusIndex | None) -> Sighting:
    f = r.finding
    place = {KNOWN: "corpus", GUARDED_OUTCOME: "none"}.get(r.outcome, "findings")
    stored = corpus.sizes.get(f.signature) if corpus is not None and r.outcome == KNOWN else None
    repro = f"{r.path}/repro.sh" if r.path is not None else ""
    return Sighting(f.signature, f.kind, r.verdict, f.key, place, shape.size, shape.families, shape.init_kinds,
                    f.targets, f.variants, f.flag_sets, stored_size=stored, repro=repro)


def coverage_cells(case: CaseResult, results: list[Stored]) -> list[tuple[str, str, str, str, str]]:
    """(frontend, family, init kind, target, outcome) per op and checked target: the worst verdict of a
    finding there, or 'clean'."""
    return [(case.frontend, *cell) for cell in _op_cells(case, results)]


def _op_cells(case: CaseResult, results: list[Stored]) -> list[tuple[str, str, str, str]]:
    program = case.program
    targets = sorted({c.target for c in case.checked})
    if program is None:  # without a model: per result, its producing op and destination
        shape = program_shape(case, None)
        worst = max((r.verdict for r in results), key=_RANK.__getitem__, default="")
        return [(op, init, t, worst or "clean") for op, init in zip(shape.ops, shape.init_kinds, strict=True)
                for t in targets]
    # An observation that names no op (a compile error, a crash) is put on the ops with a
    # constant init, what the program is about; on every op when there is none.
    unnamed = set(program.constant_init_ops()) or set(range(len(program.ops)))
    cells = []
    for i, op in enumerate(program.ops):
        for target in targets:
            worst = ""
            for r in results:
                if any(o.target == target and (o.op_index == i or (o.op_index is None and i in unnamed))
                       for o in r.finding.observations):
                    if not worst or _RANK[r.verdict] > _RANK[worst]:
                        worst = r.verdict
            cells.append((op.family, str(program.init_kind(op)), target, worst or "clean"))
    return cells
