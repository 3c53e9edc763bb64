"""Reduce a finding to the smallest program that still shows the same signature.

Like C-Reduce, reduction is a schedule of small independent passes over the
program model, run to a fixed point: each pass proposes candidates, a
candidate is kept when checking it in the finding's reproducer cell still
yields an observation with the *same signature key*, and the first kept
candidate restarts the pass. The passes (`fuzzir.shrink`, biggest wins first)
drop ops and outputs, cut chains, shrink dims, simplify constants and bodies,
widen element types. Because the signature includes the op family, init kind and type
class where they matter, no pass can wander off to a different bug.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from fuzzir.emit import emit
from fuzzir.findings import group
from fuzzir.judge import Cell, Settings, judge_program, shows_signature
from fuzzir.model import Program
from fuzzir.parse import ParseError, parse_program
from fuzzir.persist import finding_files
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.shrink import PASSES
from fuzzir.store import DirectoryStore, StoreError
from fuzzir.targets import TARGETS


def size(program: Program) -> tuple[int, int]:
    return (len(program.ops), program.num_elements())


@dataclass
class Reduction:
    program: Program
    checks: int
    seconds: float
    accepted: list[str]


def reduce_program(program: Program, interesting: Callable[[Program], bool], *,
                   time_budget: float = 60.0) -> Reduction:
    """Greedy fixed point over PASSES within `time_budget` seconds."""
    start = time.monotonic()
    checks = 0
    accepted: list[str] = []
    current = program
    current_text = emit(current)
    progress = True
    while progress and time.monotonic() - start < time_budget:
        progress = False
        for name, make in PASSES:
            for candidate in make(current):
                if time.monotonic() - start >= time_budget:
                    break
                try:
                    candidate.validate()
                except ValueError:
                    continue
                if size(candidate) > size(current) or emit(candidate) == current_text:
                    continue
                checks += 1
                if interesting(candidate):
                    current, current_text = candidate, emit(candidate)
                    accepted.append(name)
                    progress = True
                    break
    return Reduction(current, checks, time.monotonic() - start, accepted)


def still_interesting(settings: Settings, cell: Cell, key: str, seed: int) -> Callable[[Program], bool]:
    """The interestingness test: the program still shows signature `key` (`shows_signature`)."""
    def interesting(program: Program) -> bool:
        text = emit(program)
        return shows_signature(key, cell, settings.variants,
                               lambda c: judge_program(program, text, seed, settings, cells=[c]).observations)
    return interesting


def _cell(record: FindingRecord, c: CellRecord) -> Cell:
    if c.target not in TARGETS:
        raise StoreError(f"unknown target {c.target!r} in meta.json")
    return Cell(TARGETS[c.target], c.variant, c.flags)


def minimize_entry(path: Path, *, time_budget: float = 60.0, settings: Settings | None = None,
                   lock: AbstractContextManager | None = None) -> dict:
    """Minimize the finding stored at `path` in place; returns the `minimization` record."""
    store = DirectoryStore(path.parent)
    entry = store.fetch(path.name)
    record = entry.record
    original_text = entry.program()
    try:
        program = parse_program(original_text, filename=str(path / "program.mlir"))
    except ParseError:  # a user's program outside the model: IREE's own reducer
        from fuzzir.minimize_any import minimize_unmodelled

        return minimize_unmodelled(entry, store, time_budget=time_budget, settings=settings, lock=lock)
    cell = _cell(record, record.repro_cell)
    key = record.signature_key
    seed = record.seed or 0
    if settings is None:
        settings = Settings(targets=(cell.target,), pass_name=record.removed_pass)
    start = time.monotonic()
    interesting = still_interesting(settings, cell, key, seed)
    if not interesting(program):
        raise StoreError(f"{path}: the finding does not reproduce on this IREE; nothing to minimize")
    if cell.flags:  # drop flags the bug does not need
        bare = Cell(cell.target, cell.variant, ())
        bare_interesting = still_interesting(settings, bare, key, seed)
        if bare_interesting(program):
            cell, interesting = bare, bare_interesting
    result = reduce_program(program, interesting, time_budget=max(1.0, time_budget - (time.monotonic() - start)))
    small = result.program
    # Re-check in every cell the original was checked in (not only those that showed the bug),
    # so variants and targets stay true: a cell that was clean before is judged again.
    seen = record.checked_cells or record.cells()
    cells = {_cell(record, c) for c in seen if c.target in TARGETS}
    cells.add(cell)
    ordered = sorted(cells, key=lambda c: (c != cell, c.target.name, c.variant, c.flags))
    case = judge_program(small, emit(small), seed, settings, cells=ordered)
    findings = [f for f in group(case.observations) if f.key == key]
    if not findings:
        raise StoreError(f"{path}: the minimized program lost the signature (flaky?)")
    finding = findings[0]
    finding.observations.sort(key=lambda o: (o.target != cell.target.name or o.variant != cell.variant))
    minimization = {
        "before": {"ops": len(program.ops), "elements": program.num_elements()},
        "after": {"ops": len(small.ops), "elements": small.num_elements()},
        "seconds": round(time.monotonic() - start, 2),
        "checks": result.checks,
        "passes": result.accepted,
    }
    files = finding_files(finding, case, small, seed=seed, elapsed=record.found_after_seconds,
                          source=record.source or "fuzz", iree_version=record.iree_version or None)
    files.record = files.record.replace(status=record.status, verdict=record.verdict, minimization=minimization,
                                        fixed_in=record.fixed_in, reopened_in=record.reopened_in,
                                        bisect=record.bisect, extra=record.extra)
    original = (path / "original.mlir").read_text() if (path / "original.mlir").exists() else original_text
    files.extra_files = {"original.mlir": original}
    with lock or nullcontext():
        store.replace(path.name, files)
    return minimization
