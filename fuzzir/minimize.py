"""Reduce a finding to the smallest program that still shows the same signature.

Like C-Reduce, reduction is a schedule of small independent passes over the
program model, run to a fixed point: each pass proposes candidates, a
candidate is kept when checking it in the finding's reproducer cell still
yields an observation with the *same signature key*, and the first kept
candidate restarts the pass. Passes, biggest wins first: drop an op, cut a
chain (an operand becomes a fresh argument), halve or unit a loop dimension,
turn a global into a plain constant, a dense constant into a splat,
constant values into ones, simplify a body, widen the element type to
f32/i32, drop an output of a multi-result op and print dynamic-shaped
arguments static. Because the signature includes the op family, init kind and type
class where they matter, no pass can wander off to a different bug.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fuzzir.emit import emit
from fuzzir.families import family_of
from fuzzir.findings import group
from fuzzir.judge import Cell, Settings, judge_program, shows_signature
from fuzzir.model import NUMPY_DTYPE, AffineExpr, Expr, LinalgOp, Literal, LiteralKind, Program, Ref, TensorType
from fuzzir.parse import ParseError, parse_program
from fuzzir.persist import finding_files
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.store import DirectoryStore, StoreError
from fuzzir.targets import TARGETS

Candidates = Iterator[Program]


def _uses(program: Program) -> dict[Ref, int]:
    counts: dict[Ref, int] = {}
    for op in program.ops:
        for r in op.operands:
            counts[r] = counts.get(r, 0) + 1
    for r in program.results:
        counts[r] = counts.get(r, 0) + 1
    return counts


def _remap(ref: Ref, mapping: dict[Ref, Ref]) -> Ref:
    return mapping.get(ref, ref)


def _remap_op(op: LinalgOp, mapping: dict[Ref, Ref]) -> LinalgOp:
    return op.with_inits(tuple(_remap(r, mapping) for r in op.ins), tuple(_remap(r, mapping) for r in op.inits))


def compact(program: Program) -> Program:
    """Drop unused args and literals, renumber refs, return every unconsumed op result."""
    consumed = {r for op in program.ops for r in op.operands if r.kind == "op"}
    results = list(program.results)
    for i in range(len(program.ops)):
        for r in program.op_refs(i):
            if r not in consumed and r not in results:
                results.append(r)
    used = {r for op in program.ops for r in op.operands} | set(results)
    mapping: dict[Ref, Ref] = {}
    args, lits = [], []
    for i, t in enumerate(program.args):
        if Ref("arg", i) in used:
            mapping[Ref("arg", i)] = Ref("arg", len(args))
            args.append(t)
    for i, lit in enumerate(program.literals):
        if Ref("lit", i) in used:
            mapping[Ref("lit", i)] = Ref("lit", len(lits))
            lits.append(lit)
    ops = tuple(_remap_op(op, mapping) for op in program.ops)
    dynamic = tuple(sorted((mapping[Ref("arg", a)].index, d) for a, d in program.dynamic if Ref("arg", a) in mapping))
    return Program(tuple(args), tuple(lits), ops, tuple(_remap(r, mapping) for r in results), dynamic)


def _with_fresh_arg(program: Program, t: TensorType) -> tuple[Program, Ref]:
    return program.replace(args=(*program.args, t)), Ref("arg", len(program.args))


def drop_op(program: Program) -> Candidates:
    """Remove one op; its uses read fresh arguments instead (one per result)."""
    for i in reversed(range(len(program.ops))):
        if len(program.ops) == 1:
            return
        p = program
        mapping: dict[Ref, Ref] = {}
        for r in program.op_refs(i):
            p, mapping[r] = _with_fresh_arg(p, program.type_of(r))
        for j in range(i + 1, len(p.ops)):
            mapping.update({r: Ref("op", j - 1, r.result) for r in p.op_refs(j)})
        ops = [_remap_op(op, mapping) for j, op in enumerate(p.ops) if j != i]
        results = tuple(_remap(r, mapping) for r in p.results if not (r.kind == "op" and r.index == i))
        yield compact(Program(p.args, p.literals, tuple(ops), results, p.dynamic))


def drop_output(program: Program) -> Candidates:
    """Remove one output of a multi-result op (whose value no other output's body reads); its uses
    read a fresh argument instead."""
    for i, op in enumerate(program.ops):
        n_in, n_out = len(op.ins), len(op.inits)
        for k in reversed(range(n_out)):
            if n_out < 2 or any(b.reads(n_in + k) for j, b in enumerate(op.bodies) if j != k):
                continue
            p, fresh = _with_fresh_arg(program, op.result_types[k])
            new = op.without_output(k)
            if not new.more and op.family == "multi_result":
                new = dataclasses.replace(new, family=family_of("linalg.generic", new.iterators, new.all_maps))
            mapping = {Ref("op", i, k): fresh}
            mapping.update({Ref("op", i, j): Ref("op", i, j - 1) for j in range(k + 1, n_out)})
            ops = [_remap_op(o, mapping) for o in p.ops]
            ops[i] = new
            results = tuple(_remap(r, mapping) for r in p.results if r != Ref("op", i, k))
            yield compact(Program(p.args, p.literals, tuple(ops), results, p.dynamic))


def static_args(program: Program) -> Candidates:
    """Dynamic-shaped arguments printed with their static shapes."""
    if program.dynamic:
        yield program.replace(dynamic=())


def cut_chain(program: Program) -> Candidates:
    """An operand that is another op's result becomes a fresh argument."""
    for i, op in enumerate(program.ops):
        for k, r in enumerate(op.operands):
            if r.kind != "op":
                continue
            p, fresh = _with_fresh_arg(program, program.type_of(r))
            operands = list(op.operands)
            operands[k] = fresh
            new = op.with_inits(tuple(operands[:len(op.ins)]), tuple(operands[len(op.ins):]))
            ops = list(p.ops)
            ops[i] = new
            yield compact(p.replace(ops=tuple(ops)))


def _operand_shape(amap: tuple[AffineExpr, ...], bounds: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(e.const + sum(c * (bounds[d] - 1) for d, c in e.terms) + 1 for e in amap)


def _resize(program: Program, ref: Ref, shape: tuple[int, ...]) -> tuple[Program, Ref] | None:
    """A version of `ref` with `shape`: a new arg, or a sliced literal."""
    t = TensorType(shape, program.type_of(ref).dtype)
    if ref.kind == "arg":
        args = list(program.args)
        args[ref.index] = t
        return program.replace(args=tuple(args)), ref
    if ref.kind == "lit":
        lit = program.literals[ref.index]
        if any(n > o for n, o in zip(shape, lit.type.shape, strict=True)):
            return None
        data = np.asarray(lit.data)[tuple(slice(0, n) for n in shape)]
        lits = list(program.literals)
        lits[ref.index] = Literal(lit.kind, t, np.ascontiguousarray(data))
        return program.replace(literals=tuple(lits)), ref
    return None


def shrink_dims(program: Program) -> Candidates:
    """Halve (or set to 1) one loop dimension of an op whose operands nothing else uses."""
    uses = _uses(program)
    for i, op in enumerate(program.ops):
        operands = list(op.operands)
        if any(r.kind == "op" or uses.get(r, 0) > 1 for r in operands) or any(
                uses.get(r, 0) > 1 for r in program.op_refs(i)):
            continue
        for d, b in enumerate(op.bounds):
            for nb in dict.fromkeys((1, b // 2)):
                if nb < 1 or nb >= b:
                    continue
                bounds = tuple(nb if k == d else x for k, x in enumerate(op.bounds))
                p: Program | None = program
                for r, amap in zip(operands, op.all_maps, strict=True):
                    assert p is not None
                    got = _resize(p, r, _operand_shape(amap, bounds))
                    p = got[0] if got else None
                    if p is None:
                        break
                if p is None:
                    continue
                more = tuple(dataclasses.replace(o, result_type=p.type_of(o.init)) for o in op.more)
                new = dataclasses.replace(op, bounds=bounds, result_type=p.type_of(op.init), more=more)
                ops = list(p.ops)
                ops[i] = new
                candidate = p.replace(ops=tuple(ops))
                try:
                    candidate.validate()
                except ValueError:
                    continue
                yield candidate


def simplify_literals(program: Program) -> Candidates:
    """global or dense_resource -> dense constant, dense -> splat, values -> ones."""
    for i, lit in enumerate(program.literals):
        options: list[Literal] = []
        if lit.kind in (LiteralKind.GLOBAL, LiteralKind.RESOURCE):
            options.append(Literal(LiteralKind.DENSE, lit.type, lit.data))
        flat = np.asarray(lit.data).reshape(-1)
        dense = lit.kind in (LiteralKind.DENSE, LiteralKind.GLOBAL, LiteralKind.RESOURCE)
        if dense and flat.size and not np.all(flat == flat[0]):
            options.append(Literal(LiteralKind.SPLAT, lit.type, np.full(lit.type.shape, flat[0], flat.dtype)))
        if lit.kind is not LiteralKind.EMPTY and flat.size and not np.all(flat == 1):
            options.append(Literal(lit.kind, lit.type, np.ones(lit.type.shape, flat.dtype)))
        for new in options:
            lits = list(program.literals)
            lits[i] = new
            yield program.replace(literals=tuple(lits))


def _subexprs(e: Expr, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Expr]]:
    yield path, e
    for k, a in enumerate(e.args):
        yield from _subexprs(a, (*path, k))


def _replace_at(e: Expr, path: tuple[int, ...], new: Expr) -> Expr:
    if not path:
        return new
    args = list(e.args)
    args[path[0]] = _replace_at(args[path[0]], path[1:], new)
    return dataclasses.replace(e, args=tuple(args))


def simplify_bodies(program: Program) -> Candidates:
    """Replace a body subexpression by one of its operands (generic ops only)."""
    for i, op in enumerate(program.ops):
        if op.is_named:
            continue
        for k, old in enumerate(op.bodies):
            for path, sub in _subexprs(old):
                for a in sub.args:
                    body = _replace_at(old, path, a)
                    if body == old or (op.reduction_dims and not body.args):
                        continue
                    ops = list(program.ops)
                    if k == 0:
                        ops[i] = dataclasses.replace(op, body=body)
                    else:
                        more = list(op.more)
                        more[k - 1] = dataclasses.replace(more[k - 1], body=body)
                        ops[i] = dataclasses.replace(op, more=tuple(more))
                    yield program.replace(ops=tuple(ops))


def widen_types(program: Program) -> Candidates:
    """f16 -> f32 and i8 -> i32 everywhere."""
    wider = {"f16": "f32", "i8": "i32"}
    if not any(d in wider for d in program.dtypes()):
        return

    def tt(t: TensorType) -> TensorType:
        return TensorType(t.shape, wider.get(t.dtype, t.dtype))

    lits = tuple(Literal(lit.kind, tt(lit.type), np.asarray(lit.data).astype(NUMPY_DTYPE[tt(lit.type).dtype]))
                 for lit in program.literals)
    # Body op names (addf, addi) do not depend on the width, so only the types change.
    ops = tuple(dataclasses.replace(op, result_type=tt(op.result_type),
                                    more=tuple(dataclasses.replace(o, result_type=tt(o.result_type)) for o in op.more))
                for op in program.ops)
    yield Program(tuple(tt(t) for t in program.args), lits, ops, program.results, program.dynamic)


PASSES: tuple[tuple[str, Callable[[Program], Candidates]], ...] = (
    ("drop-op", drop_op),
    ("drop-output", drop_output),
    ("cut-chain", cut_chain),
    ("shrink-dims", shrink_dims),
    ("simplify-literals", simplify_literals),
    ("simplify-bodies", simplify_bodies),
    ("widen-types", widen_types),
    ("static-args", static_args),
)


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
