"""Reducing a StableHLO or TOSA finding in its own dialect, so the minimized program is still one a user writes.

IREE's reducer (`fuzzir.reduce_any`) registers no frontend dialect: a frontend finding reduced by
it comes back as IREE's input-phase linalg, often larger than the program it came from, and a
cause inside the input conversion does not survive the lowering at all. This reducer edits the
program itself with IREE's Python bindings (which parse StableHLO and TOSA), greedy and
deterministic, largest deletion first, like one ddmin step per edit:

- `drop-result`: a function returning several values returns one fewer;
- `bypass-op`: an op's results are replaced by an operand of the same type (a returned result
  by any tensor operand, the function's result type following it), so the op disappears;
- `op-to-argument`: an op's results become new function arguments, so the op and everything
  only it used disappear (the biggest cut, when the finding lives downstream of it);
- `constant-to-argument`: a constant becomes a new function argument;
- `splat-constant`: a non-splat constant becomes a splat of its first element (when the
  finding does not need its values).

After each edit, ops left without uses and arguments no op reads are dropped. A candidate is
kept only when it still shows the finding's signature key in the finding's cell, judged by
`fuzzir.reduce_any.interesting` in a child process killed at the deadline, so the budget holds
whatever the machine's load; the first kept candidate starts the next round. Each check
compiles and runs, so the candidates stay few: top-level ops of the entry function only, each
edit tried once (one that failed is not tried again in a later round), and candidates that
would leave no computing op at all are not tried. A finding whose cell needs a device this
machine lacks is checked as it is first: stored elsewhere, it may not show here at all, and
then every candidate would fail.

Edits never change a value that selects rather than computes: scatter and gather indices,
dynamic slice offsets, divisors and shift amounts, TOSA zero points, shifts, multipliers and
shapes, loop-carried values. An argument there would be drawn at random, and an index out of
bounds, a duplicate index under `unique_indices`, a zero divisor or a shift out of range is
undefined behaviour: a false positive, which is worse than a larger program.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from fuzzir.frontend_facts import LINALG, frontend_of
from fuzzir.judge import Settings
from fuzzir.reduce_any import interesting_within, reducer_spec
from fuzzir.source import SourceError, read_source
from fuzzir.targets import Cell, device_available

__all__ = ["FrontendReduction", "is_frontend_program", "reduce_frontend"]

#: Constant ops and the attribute holding their value.
CONSTANTS = {"stablehlo.constant": "value", "tosa.const": "values", "arith.constant": "value"}
#: Operands from this position on select rather than compute (see the module docstring).
_FIXED_FROM = {
    "tosa.conv2d": 3, "tosa.conv3d": 3, "tosa.depthwise_conv2d": 3, "tosa.transpose_conv2d": 3,
    "tosa.matmul": 2, "tosa.mul": 2, "tosa.rescale": 1, "tosa.avg_pool2d": 1, "tosa.negate": 1,
    "tosa.pad": 1, "tosa.slice": 1, "tosa.reshape": 1, "tosa.tile": 1, "tosa.gather": 1, "tosa.resize": 1,
    "tosa.table": 1, "tosa.intdiv": 1, "tosa.logical_left_shift": 1, "tosa.logical_right_shift": 1,
    "tosa.arithmetic_right_shift": 1, "tosa.pow": 1,
    "stablehlo.gather": 1, "stablehlo.dynamic_gather": 1, "stablehlo.dynamic_slice": 1,
    "stablehlo.dynamic_update_slice": 2, "stablehlo.real_dynamic_slice": 1, "stablehlo.dynamic_pad": 2,
    "stablehlo.dynamic_broadcast_in_dim": 1, "stablehlo.dynamic_reshape": 1, "stablehlo.dynamic_iota": 0,
    "stablehlo.dynamic_conv": 2, "stablehlo.divide": 1, "stablehlo.remainder": 1, "stablehlo.power": 1,
    "stablehlo.shift_left": 1, "stablehlo.shift_right_logical": 1, "stablehlo.shift_right_arithmetic": 1,
    "stablehlo.while": 0, "stablehlo.case": 0, "stablehlo.if": 0, "stablehlo.custom_call": 0,
    "stablehlo.composite": 0, "stablehlo.rng": 0, "stablehlo.rng_bit_generator": 0,
    "stablehlo.select_and_scatter": 0, "stablehlo.sort": 0,
    "arith.divsi": 1, "arith.divui": 1, "arith.remsi": 1, "arith.remui": 1, "arith.shli": 1,
    "arith.shrsi": 1, "arith.shrui": 1,
}
#: Single operands that select (the indices of a scatter; its updates compute).
_FIXED_AT = {"stablehlo.scatter": (1,), "tosa.scatter": (1,)}
#: Edit kinds, in the order tried when two candidates leave as many ops.
KINDS = ("drop-result", "bypass-op", "op-to-argument", "constant-to-argument", "splat-constant")
#: The most candidates one reduction checks: each one compiles and runs.
MAX_CHECKS = 40
#: Below this many seconds left, no check is started: it could not finish.
MIN_CHECK_SECONDS = 2.0


@dataclass
class FrontendReduction:
    text: str  # the reduced program, in the frontend dialect (the input when nothing was kept)
    seconds: float
    checks: int  # candidates judged
    accepted: list[str] = field(default_factory=list)  # the edit kind of each kept candidate
    problem: str = ""  # why the reducer did not run ("" when it did)
    reproduces: bool | None = None  # whether the input shows the signature here (None: not checked)


def is_frontend_program(text: str) -> bool:
    """Whether `text` is written in a frontend dialect (StableHLO, TOSA), the programs this reducer edits."""
    try:
        return frontend_of(read_source(text).op_names) != LINALG
    except (SourceError, ValueError):
        return False


def _fixed(use: object) -> bool:
    """Whether this use of a value selects rather than computes (its value must not change)."""
    name, k = use.owner.name, use.operand_number
    return k >= _FIXED_FROM.get(name, 1 << 30) or k in _FIXED_AT.get(name, ())


def _changeable(op: object) -> bool:
    """Whether every result of `op` may take another value (no use of it selects)."""
    return all(not _fixed(use) for r in op.results for use in r.uses)


def _entry(ir: object, module: object, name: str) -> object:
    for op in module.regions[0].blocks[0].operations:
        if op.operation.name in ("func.func", "util.func") and "sym_name" in op.attributes \
                and ir.StringAttr(op.attributes["sym_name"]).value == name:
            return op
    raise KeyError(name)


def _count(op: object) -> int:
    """How many ops `op` holds, itself excluded."""
    return sum(1 + _count(child) for region in op.regions for block in region.blocks for child in block.operations)


def _is_constant(op: object) -> bool:
    return op.operation.name in CONSTANTS


class _Edit:
    """One candidate edit of the entry function, named by kind and by the location of the op it
    edits in the original program (stable from round to round)."""

    def __init__(self, kind: str, key: str, position: int, apply: Callable[[object, object], bool]):
        self.kind, self.key, self.position, self.apply = kind, key, position, apply


def _set_signature(ir: object, func: object, results: list[object] | None = None,
                   dropped_result: int | None = None) -> None:
    """The function type from the block's arguments (and `results`), argument attributes kept in step."""
    block = func.regions[0].blocks[0]
    old = ir.FunctionType(ir.TypeAttr(func.attributes["function_type"]).value)
    outs = list(old.results) if results is None else results
    func.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get([a.type for a in block.arguments], outs))
    if dropped_result is not None and "res_attrs" in func.attributes:
        attrs = list(ir.ArrayAttr(func.attributes["res_attrs"]))
        func.attributes["res_attrs"] = ir.ArrayAttr.get(attrs[:dropped_result] + attrs[dropped_result + 1:])


def _new_argument(ir: object, func: object, type_: object, loc: object) -> object:
    block = func.regions[0].blocks[0]
    arg = block.add_argument(type_, loc)
    if "arg_attrs" in func.attributes:
        attrs = list(ir.ArrayAttr(func.attributes["arg_attrs"]))
        func.attributes["arg_attrs"] = ir.ArrayAttr.get([*attrs, ir.DictAttr.get({})])
    return arg


def _clean(ir: object, func: object) -> None:
    """Drop ops whose results nothing uses, then arguments nothing reads; the signature follows."""
    block = func.regions[0].blocks[0]
    changed = True
    while changed:
        changed = False
        for op in reversed(list(block.operations)[:-1]):
            if len(op.results) and all(not list(r.uses) for r in op.results):
                op.operation.erase()
                changed = True
    attrs = list(ir.ArrayAttr(func.attributes["arg_attrs"])) if "arg_attrs" in func.attributes else None
    for i in reversed(range(len(block.arguments))):
        if not list(block.arguments[i].uses):
            block.erase_argument(i)
            if attrs is not None:
                del attrs[i]
    if attrs is not None:
        func.attributes["arg_attrs"] = ir.ArrayAttr.get(attrs)
    _set_signature(ir, func)


def _returned_only(op: object, terminator: object) -> bool:
    return all(use.owner == terminator.operation for r in op.results for use in r.uses)


def _edits(ir: object, func: object) -> Iterator[_Edit]:
    """Every edit of `func`'s top-level ops, in the order written."""
    block = func.regions[0].blocks[0]
    ops = list(block.operations)
    terminator = ops[-1]
    returned = list(terminator.operands)
    if len(returned) > 1:
        for j, value in enumerate(returned):
            source = str(value.owner.location) if isinstance(value, ir.OpResult) else "argument"
            yield _Edit("drop-result", f"{j}:{source}", len(ops), _drop_result(ir, j))
    for i, op in enumerate(ops[:-1]):
        if not len(op.results) or not _changeable(op):
            continue
        key = str(op.location)
        if _is_constant(op):
            yield _Edit("constant-to-argument", key, i, _to_argument(ir, i))
            yield _Edit("splat-constant", key, i, _splat(ir, i))
        else:
            yield _Edit("bypass-op", key, i, _bypass(ir, i))
            yield _Edit("op-to-argument", key, i, _to_argument(ir, i))


def _drop_result(ir: object, j: int) -> Callable[[object, object], bool]:
    def apply(func: object, _block: object) -> bool:
        block = func.regions[0].blocks[0]
        terminator = list(block.operations)[-1]
        values = list(terminator.operands)
        kept = values[:j] + values[j + 1:]
        with ir.InsertionPoint(terminator), terminator.location:
            ir.Operation.create(terminator.name, operands=kept)
        terminator.erase()
        _set_signature(ir, func, [v.type for v in kept], dropped_result=j)
        return True
    return apply


def _bypass(ir: object, i: int) -> Callable[[object, object], bool]:
    def apply(func: object, block: object) -> bool:
        op = list(block.operations)[i]
        terminator = list(block.operations)[-1]
        operands = [v for v in op.operands if isinstance(v.type, ir.ShapedType)]
        returned_only = _returned_only(op, terminator)
        for r in op.results:
            same = [v for v in operands if v.type == r.type]
            if same:
                r.replace_all_uses_with(same[0])
            elif returned_only and operands:  # the function's result type follows the operand
                r.replace_all_uses_with(operands[0])
            else:
                r.replace_all_uses_with(_new_argument(ir, func, r.type, op.location))
        op.erase()
        if returned_only:
            _set_signature(ir, func, [v.type for v in terminator.operands])
        return True
    return apply


def _to_argument(ir: object, i: int) -> Callable[[object, object], bool]:
    def apply(func: object, block: object) -> bool:
        op = list(block.operations)[i]
        for r in op.results:
            r.replace_all_uses_with(_new_argument(ir, func, r.type, op.location))
        op.erase()
        return True
    return apply


def _splat(ir: object, i: int) -> Callable[[object, object], bool]:
    def apply(_func: object, block: object) -> bool:
        op = list(block.operations)[i]
        name = CONSTANTS[op.name]
        try:
            attr = op.attributes[name]
        except TypeError:  # a complex value the bindings cannot read
            return False
        if not isinstance(attr, ir.DenseIntElementsAttr | ir.DenseFPElementsAttr) or attr.is_splat:
            return False  # a resource blob, or nothing to splat
        etype = attr.type.element_type
        if isinstance(attr, ir.DenseIntElementsAttr):
            first = ir.IntegerAttr.get(etype, attr[0])
        else:
            first = ir.FloatAttr.get(etype, attr[0])
        op.attributes[name] = ir.DenseElementsAttr.get_splat(attr.type, first)
        return True
    return apply


@dataclass(frozen=True)
class _Candidate:
    ops: int
    rank: int
    position: int
    edit: _Edit
    module: object
    text: str


def _computes(func: object) -> bool:
    """Whether `func` still computes something: an op that is neither a constant nor its terminator."""
    ops = list(func.regions[0].blocks[0].operations)[:-1]
    return any(not _is_constant(op) for op in ops)


def _candidates(ir: object, module: object, function: str, current: str, tried: set[tuple[str, str]]) -> list:
    """The untried edits of `module` that verify and change it, fewest ops left first."""
    out, seen = [], {current}
    for edit in _edits(ir, _entry(ir, module, function)):
        if (edit.kind, edit.key) in tried:
            continue
        clone = module.operation.clone()
        func = _entry(ir, clone, function)
        try:
            if not edit.apply(func, func.regions[0].blocks[0]):
                continue
            _clean(ir, func)
            if not _computes(func) or not clone.verify():
                continue
        except (ir.MLIRError, ValueError, TypeError):  # an edit the IR or the bindings refuse: not a candidate
            continue
        text = clone.get_asm()
        if text not in seen:  # a bypass with no operand to take is the same edit as op-to-argument
            seen.add(text)
            out.append(_Candidate(_count(clone), KINDS.index(edit.kind), edit.position, edit, clone, text))
    return sorted(out, key=lambda c: (c.ops, c.rank, c.position))


def reduce_frontend(text: str, cell: Cell, key: str, settings: Settings, *, seed: int = 0,
                    time_budget: float = 30.0, filename: str = "program.mlir") -> FrontendReduction:
    """`text` reduced in its own dialect while it shows signature `key` in `cell`, within `time_budget` s."""
    from iree.compiler import ir

    start = time.monotonic()
    deadline = start + time_budget
    try:
        function = read_source(text, filename=filename).function
    except (SourceError, ValueError) as e:
        return FrontendReduction(text, 0.0, 0, problem=str(e))
    spec = reducer_spec(cell, key, settings, function, {}, seed)
    accepted: list[str] = []
    checks = 0
    tried: set[tuple[str, str]] = set()
    with ir.Context(), ir.Location.unknown():
        try:
            current = ir.Module.parse(text).operation
        except ir.MLIRError as e:
            return FrontendReduction(text, 0.0, 0, problem=f"invalid MLIR: {' '.join(str(e).split())[:200]}")
        current_text = current.get_asm()
        reproduces = None
        if not device_available(cell.target):  # a finding seen elsewhere may need a run this machine cannot do
            checks += 1
            reproduces = interesting_within(spec, text, max(0.0, deadline - time.monotonic()))
            if not reproduces:
                return FrontendReduction(text, time.monotonic() - start, checks, problem=(
                    f"it does not show its signature in its cell here (no {cell.target.name} device)"
                    if reproduces is False else "the budget ran out checking it"), reproduces=reproduces)
        progress = True
        while progress and checks < MAX_CHECKS:
            progress = False
            for cand in _candidates(ir, current, function, current_text, tried):
                left = deadline - time.monotonic()
                if left < MIN_CHECK_SECONDS or checks >= MAX_CHECKS:
                    break
                tried.add((cand.edit.kind, cand.edit.key))
                checks += 1
                verdict = interesting_within(spec, cand.text, left)
                if verdict is None:  # the budget ran out during the check
                    break
                if verdict:
                    current, current_text = cand.module, cand.text
                    accepted.append(cand.edit.kind)
                    progress = True
                    break
        final = current_text if accepted else text
    return FrontendReduction(final, time.monotonic() - start, checks, accepted, reproduces=reproduces)
