"""The one-feature-at-a-time rewrites blame runs: each changes one thing about a program and keeps the rest.

Every rewrite returns the changed program text, its inputs (the old ones, plus new arguments'
values), and its model when the program has one (so the numpy reference judges the changed
program as it judged the original), or a one-line reason it does not apply. They know programs
only, never the compiler: `fuzzir.blame` compiles and runs what they make.

- `constants_as_arguments`: every constant reaching a destination becomes a trailing function
  argument carrying the same values (the function computed is unchanged);
- `constants_off_destinations`: the destinations get arguments with the same values while the
  constants stay in the program, returned (model only): the constant without its destination role;
- `inits_as_fill`: every constant init becomes `tensor.empty` + `linalg.fill` of one value (the
  function changes; only the model's reference can judge it, so it needs the model);
- `wider_types`: f16/bf16 -> f32 and i8/i16 -> i32 throughout, inputs cast exactly (model only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fuzzir.emit import emit
from fuzzir.model import CONSTANT_INIT_KINDS, NUMPY_DTYPE, Literal, LiteralKind, Program, Ref
from fuzzir.oracles.constants_to_args import NO_CONSTANT, constants_to_args
from fuzzir.oracles.lowering import lower
from fuzzir.shrink import compact, remap_op, widen_types


@dataclass(frozen=True)
class Rewrite:
    """A changed program, or why the change does not apply (`problem`)."""

    text: str = ""
    inputs: tuple[np.ndarray, ...] = ()
    program: Program | None = None
    what: str = ""  # what changed, for people
    problem: str = ""


def _constant_inits(program: Program) -> list[int]:
    """Indices of the literals that are constants under test and reach some op's destination: as the
    destination itself, or through ops computed from literals alone (a bias broadcast into a conv's
    `outs`, a sum of two constants: IREE folds such a value into one constant, which is what the
    destination then holds). A frontend program's destinations are mostly of the second kind."""
    sources: dict[int, set[int]] = {}  # op index -> the literals it is computed from, for ops no argument reaches
    for i, op in enumerate(program.ops):
        lits: set[int] = set()
        for r in (*op.ins, *op.inits):
            if r.kind == "lit":
                lits.add(r.index)
            elif r.kind == "op" and r.index in sources:
                lits |= sources[r.index]
            else:
                break
        else:
            sources[i] = lits
    used: set[int] = set()
    for op in program.ops:
        for r in op.inits:
            if r.kind == "lit":
                used.add(r.index)
            elif r.kind == "op" and r.index in sources:
                used |= sources[r.index]
    return [i for i in sorted(used) if program.literals[i].init_kind in CONSTANT_INIT_KINDS]


def _replace_literals(program: Program, mapping: dict[Ref, Ref]) -> Program:
    ops = tuple(remap_op(op, mapping) for op in program.ops)
    results = tuple(mapping.get(r, r) for r in program.results)
    return compact(program.replace(ops=ops, results=results))


def constants_as_arguments(text: str, filename: str, function: str, inputs: list[np.ndarray],
                           program: Program | None, timeout: float = 60.0) -> Rewrite:
    """Every constant that reaches a destination passed in as an argument with the same values."""
    if program is not None:
        lits = _constant_inits(program)
        if not lits:
            return Rewrite(problem=NO_CONSTANT)
        mapping = {Ref("lit", i): Ref("arg", len(program.args) + k) for k, i in enumerate(lits)}
        args = (*program.args, *(program.literals[i].type for i in lits))
        changed = _replace_literals(program.replace(args=args), mapping)
        values = tuple(np.asarray(program.literals[i].data).reshape(program.literals[i].type.shape) for i in lits)
        return Rewrite(emit(changed), (*inputs, *values), changed,
                       f"{len(lits)} constant init(s) passed as arguments")
    lowered = lower(text, filename, timeout=timeout)
    if lowered.problem:
        return Rewrite(problem=f"the program could not be lowered to rewrite: {lowered.problem}")
    rewritten = constants_to_args(lowered.text, function)
    if rewritten.problem:
        return Rewrite(problem=rewritten.problem)
    return Rewrite(rewritten.text, (*inputs, *rewritten.values), None,
                   f"{', '.join(rewritten.names)} passed as arguments")


def constants_off_destinations(program: Program | None, inputs: list[np.ndarray]) -> Rewrite:
    """The destinations get arguments with the constants' values, and the constants stay in the program
    (each returned as an extra, last result): the constant is there, only not as a destination."""
    if program is None:
        return Rewrite(problem="outside fuzzir's model: no rewrite that keeps the constant off its destination")
    lits = _constant_inits(program)
    if not lits:
        return Rewrite(problem=NO_CONSTANT)
    mapping = {Ref("lit", i): Ref("arg", len(program.args) + k) for k, i in enumerate(lits)}
    args = (*program.args, *(program.literals[i].type for i in lits))
    moved = program.replace(args=args, ops=tuple(remap_op(op, mapping) for op in program.ops))
    changed = compact(moved.replace(results=(*program.results, *(Ref("lit", i) for i in lits))))
    values = tuple(np.asarray(program.literals[i].data).reshape(program.literals[i].type.shape) for i in lits)
    return Rewrite(emit(changed), (*inputs, *values), changed,
                   f"{len(lits)} destination(s) given arguments, the constant(s) returned instead")


def inits_as_fill(program: Program | None, inputs: list[np.ndarray], value: float | None = None) -> Rewrite:
    """Every constant init as a fill of one value: `value`, or each constant's own value (splats only)."""
    if program is None:
        return Rewrite(problem="outside fuzzir's model: no reference for a program with other init values")
    lits = _constant_inits(program)
    if not lits:
        return Rewrite(problem=NO_CONSTANT)
    new = list(program.literals)
    for i in lits:
        lit = program.literals[i]
        data = np.asarray(lit.data)
        if value is None:
            flat = data.reshape(-1)
            if flat.size and not np.all(flat == flat[0]):
                return Rewrite(problem="a constant init is not a splat: it has no one value of its own")
            fill = flat[0] if flat.size else 0
        else:
            fill = value
        new[i] = Literal(LiteralKind.FILL, lit.type, np.full(lit.type.shape, fill, dtype=NUMPY_DTYPE[lit.type.dtype]))
    changed = program.replace(literals=tuple(new))
    what = "constant init(s) filled with " + ("their own value" if value is None else repr(value))
    return Rewrite(emit(changed), tuple(inputs), changed, what)


def wider_types(program: Program | None, inputs: list[np.ndarray]) -> Rewrite:
    """The program in the wider type of each narrow type's class, inputs cast exactly."""
    if program is None:
        return Rewrite(problem="outside fuzzir's model: no exact type rewrite")
    wide = next(widen_types(program), None)
    if wide is None:
        return Rewrite(problem="no f16, bf16, i8 or i16 in the program")
    try:
        wide.validate()
    except ValueError as e:
        return Rewrite(problem=f"the widened program is not valid ({str(e).splitlines()[0][:120]})")
    cast = tuple(np.asarray(x).astype(NUMPY_DTYPE[t.dtype]) for x, t in zip(inputs, wide.args, strict=True))
    return Rewrite(emit(wide), cast, wide, "element types widened to f32/i32")
