"""Minimizing a stored finding whose program is outside fuzzir's model (a user's program, a frontend one).

`fuzzir.minimize` rewrites the program model; a program that does not parse into it
(StableHLO, TOSA, scatter, multi-result generics ...) is reduced here, with the same
contract: the result shows the same signature (cause and variants) in the finding's cell.

A program written in a frontend dialect (StableHLO, TOSA) is first reduced in that dialect
(`fuzzir.reduce_frontend`), so the finding stays a program its frontend's users write and its
frontend's reference judges. Only when that keeps nothing, the time left goes to IREE's own
reducer (`fuzzir.reduce_any`, `ireeReduceRunMain` from the wheel's compiler library), which
registers no frontend dialect: the program is lowered to IREE's input phase (linalg, tensor,
util) first, and reduced when that form still shows the signature; a cause in the input
conversion itself does not survive that, and the finding then stays as it is, saying so.
Both reducers stay within the budget (each check runs in a child killed at the deadline). The
result is judged again in every cell the original was checked in (after the budget, as for a
modelled finding), and the entry is rewritten like a model-minimized one (`original.mlir` kept).
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext

from fuzzir.any_program import SourceError, load_program
from fuzzir.findings import group
from fuzzir.judge import Cell, Settings, judge_program
from fuzzir.oracles.lowering import lower_frontend
from fuzzir.persist import finding_files, program_shape, source_size
from fuzzir.reduce_any import interesting_within, reduce_text, reducer_spec
from fuzzir.reduce_frontend import MIN_CHECK_SECONDS, is_frontend_program, reduce_frontend
from fuzzir.source import read_source
from fuzzir.store import DirectoryStore, Entry, StoreError
from fuzzir.targets import TARGETS


def _reducible(text: str, path, cell: Cell, key: str, settings: Settings, seed: int,
               seconds: float) -> tuple[str, bool]:
    """(the program IREE's reducer can read, whether it was lowered from a frontend dialect to get it)."""
    lowered = lower_frontend(text, str(path / "program.mlir"))
    if lowered.problem:
        raise StoreError(f"{path}: program.mlir is outside fuzzir's model and cannot be lowered for IREE's reducer "
                         f"(it registers no frontend dialect): {lowered.problem}")
    if lowered.text == text:
        return text, False
    spec = reducer_spec(cell, key, settings, None, {}, seed)
    shows = interesting_within(spec, lowered.text, seconds)
    if shows is None:
        raise StoreError(f"{path}: the minimization budget ran out before IREE's reducer could start; "
                         "the finding is kept as it is")
    if not shows:
        raise StoreError(f"{path}: program.mlir is in a frontend dialect IREE's reducer does not register, and its "
                         "input-phase IR (`iree-compile --compile-to=input`) no longer shows the signature: the cause "
                         "is in the input conversion; the finding is kept as it is")
    return lowered.text, True


def _with_iree_reduce(text: str, path, cell: Cell, key: str, settings: Settings, seed: int,
                      deadline: float, tried: str) -> tuple[str, list[str]]:
    """(`text` reduced by IREE's reducer within the time left, the passes that did it)."""
    left = deadline - time.monotonic()
    if left < MIN_CHECK_SECONDS:
        raise StoreError(f"{path}: {tried}no time was left for IREE's reducer; the finding is kept as it is")
    text, lowered = _reducible(text, path, cell, key, settings, seed, left)
    left = deadline - time.monotonic()
    if left < MIN_CHECK_SECONDS:
        raise StoreError(f"{path}: {tried}no time was left for IREE's reducer; the finding is kept as it is")
    reduced = reduce_text(text, cell, key, settings, seed=seed, time_budget=left)
    if reduced.problem:
        raise StoreError(f"{path}: program.mlir is outside fuzzir's model and {reduced.problem}")
    return reduced.text, [*(["lower-to-input"] if lowered else []), reduced.tool]


def _judge(text: str, filename: str, cells: list[Cell], settings: Settings, seed: int):
    loaded = load_program(text, filename)
    return judge_program(loaded.program, text, seed, settings, cells=cells, source=loaded.source,
                         unmodelled=loaded.unmodelled)


def minimize_unmodelled(entry: Entry, store: DirectoryStore, *, time_budget: float, settings: Settings | None,
                        lock: AbstractContextManager | None = None) -> dict:
    """Reduce `entry` (in its frontend dialect, else with IREE's reducer) and rewrite it in place; returns the
    `minimization` record (`checks`: the frontend reducer's candidates; None when IREE's reducer did it)."""
    record = entry.record
    path = entry.path
    original_text = entry.program()
    rc = record.repro_cell
    if rc.target not in TARGETS:
        raise StoreError(f"{path}: unknown target {rc.target!r} in meta.json")
    cell = Cell(TARGETS[rc.target], rc.variant, rc.flags)
    seed = record.seed or 0
    settings = settings or Settings(targets=(cell.target,), pass_name=record.removed_pass)
    start = time.monotonic()
    deadline = start + time_budget
    key = record.signature_key
    checks, tried = None, ""
    if is_frontend_program(original_text):
        front = reduce_frontend(original_text, cell, key, settings, seed=seed, time_budget=time_budget,
                                filename=str(path / "program.mlir"))
        if front.reproduces is False:
            raise StoreError(f"{path}: {front.problem}; nothing to minimize")
        tried = (f"nothing smaller in its own dialect shows the signature ({front.checks} candidates in "
                 f"{front.seconds:.0f}s), and ")
        if front.accepted:
            text, passes, checks = front.text, front.accepted, front.checks
    if checks is None:
        text, passes = _with_iree_reduce(original_text, path, cell, key, settings, seed, deadline, tried)
    cells = {Cell(TARGETS[c.target], c.variant, c.flags)
             for c in (record.checked_cells or record.cells()) if c.target in TARGETS}
    cells.add(cell)
    ordered = sorted(cells, key=lambda c: (c != cell, c.target.name, c.variant, c.flags))
    try:
        case = _judge(text, str(path / "program.mlir"), ordered, settings, seed)
    except SourceError as e:
        raise StoreError(f"{path}: the reduced program cannot be read: {e}") from None
    findings = [f for f in group(case.observations) if f.key == key]
    if not findings:
        raise StoreError(f"{path}: the reduced program lost the signature (flaky?)")
    b, a = source_size(read_source(original_text, filename=str(path / "program.mlir"))), program_shape(case, None).size
    minimization = {"before": {"ops": b[0], "elements": b[1]}, "after": {"ops": a[0], "elements": a[1]},
                    "seconds": round(time.monotonic() - start, 2), "checks": checks, "passes": passes}
    files = finding_files(findings[0], case, None, seed=seed, elapsed=record.found_after_seconds,
                          source=record.source or "check", iree_version=record.iree_version or None,
                          verdict=record.verdict)
    files.record = files.record.replace(status=record.status, minimization=minimization, fixed_in=record.fixed_in,
                                        reopened_in=record.reopened_in, bisect=record.bisect, extra=record.extra)
    original = (path / "original.mlir").read_text() if (path / "original.mlir").exists() else original_text
    files.extra_files = {"original.mlir": original}
    with lock or nullcontext():
        store.replace(path.name, files)
    return minimization
