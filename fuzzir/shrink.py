"""The reduction passes the minimizer schedules: small, independent rewrites of the program model.

Each pass proposes smaller candidate programs (`Candidates`); `fuzzir.minimize` keeps the
first one that still shows the finding's signature and restarts, C-Reduce style. Passes,
biggest wins first, are listed in `PASSES`: drop an op, drop an output of a multi-result op,
cut a chain (an operand becomes a fresh argument), halve or unit a loop dimension, turn a
global into a plain constant, a dense constant into a splat and its values into ones,
simplify a body, widen the element type to f32/i32, print dynamic-shaped arguments static.
They know the model only, never the compiler: the minimizer judges what they propose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from fuzzir.families import family_of
from fuzzir.model import (
    NUMPY_DTYPE,
    SCATTER,
    AffineExpr,
    Expr,
    LinalgOp,
    Literal,
    LiteralKind,
    Program,
    Ref,
    TensorOp,
    TensorType,
)

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


def remap_op(op: LinalgOp, mapping: dict[Ref, Ref]) -> LinalgOp:
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
    ops = tuple(remap_op(op, mapping) for op in program.ops)
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
        ops = [remap_op(op, mapping) for j, op in enumerate(p.ops) if j != i]
        results = tuple(_remap(r, mapping) for r in p.results if not (r.kind == "op" and r.index == i))
        yield compact(Program(p.args, p.literals, tuple(ops), results, p.dynamic))


def drop_output(program: Program) -> Candidates:
    """Remove one output of a multi-result op (whose value no other output's body reads); its uses
    read a fresh argument instead."""
    for i, op in enumerate(program.ops):
        n_in, n_out = len(op.ins), len(op.inits)
        if isinstance(op, TensorOp):  # a scan's accumulator is part of the op
            continue
        for k in reversed(range(n_out)):
            if n_out < 2 or any(b.reads(n_in + k) for j, b in enumerate(op.bodies) if j != k):
                continue
            p, fresh = _with_fresh_arg(program, op.result_types[k])
            new = op.without_output(k)
            if not new.more and op.family == "multi_result":
                new = dataclasses.replace(new, family=family_of("linalg.generic", new.iterators, new.all_maps))
            mapping = {Ref("op", i, k): fresh}
            mapping.update({Ref("op", i, j): Ref("op", i, j - 1) for j in range(k + 1, n_out)})
            ops = [remap_op(o, mapping) for o in p.ops]
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
        lits[ref.index] = Literal(lit.kind, t, np.ascontiguousarray(data))  # a reshape no longer fits: dropped
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
    """Reshaped -> plain, global or dense_resource -> dense constant, dense -> splat, values -> ones.

    Scatter indices are left alone: their rows must stay unique and in bounds."""
    indices = {op.ins[1] for op in program.ops if op.family == SCATTER}
    for i, lit in enumerate(program.literals):
        if Ref("lit", i) in indices:
            continue
        options: list[Literal] = []
        if lit.reshape is not None:
            options.append(dataclasses.replace(lit, reshape=None))
        if lit.kind in (LiteralKind.GLOBAL, LiteralKind.RESOURCE):
            options.append(dataclasses.replace(lit, kind=LiteralKind.DENSE))
        flat = np.asarray(lit.data).reshape(-1)
        dense = lit.kind in (LiteralKind.DENSE, LiteralKind.GLOBAL, LiteralKind.RESOURCE)
        if dense and flat.size and not np.all(flat == flat[0]):
            options.append(dataclasses.replace(lit, kind=LiteralKind.SPLAT,
                                               data=np.full(lit.type.shape, flat[0], flat.dtype)))
        if lit.kind is not LiteralKind.EMPTY and flat.size and not np.all(flat == 1):
            options.append(dataclasses.replace(lit, data=np.ones(lit.type.shape, flat.dtype)))
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
    """Replace a body subexpression by one of its operands, or by a block argument it reads (which
    removes a round trip through another type; ill-typed candidates fail `validate`). Generic ops only."""
    for i, op in enumerate(program.ops):
        if op.is_named:
            continue
        for k, old in enumerate(op.bodies):
            for path, sub in _subexprs(old):
                reads = [Expr.arg(j) for j in sorted({e.index for e in sub.walk() if e.op == "arg"})]
                for a in (*sub.args, *(r for r in reads if r not in sub.args)):
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
    """f16, bf16 -> f32 and i8, i16 -> i32 everywhere (a body's round trip through the new type
    then fails `validate`: such programs keep their type)."""
    wider = {"f16": "f32", "bf16": "f32", "i8": "i32", "i16": "i32"}
    if not any(d in wider for d in program.dtypes()):
        return

    def tt(t: TensorType) -> TensorType:
        return TensorType(t.shape, wider.get(t.dtype, t.dtype))

    lits = tuple(Literal(lit.kind, tt(lit.type), np.asarray(lit.data).astype(NUMPY_DTYPE[tt(lit.type).dtype]),
                         lit.reshape and dataclasses.replace(lit.reshape, source=tt(lit.reshape.source)))
                 for lit in program.literals)
    # Body op names (addf, addi) do not depend on the width, so only the types change (a body node
    # typed as the op's new element type drops its type, as the parser would read it).
    ops = tuple(dataclasses.replace(op, result_type=tt(op.result_type),
                                    body=_retag(op.body, tt(op.result_type).dtype),
                                    more=tuple(dataclasses.replace(o, result_type=tt(o.result_type),
                                                                   body=_retag(o.body, tt(o.result_type).dtype))
                                               for o in op.more))
                for op in program.ops)
    yield Program(tuple(tt(t) for t in program.args), lits, ops, program.results, program.dynamic)


def _retag(e: Expr, dtype: str) -> Expr:
    args = tuple(_retag(a, dtype) for a in e.args)
    return dataclasses.replace(e, args=args, dtype="" if e.dtype == dtype else e.dtype)


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
