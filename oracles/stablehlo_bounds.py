"""How far two correct evaluations of a StableHLO program's outputs may lie apart, and which StableHLO leaves open.

XLA and IREE evaluate the same program in different orders: reductions and dot
products are split, vectorized and reassociated, multiplies and adds are fused (FMA),
denormals may be flushed. Neither is wrong, so the XLA reference compares a float
output that is not established exact (`value_facts`) within a bound derived here,
by a forward error analysis of the StableHLO entry function itself.

Every value `v` gets two numbers that hold for each of its elements: a magnitude
bound `B` (|v| <= B, in exact arithmetic) and an error bound `E` (|computed v - v| <= E
for *any* evaluation order). Arguments take B from the actual inputs, constants from
their literal, both with E = 0. With `u` the unit roundoff of the op's float type and
`t` its smallest normal number (what a flushed denormal may lose):

- add, subtract: B = Ba + Bb, E = Ea + Eb + u B + t;
- multiply: B = Ba Bb, E = Ea Bb + Eb Ba + Ea Eb + u B + t;
- maximum, minimum, clamp, select (with an exact predicate), negate, abs, and every op that only
  moves elements (reshape, broadcast, transpose, slice, pad, concatenate,
  dynamic_update_slice ...): the largest B and E of the operands they pick from;
- reduce and reduce_window with an `add` body over n elements (n from the shapes, or the window):
  B = n Bx + Binit, E = n Ex + Einit + g(n + 1) B + n t, with g(k) = k u / (1 - k u) (Higham's
  bound for a sum in any association); a max or min body keeps the largest B and E;
- dot_general with K contracted elements (over-estimated as the smaller operand's size):
  B = K Ba Bb, E = K (Ea Bb + Eb Ba + Ea Eb) + g(K + 1) B + K t;
- scatter adding n updates (the updates' size) into one element: as reduce; replacing: as select;
- convert to a float type: E + u B + t; convert from an integer: exact below 2^(mantissa + 1).

The two evaluations then differ by at most 2E. Anything else (division, transcendental
functions, a comparison or integer conversion of an inexact float, CHLO) has no bound here:
its outputs are not compared, and the reason says which op. The bound is loose on purpose:
a missed bug costs less than a false positive. Integer values take the same rules with u = t = 0
(they are exact), and their magnitude bound says where they may overflow.

What StableHLO leaves implementation-defined or undefined, two correct implementations may
disagree on whatever the values: an output such a value reaches is marked `undefined`
(`OutputBound.undefined`) and is not compared, integer or float, exact or not:

- a `reduce` or `reduce_window` combines its init into each result "an implementation-defined
  amount" of times: an init that is not its body's identity (a sum starting at 2; a max starting
  above some input value) gives implementation-defined values;
- integer overflow (an add, multiply, reduction or conversion whose magnitude bound leaves the
  type's range; an unsigned subtract or negate; a division of the type's minimum);
- a scatter that overwrites without `unique_indices` (updates apply in an implementation-defined
  order), or promises sorted indices not known to be sorted (undefined behaviour);
- a shift by an amount not known to lie within the type's width;
- any op the walk does not know (a sort that need not be stable, a loop, a custom call ...).

The module is long: one walk, one rule per kind of op; splitting it would scatter the walk's state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fuzzir.mlir_walk import literal_elements
from fuzzir.source import resource_array, resource_name

__all__ = ["Bound", "OutputBound", "identity_problem", "output_bounds", "overflow_problem"]

#: Unit roundoff and smallest normal number of each float type.
_FLOATS = {"f64": (2.0**-53, 2.0**-1022), "f32": (2.0**-24, 2.0**-126), "f16": (2.0**-11, 2.0**-14),
           "bf16": (2.0**-8, 2.0**-126)}
_MANTISSA = {"f64": 53, "f32": 24, "f16": 11, "bf16": 8}
_SUM = ("stablehlo.add", "stablehlo.subtract")
_PICK = ("stablehlo.maximum", "stablehlo.minimum", "stablehlo.clamp", "stablehlo.negate", "stablehlo.abs")
_MOVES = ("stablehlo.reshape", "stablehlo.broadcast_in_dim", "stablehlo.broadcast", "stablehlo.transpose",
          "stablehlo.slice", "stablehlo.reverse", "stablehlo.pad", "stablehlo.concatenate",
          "stablehlo.dynamic_update_slice", "stablehlo.copy", "stablehlo.optimization_barrier")
_INDEXED = ("stablehlo.dynamic_slice", "stablehlo.gather")  # operand first, then exact indices
_REDUCTIONS = ("stablehlo.reduce", "stablehlo.reduce_window", "stablehlo.dot_general", "stablehlo.scatter")
#: Ops whose integer results the float rules bound too (with no rounding: u = t = 0).
_SHARED = (*_SUM, "stablehlo.multiply", *_PICK, *_MOVES, *_INDEXED, "stablehlo.select", "stablehlo.convert",
           *_REDUCTIONS)
#: Integer ops whose result may leave the type's range (implementation-defined in StableHLO).
_OVERFLOWING = (*_SUM, "stablehlo.multiply", "stablehlo.negate", "stablehlo.abs", "stablehlo.convert",
                "stablehlo.divide", *_REDUCTIONS)
#: Ops whose semantics the walk knows (defined, or with the cases above marked): any other op (a sort that
#: need not be stable, a loop, a custom call ...) may be implementation-defined, and what it reaches is
#: not compared.
_KNOWN = (*_SHARED, "stablehlo.constant", "stablehlo.iota", "stablehlo.compare", "stablehlo.and", "stablehlo.or",
          "stablehlo.xor", "stablehlo.not", "stablehlo.shift_left", "stablehlo.shift_right_arithmetic",
          "stablehlo.shift_right_logical", "stablehlo.popcnt", "stablehlo.count_leading_zeros", "stablehlo.sign",
          "stablehlo.divide", "stablehlo.remainder")


@dataclass(frozen=True)
class Bound:
    """Magnitude and error bounds of every element of one value; `why` says why there is none."""

    b: float = 0.0
    e: float = 0.0
    why: str = ""


@dataclass(frozen=True)
class OutputBound:
    """One output: how far two correct evaluations may differ (`tolerance`), or why no bound is derived
    (`why`); `undefined` says why StableHLO leaves its value implementation-defined ("" when it does not)."""

    tolerance: float | None = None
    why: str = ""
    undefined: str = ""


_ADDITIVE = ("stablehlo.add", "stablehlo.or", "stablehlo.xor")  # identity: zero


def _init_value(ir: object, value: object) -> float | None:
    """The value of a reduction's init when it is a constant (None otherwise)."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "stablehlo.constant":
        return None
    attr = owner.attributes["value"]
    if not isinstance(attr, ir.DenseElementsAttr) or not attr.is_splat:
        return None
    got = getattr(attr.get_splat_value(), "value", None)
    return None if got is None else float(got)


def identity_problem(ir: object, op: object, inputs: Bound) -> str:
    """Why a reduce or reduce_window's result is implementation-defined ("" when its init changes nothing).

    The init is harmless when it is the body's identity: zero for add, or and xor; for maximum (minimum),
    any init no greater (no less) than every value the input can hold (-B, +B by its magnitude bound
    `inputs`), -inf (+inf) included: a max is the same however many times it is taken."""
    name = op.operation.name
    if name not in ("stablehlo.reduce", "stablehlo.reduce_window"):
        return ""
    body = _body_op(op)
    inits = list(op.operands)[len(op.operands) // 2:]
    if len(inits) != 1:
        return f"a variadic {name}: its inits' effect is not analysed"
    value = _init_value(ir, inits[0])
    if value is None:
        return f"a {name} whose init is not a constant: implementation-defined unless it is the identity"
    harmless = ((body in _ADDITIVE and value == 0) or
                (body == "stablehlo.maximum" and not inputs.why and value <= -inputs.b) or
                (body == "stablehlo.minimum" and not inputs.why and value >= inputs.b))
    if harmless:
        return ""
    return (f"a {name} of {body or 'a body of several ops'} with init {value:g}, not its identity: StableHLO "
            "leaves the result implementation-defined")


_COMBINING = ("stablehlo.add", "stablehlo.multiply", "stablehlo.maximum", "stablehlo.minimum", "stablehlo.and",
              "stablehlo.or", "stablehlo.xor")


def scatter_problem(ir: object, op: object) -> str:
    """Why a scatter's result is implementation-defined or undefined ("" when it is neither).

    StableHLO applies the updates in an implementation-defined order: with a body that does not
    combine them alike in any order (an overwrite), overlapping updates land in any order unless the
    program promises `unique_indices`. A promise of sorted indices is undefined behaviour when they are
    not, which fuzzir checks only for constant indices."""
    if op.operation.name != "stablehlo.scatter":
        return ""
    attrs = op.attributes

    def flag(name: str) -> bool:
        return name in attrs and bool(ir.BoolAttr(attrs[name]).value)

    if flag("indices_are_sorted"):
        index = op.operands[(len(op.operands) - 1) // 2]  # inputs..., indices, updates...
        owner = index.owner
        values = None
        if not isinstance(owner, ir.Block) and owner.operation.name == "stablehlo.constant":
            try:
                values = np.asarray(np.array(owner.attributes["value"]), dtype=np.int64).ravel()
            except (TypeError, ValueError, RuntimeError):
                values = None
        if values is None or np.any(np.diff(values) < 0):
            return "a scatter that promises sorted indices, which are not known to be sorted: undefined behaviour"
    if _body_op(op) not in _COMBINING and not flag("unique_indices"):
        return "a scatter that overwrites without unique indices: which update lands is implementation-defined"
    return ""


def _gamma(k: float, u: float) -> float:
    return math.inf if k * u >= 0.5 else k * u / (1 - k * u)


def _etype(t: object) -> str:
    element = getattr(t, "element_type", None)
    return str(element if element is not None else t)


def _size(ir: object, t: object) -> int:
    try:
        return int(np.prod(ir.ShapedType(t).shape, dtype=np.int64))
    except ValueError:
        return 1


def _constant(ir: object, op: object, text: str) -> Bound:
    attr = op.attributes["value"]
    values = None
    if isinstance(attr, ir.DenseElementsAttr) and attr.is_splat:
        splat = attr.get_splat_value()
        values = np.asarray([getattr(splat, "value", math.inf)], dtype=np.float64)
    else:
        try:
            values = np.asarray(np.array(attr), dtype=np.float64)
        except (TypeError, ValueError, RuntimeError):
            values = literal_elements(op)
            name = resource_name(attr)
            if values is None and name is not None:
                t = ir.ShapedType(op.results[0].type)
                values = resource_array(text, name, _etype(t), tuple(t.shape))
    if values is None:
        return Bound(why="a constant whose values could not be read")
    values = np.abs(np.asarray(values, dtype=np.float64))
    if values.size and not np.all(np.isfinite(values)):
        return Bound(why="a constant holds a non-finite value")
    return Bound(float(values.max(initial=0.0)))


def _body_op(op: object) -> str:
    """The op a reduction body applies to its two block arguments ("" when it is not one such op)."""
    ops = list(op.regions[0].blocks[0].operations)
    block = op.regions[0].blocks[0]
    if len(ops) == 1 and ops[0].operation.name == "stablehlo.return":
        returned = ops[0].operands[0]
        if returned == block.arguments[len(block.arguments) - 1]:
            return "replace"
        return ""
    if len(ops) != 2 or len(ops[0].operands) != 2:
        return ""
    return ops[0].operation.name


def _sum(n: int, x: Bound, init: Bound, u: float, t: float) -> Bound:
    b = n * x.b + init.b
    return Bound(b, n * x.e + init.e + _gamma(n + 1, u) * b + n * t)


class _Walk:
    """One walk of the entry function's ops, each value's `Bound` from its operands'."""

    def __init__(self, ir: object, text: str) -> None:
        self.ir = ir
        self.text = text
        self.values: dict[object, Bound] = {}
        self.undefined: dict[object, str] = {}

    def step(self, op: object) -> None:
        """Bound `op`'s results, and carry forward why any of them is implementation-defined."""
        undefined = identity_problem(self.ir, op, self.get(op.operands[0]) if len(op.operands) else Bound()) or next(
            (self.undefined[v] for v in op.operands if self.undefined.get(v)), "")
        bound = self.op(op)
        etype = _etype(op.results[0].type) if len(op.results) else ""
        name = op.operation.name
        undefined = (undefined or (f"{name} is not analysed" if name not in _KNOWN else "") or
                     scatter_problem(self.ir, op) or shift_problem(self.ir, op) or overflow_problem(name, etype, bound))
        for r in op.results:
            self.values[r] = bound
            if undefined:
                self.undefined[r] = undefined

    def get(self, value: object) -> Bound:
        return self.values.get(value, Bound(why="a value the analysis did not reach"))

    def op(self, op: object) -> Bound:
        ir = self.ir
        name = op.operation.name
        ins = [self.get(v) for v in op.operands]
        etype = _etype(op.results[0].type) if len(op.results) else ""
        u, t = _FLOATS.get(etype, (0.0, 0.0))
        is_float = etype in _FLOATS
        if name in ("stablehlo.reduce", "stablehlo.reduce_window") and len(ins) == 2 and not ins[0].why and (
                _body_op(op) in ("stablehlo.maximum", "stablehlo.minimum")) and not identity_problem(ir, op, ins[0]):
            return ins[0]  # the init changes no value: the result is one of the input's elements
        failed = next((b for b in ins if b.why), None)
        if name == "stablehlo.constant":
            return _constant(ir, op, self.text)
        if name == "stablehlo.iota":
            return Bound(float(max(ir.ShapedType(op.results[0].type).shape, default=1)))
        if failed is not None:
            return failed
        if not is_float and name == "stablehlo.convert" and _etype(op.operands[0].type) in _FLOATS:
            return Bound(why="a float converted to an integer may differ") if ins[0].e else ins[0]
        if not is_float and name not in _SHARED:
            return self._integer(name, ins)
        if name in _SUM:
            b = ins[0].b + ins[1].b
            return Bound(b, ins[0].e + ins[1].e + u * b + t)
        if name == "stablehlo.multiply":
            (x, y) = ins
            b = x.b * y.b
            return Bound(b, x.e * y.b + y.e * x.b + x.e * y.e + u * b + t)
        if name in _PICK or name in _MOVES:
            return Bound(max(x.b for x in ins), max(x.e for x in ins))
        if name in _INDEXED:
            if any(x.e for x in ins[1:]):
                return Bound(why=f"{name} indexed by an inexact value")
            return ins[0]
        if name == "stablehlo.select":
            if ins[0].e:
                return Bound(why="a select on an inexact predicate")
            return Bound(max(ins[1].b, ins[2].b), max(ins[1].e, ins[2].e))
        if name == "stablehlo.convert":
            source = _etype(op.operands[0].type)
            if source in _FLOATS:
                return Bound(ins[0].b, ins[0].e + u * ins[0].b + t)
            exact = ins[0].b <= 2.0 ** _MANTISSA[etype] and not ins[0].e
            return Bound(ins[0].b, 0.0 if exact else u * ins[0].b + t)
        if name in ("stablehlo.reduce", "stablehlo.reduce_window") and len(op.operands) == 2:
            n = _size(ir, op.operands[0].type) // max(1, _size(ir, op.results[0].type))
            if name == "stablehlo.reduce_window":
                n = int(np.prod(list(ir.DenseI64ArrayAttr(op.attributes["window_dimensions"])), dtype=np.int64))
            return self._reduce(op, name, n, ins[0], ins[1], u, t)
        if name == "stablehlo.dot_general":
            k = min(_size(ir, op.operands[0].type), _size(ir, op.operands[1].type))
            x, y = ins
            b = k * x.b * y.b
            return Bound(b, k * (x.e * y.b + y.e * x.b + x.e * y.e) + _gamma(k + 1, u) * b + k * t)
        if name == "stablehlo.scatter" and len(op.operands) == 3:
            if ins[1].e:
                return Bound(why="a scatter indexed by an inexact value")
            return self._reduce(op, name, _size(ir, op.operands[2].type), ins[2], ins[0], u, t)
        return Bound(why=f"{name} has no error bound here")

    def _reduce(self, op: object, name: str, n: int, x: Bound, init: Bound, u: float, t: float) -> Bound:
        body = _body_op(op)
        if body == "stablehlo.add":
            return _sum(n, x, init, u, t)
        if body in ("stablehlo.maximum", "stablehlo.minimum", "replace"):
            return Bound(max(x.b, init.b), max(x.e, init.e))
        return Bound(why=f"a {name} whose body is {body or 'not one op'} has no error bound here")

    def _integer(self, name: str, ins: list[Bound]) -> Bound:
        """An integer or boolean value from an op the float rules do not cover: exact unless it comes from an
        inexact float (a compare); its magnitude where an op keeps it, else not tracked (inf)."""
        if any(b.e for b in ins):
            return Bound(why=f"{name} of an inexact float makes an integer that may differ")
        if name == "stablehlo.compare":
            return Bound(1.0)
        if name == "stablehlo.divide":
            return Bound(ins[0].b)
        if name == "stablehlo.remainder":
            return Bound(min(ins[0].b, ins[1].b))
        return Bound(math.inf)  # exact, of a magnitude not tracked (bitwise ops, shifts ...)


def shift_problem(ir: object, op: object) -> str:
    """Why a shift's result is not defined by the spec ("" when its amounts are constants within the width)."""
    name = op.operation.name
    if not name.startswith("stablehlo.shift_"):
        return ""
    amount = op.operands[1]
    etype = _etype(amount.type)
    bits = int(etype.lstrip("ui")) if etype.lstrip("ui").isdigit() else 0
    owner = amount.owner
    if not isinstance(owner, ir.Block) and owner.operation.name == "stablehlo.constant":
        try:
            values = np.asarray(np.array(owner.attributes["value"]), dtype=np.int64)
        except (TypeError, ValueError, RuntimeError):
            values = None
        if values is not None and values.size and 0 <= values.min() and values.max() < bits:
            return ""
    return f"a {name} by an amount not known to lie in [0, {bits}): the spec does not define its result"


def overflow_problem(name: str, etype: str, bound: Bound) -> str:
    """Why an integer op's result may overflow its type ("" when it cannot): implementation-defined in StableHLO."""
    if name not in _OVERFLOWING or not etype.startswith(("i", "ui")) or etype == "i1" or bound.why:
        return ""
    digits = etype[2:] if etype.startswith("ui") else etype[1:]
    if not digits.isdigit():
        return ""
    bits = int(digits)
    if etype.startswith("ui") and name in ("stablehlo.subtract", "stablehlo.negate"):
        return f"{name} on {etype} may wrap below zero: implementation-defined in StableHLO"
    high = 2.0**bits - 1 if etype.startswith("ui") else 2.0 ** (bits - 1) - 1
    if bound.b <= high:
        return ""
    return f"{name} may overflow {etype} (values up to {bound.b:g}): implementation-defined in StableHLO"


def output_bounds(text: str, function: str, inputs: list[np.ndarray]) -> list[OutputBound]:
    """Per output of `function`: how far two correct evaluations may differ (2E), or why no bound is derived."""
    try:
        return _output_bounds(text, function, inputs)
    except Exception as e:  # noqa: BLE001 - IR fuzzir did not write: any surprise means "no bound"
        why = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        why = f"the program could not be analysed: {why}"
        return [OutputBound(why=why, undefined=why)] * 64


def _output_bounds(text: str, function: str, inputs: list[np.ndarray]) -> list[OutputBound]:
    from iree.compiler import ir

    with ir.Context():
        module = ir.Module.parse(text)
        entry = next((op for op in module.body.operations if op.operation.name == "func.func"
                      and ir.StringAttr(op.attributes["sym_name"]).value == function), None)
        if entry is None:
            return []
        walk = _Walk(ir, text)
        block = entry.regions[0].blocks[0]
        for k, arg in enumerate(block.arguments):
            x = np.asarray(inputs[k], dtype=np.float64) if k < len(inputs) else None
            if x is None or (x.size and not np.all(np.isfinite(x))):
                walk.values[arg] = Bound(why=f"argument #{k} is not finite")
            else:
                walk.values[arg] = Bound(float(np.abs(x).max(initial=0.0)))
        out: list[OutputBound] = []
        for op in block.operations:
            if op.operation.name == "func.return":
                for v in op.operands:
                    got = walk.get(v)
                    why = got.why or ("" if math.isfinite(got.e) else "its error bound is infinite")
                    out.append(OutputBound(None if why else 2 * got.e, why, walk.undefined.get(v, "")))
                break
            walk.step(op)
        return out
