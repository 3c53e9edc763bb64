"""Which outputs of a program fuzzir did not write are exact, and which arguments are indices.

Without a model of the program there is no expected value, but two compiles of
the same program (two targets, `with` and `without`, constants as arguments)
must still agree, bit for bit, wherever every value is *exact*: integers, and
floats that stay integers within 2^(mantissa bits + 1) through ops that round
nothing (add, sub, mul, max, min, negation, abs, select, compares, casts). Then
any evaluation order gives the same bits (as the numpy reference's exactness rule).

This module establishes that by abstract interpretation of the input-phase IR
(`lowering`): every value gets an upper bound on its magnitude, whether it is
integral, which entry arguments it depends on, and the reason it is *not*
established, if any (an op not analysed, `divf`, `math.exp`, an uninitialized
`tensor.empty` read, a bound over the limit). Reductions are iterated (their
bodies re-evaluated once per reduction step, linear growth extrapolated).

Arguments whose values become indices cannot be drawn at random: out-of-bounds
indices are undefined behaviour, not bugs. Scatter indices that are entry
arguments are drawn in bounds and unique (`IndexSpec`). An argument (scalar or
tensor) that becomes an offset of `tensor.extract_slice`/`insert_slice` or an
index of `tensor.extract`/`insert` through arithmetic `index_ranges.Form` can
invert gets the interval of values that keeps every such use in bounds
(`Facts.ranges`). A shift amount is not an index, but an amount outside [0, width - 1] makes
the shift poison: an argument that becomes one is bounded the same way, and a constant amount
not known to lie within the width makes the result not exact (the data shifted, such as the
i64 arithmetic a TOSA `rescale` becomes, is an ordinary value). Any other index-like
argument (a dynamic size, a loop bound, an op not analysed that takes integers, arithmetic
not inverted, an empty interval) makes the value oracles abstain (`Facts.invalid`).

The module is long: one small handler per kind of op, all sharing one walk's
state (the values known so far); splitting it would scatter that state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from fuzzir.mlir_walk import inline_text, literal_elements
from fuzzir.source import resource_array, resource_name

from .index_ranges import Form, const_int, index_positions, intersect
from .lowering import parse_lowered

#: Integers up to 2^(mantissa bits + 1) are exact: every float type fuzzir reads, f8 included, and each part
#: of a complex number.
FLOAT_LIMIT = {"f64": 2.0**53, "f32": 2.0**24, "f16": 2.0**11, "bf16": 2.0**8, "f8E4M3FN": 2.0**4,
               "f8E4M3FNUZ": 2.0**4, "f8E5M2": 2.0**3, "f8E5M2FNUZ": 2.0**3, "complex<f32>": 2.0**24,
               "complex<f64>": 2.0**53}
INT_BITS = {**{f"i{n}": n for n in range(1, 65)}, "index": 64}  # signless integers of any width
_ROUNDING = ("arith.divf", "arith.remf")  # exact inputs, rounded result
_SAME = ("math.floor", "math.ceil", "math.round", "math.roundeven", "math.trunc", "arith.negf",
         "math.absf", "math.absi", "arith.extf", "arith.truncf", "arith.extsi", "arith.trunci",
         "arith.index_cast", "arith.index_castui", "arith.fptosi", "arith.sitofp", "complex.neg", "complex.conj",
         "complex.re", "complex.im")
_MAX = ("arith.maximumf", "arith.minimumf", "arith.maxnumf", "arith.minnumf", "arith.maxsi",
        "arith.minsi", "arith.select")
_BITS = ("arith.andi", "arith.ori", "arith.xori", "arith.maxui", "arith.minui", "arith.uitofp",
         "arith.extui")
_MOVES = ("tensor.expand_shape", "tensor.collapse_shape", "tensor.cast", "tensor.reshape",
          "tensor.extract_slice", "tensor.extract", "tensor.splat", "tensor.from_elements",
          "tensor.concat", "tensor.insert", "tensor.insert_slice", "util.optimization_barrier",
          "linalg.fill", "flow.tensor.tie_shape")
_SHIFTS = ("arith.shli", "arith.shrsi", "arith.shrui")
_REDUCTION_STEPS = 1 << 16
UNINIT = "it reads an uninitialized tensor.empty"


@dataclass(frozen=True)
class V:
    """What is known of every element of one value."""

    bound: float = 0.0  # magnitude bound
    integral: bool = True
    why: str = ""  # non-empty: exactness is not established, and why
    args: frozenset[int] = frozenset()  # entry arguments the value depends on
    nonzero: bool = False  # no element is zero (a constant divisor, and what keeps its value)
    nonneg: bool = False  # no element is negative (a constant shift amount, and what keeps its value)


def join(vs: list[V], bound: float | None = None, why: str = "", *, one_of: bool = False) -> V:
    """What is known of a value computed from `vs`; `one_of`: each element is an element of one of
    `vs` (a select, max, a move), so it is non-zero (non-negative) where all of them are."""
    reasons = [why] + [v.why for v in vs]
    return V(max((v.bound for v in vs), default=0.0) if bound is None else bound,
             all(v.integral for v in vs), next((r for r in reasons if r), ""),
             frozenset().union(*(v.args for v in vs)), one_of and bool(vs) and all(v.nonzero for v in vs),
             one_of and bool(vs) and all(v.nonneg for v in vs))


@dataclass(frozen=True)
class IndexSpec:
    """How to draw a scatter-indices argument: each column's valid range, and whether rows must differ."""

    highs: tuple[int, ...]  # column k is drawn in [0, highs[k]]


@dataclass(frozen=True)
class Facts:
    """Per output, whether its values are established exact (and why not); how to draw index arguments."""

    why: tuple[str, ...]  # per output: "" when exact
    invalid: str = ""  # why valid inputs cannot be drawn ("" when they can)
    indices: dict[int, IndexSpec] = field(default_factory=dict)
    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)  # argument -> [low, high] of every element

    @property
    def exact(self) -> tuple[bool, ...]:
        return tuple(not w for w in self.why)


def _etype(t: object) -> str:
    """The element type of a tensor type, else the type itself, as MLIR prints it."""
    element = getattr(t, "element_type", None)
    return str(element if element is not None else t)


def _fit(v: V, etype: str) -> V:
    """`v` as a value of `etype`: floats must stay integral and within their exact range; integers wrap."""
    if v.why:
        return v
    if etype in FLOAT_LIMIT:
        if not v.integral:
            return replace(v, why="it may hold non-integer values")
        if v.bound > FLOAT_LIMIT[etype]:
            return replace(v, why=f"its values may exceed {FLOAT_LIMIT[etype]:.0f}, beyond exact {etype} integers")
        return v
    if etype in INT_BITS:
        limit = 2.0 ** (INT_BITS[etype] - (etype != "i1"))
        # A value that may wrap may wrap to zero, or to a negative value (an i1 true is -1 when sign-extended).
        return replace(v, bound=min(v.bound, limit), nonzero=v.nonzero and v.bound < limit,
                       nonneg=v.nonneg and v.bound < limit and etype != "i1")
    return replace(v, why=f"element type {etype} is not analysed")


class _Walk:
    def __init__(self, ir: object, module: object, text: str, arg_values: list[V], as_written: bool = False) -> None:
        self.ir, self.module, self.text = ir, module, text
        self.as_written = as_written  # named linalg ops not generalized: the other walk reads their bodies
        self.values: dict[object, V] = {}
        self.globals: dict[str, tuple[object, V | None]] = {}
        self.index_args: dict[int, str] = {}
        self.indices: dict[int, IndexSpec] = {}
        self.arg_values = arg_values
        self.entry_args: list[object] = []
        self.forms: dict[object, Form] = {}  # values that are an invertible function of one argument
        self.ranges: dict[int, tuple[int, int]] = {}  # argument -> the values that keep its indices in bounds
        self.range_uses: dict[int, list[str]] = {}
        self.extents: dict[int, int] = {}  # loop extents of the linalg op whose body is walked

    # ------------------------------------------------------------------ values
    def get(self, value: object) -> V:
        v = self.values.get(value)
        return v if v is not None else V(why="it uses a value defined outside what is analysed", bound=math.inf)

    def attr_value(self, attr: object, t: object) -> V:
        ir = self.ir
        if isinstance(attr, ir.DenseElementsAttr) and attr.is_splat:
            attr = attr.get_splat_value()
        if isinstance(attr, (ir.FloatAttr, ir.IntegerAttr, ir.BoolAttr)):
            data = np.asarray([float(attr.value)], dtype=np.float64)
        elif isinstance(attr, ir.DenseElementsAttr):
            try:
                data = np.asarray(np.array(attr), dtype=np.float64)
            except (TypeError, ValueError):  # element types the bindings do not read (f8)
                return V(why=f"the value of constant {str(attr)[:40]} cannot be read", bound=math.inf)
        elif resource_name(attr) is not None:
            rt = ir.RankedTensorType(t)
            arr = resource_array(self.text, resource_name(attr) or "", _etype(t), tuple(int(d) for d in rt.shape))
            if arr is None:
                return V(why="a dense_resource blob could not be read", bound=math.inf)
            data = np.asarray(arr, dtype=np.float64)
        else:
            return V(why=f"constant {str(attr)[:40]} is not analysed", bound=math.inf)
        return _data_value(data)

    def constant_value(self, op: object) -> V:
        """What is known of a constant op's value (a complex one read from its literal: `complex_elements`)."""
        try:
            attr = op.attributes["value"]
            v = self.attr_value(attr, attr.type if op.operation.name == "flow.tensor.dynamic_constant"
                                else op.results[0].type)
        except TypeError:
            v = V(why="unread", bound=math.inf)
        if v.why:  # what the bindings cannot read (complex, f8), read from the printed literal
            data = literal_elements(op)
            if data is None:
                return replace(v, why=v.why if v.why != "unread" else
                               f"the value of {op.operation.name}{self.where(op)} cannot be read")
            return _data_value(np.concatenate([np.ravel(np.real(data)), np.ravel(np.imag(data))]))
        return v

    # ------------------------------------------------------------------ ops
    def run(self, entry: object) -> list[V]:
        for op in self.module.body.operations:
            if op.operation.name == "util.global":
                sym = self.ir.StringAttr(op.attributes["sym_name"]).value
                init = op.attributes["initial_value"] if "initial_value" in op.attributes else None
                t = self.ir.TypeAttr(op.attributes["type"]).value
                self.globals[sym] = (op, self.attr_value(init, t) if init is not None else None)
            elif op.operation.name == "util.initializer":
                for child in self._walk_ops(op):
                    if child.operation.name == "util.global.store":
                        sym = self.ir.FlatSymbolRefAttr(child.attributes["global"]).value
                        self.globals[sym] = (None, None)
        block = entry.regions[0].blocks[0]
        self.entry_args = list(block.arguments)
        for k, (a, v) in enumerate(zip(block.arguments, self.arg_values, strict=True)):
            self.values[a] = v
            if _etype(a.type) in FLOAT_LIMIT or _etype(a.type) in INT_BITS and _etype(a.type) != "i1":
                self.forms[a] = Form(k)
                self.constrain(Form(k), _type_range(_etype(a.type)))
        for op in block.operations:
            if op.operation.name in ("util.return", "func.return"):
                return [self.get(x) for x in op.operands]
            self.op(op)
        return []

    def _walk_ops(self, op: object):
        for region in op.regions:
            for block in region.blocks:
                for child in block.operations:
                    yield child
                    yield from self._walk_ops(child)

    def where(self, op: object) -> str:
        try:
            loc = self.ir.FileLineColLoc(op.location)
            return f" at {loc.filename}:{loc.start_line}:{loc.start_col}"
        except ValueError:
            return ""

    def set(self, op: object, vs: list[V]) -> None:
        for r, v in zip(op.results, vs, strict=True):
            self.values[r] = _fit(v, _etype(r.type))

    def op(self, op: object) -> None:
        name = op.operation.name
        operands = [self.get(x) for x in op.operands]
        self._index_uses(op, operands)
        self._forms(op)
        handler = getattr(self, "_" + name.replace(".", "_"), None)
        if handler is not None:
            handler(op, operands)
        elif name in _SAME:
            same = replace(operands[0], nonneg=False) if name in ("arith.negf", "complex.neg") else operands[0]
            self.set(op, [same] * len(op.results))
        elif name in _MAX:
            self.set(op, [join(operands[1:] if name == "arith.select" else operands, why=operands[0].why,
                               one_of=True)])
        elif name == "complex.create":
            self.set(op, [join(operands)])
        elif name == "complex.mul":  # each part: a sum of two products
            self.set(op, [join(operands, bound=2 * operands[0].bound * operands[1].bound)])
        elif name in ("arith.addf", "arith.addi", "arith.subf", "arith.subi", "complex.add", "complex.sub"):
            self.set(op, [join(operands, bound=operands[0].bound + operands[1].bound)])
        elif name in ("arith.mulf", "arith.muli"):  # non-zero times non-zero, unless it wraps (`_fit`)
            product = join(operands, bound=operands[0].bound * operands[1].bound)
            self.set(op, [replace(product, nonzero=operands[0].nonzero and operands[1].nonzero)])
        elif name == "math.fma":
            self.set(op, [join(operands, bound=operands[0].bound * operands[1].bound + operands[2].bound)])
        elif name in ("arith.cmpf", "arith.cmpi"):
            self.set(op, [join(operands, bound=1.0)])
        elif name in _SHIFTS:
            self.set(op, [self._shift(op, operands)])
        elif name == "arith.extui" and operands[0].nonneg:  # zero-extending a non-negative value keeps it
            self.set(op, [operands[0]])
        elif name in _BITS:  # unsigned readings: below 2^bits of the operand
            bits = INT_BITS.get(_etype(op.operands[0].type), 64)
            self.set(op, [join(operands, bound=2.0**bits - 1)])
        elif name in ("arith.divsi", "arith.divui", "arith.remsi", "arith.remui", "arith.floordivsi",
                      "arith.ceildivsi"):
            self.set(op, [self._int_division(op, operands)])
        elif name in _MOVES:
            self._move(op, operands)
        elif name == "tensor.dim":
            self.set(op, [V(2.0**31)])
        else:
            self._unknown(op, operands, f"{name} rounds its result" if name in _ROUNDING or name.startswith(
                "math.") else f"{name}{self.where(op)} is not analysed")

    # ------------------------------------------------------------------ indices
    def constrain(self, form: Form, bounds: tuple[float, float], use: str = "") -> None:
        """Keep `form` within `bounds` by narrowing its argument's interval; `use` names an index use."""
        interval = form.solve(*bounds)
        if interval is not None:
            self.ranges[form.arg] = intersect(self.ranges.get(form.arg), interval)
            if use and use not in self.range_uses.setdefault(form.arg, []):
                self.range_uses[form.arg].append(use)

    def _index_uses(self, op: object, operands: list[V]) -> None:
        """Bound the arguments that become this op's indices; those it cannot bound are invalid."""
        name = op.operation.name
        bounded = index_positions(self.ir, op)
        pure = name.startswith(("arith.", "math.")) or name in _INDEX_DATA
        for pos, (x, v) in enumerate(zip(op.operands, operands, strict=True)):
            if not v.args:
                continue
            where = f"{name}{self.where(op)}"
            bound = bounded.get(pos)
            if bound is None:
                if name == "tensor.reshape" and pos == 1 or str(x.type) == "index" and not pure and name not in (
                        "tensor.extract", "tensor.insert", "tensor.extract_slice", "tensor.insert_slice"):
                    for a in v.args:
                        self.index_args.setdefault(a, f"it becomes an index operand of {where}, which fuzzir "
                                                      "does not bound")
                continue
            form = self.forms.get(x)
            why = bound if isinstance(bound, str) else (
                "" if form is not None and v.args == {form.arg} else "through arithmetic fuzzir cannot invert")
            if why:
                for a in v.args:
                    self.index_args.setdefault(a, f"it becomes an index of {where} {why}")
                continue
            assert form is not None and not isinstance(bound, str)
            self.constrain(form, bound, f"{where} needs [{bound[0]}, {bound[1]}]")

    def _forms(self, op: object) -> None:
        """The result's `Form` where it is an invertible function of one argument."""
        name = op.operation.name
        if not len(op.results) or not len(op.operands):
            return
        src = self.forms.get(op.operands[0])
        form: Form | None = None
        if name in _FORM_SAME:
            form = src
        elif name in ("arith.addi", "arith.subi", "arith.muli", "arith.maxsi", "arith.minsi"):
            c0, c1 = (const_int(self.ir, x) for x in list(op.operands)[:2])
            f0, f1 = src, self.forms.get(op.operands[1])
            f, c = (f0, c1) if f0 is not None and c1 is not None else (f1, c0) if f1 is not None else (None, None)
            if f is not None and c is not None:
                form = {"arith.addi": lambda: f.affine(1, c),
                        "arith.subi": lambda: f.affine(1, -c) if f is f0 else f.affine(-1, c),
                        "arith.muli": lambda: f.affine(c, 0),
                        "arith.maxsi": lambda: f.at_least(c), "arith.minsi": lambda: f.at_most(c)}[name]()
        if form is None:
            return
        etype = _etype(op.results[0].type)
        self.forms[op.results[0]] = form
        if etype in INT_BITS and etype not in ("index", "i64"):  # a wrapped value is not the form's
            self.constrain(form, _type_range(etype))

    def _unknown(self, op: object, operands: list[V], why: str) -> None:
        # Values its regions capture from outside count as operands (an scf.for reading an argument).
        captured = [x for inner in self._walk_ops(op) for x in inner.operands if x in self.values]
        for x, v in zip([*op.operands, *captured], [*operands, *(self.values[x] for x in captured)], strict=True):
            if v.args and _etype(x.type) in INT_BITS and not (self.as_written and op.operation.name.startswith(
                    "linalg.")):
                for a in v.args:
                    self.index_args.setdefault(a, f"it reaches {op.operation.name}{self.where(op)}, "
                                                  "which may use it as an index")
        self.set(op, [join(operands, bound=math.inf, why=why)] * len(op.results))

    def _int_division(self, op: object, operands: list[V]) -> V:
        """A quotient or remainder, where the divisor is provably non-zero (and a signed division
        cannot be INT_MIN / -1: its dividend's bound stays below 2^(bits-1)); else undefined for
        some inputs, which are never run."""
        dividend, divisor = operands[0], operands[1]
        bits = INT_BITS.get(_etype(op.operands[0].type), 64)
        signed = op.operation.name in ("arith.divsi", "arith.remsi", "arith.floordivsi", "arith.ceildivsi")
        if divisor.nonzero and not divisor.why and (not signed or dividend.bound < 2.0 ** (bits - 1)):
            remainder = op.operation.name.startswith("arith.rem")
            return join(operands, bound=min(dividend.bound, divisor.bound) if remainder else dividend.bound)
        const = op.operands[1].owner
        if not isinstance(const, self.ir.Block) and const.operation.name == "arith.constant":
            attr = const.attributes["value"]
            ok = isinstance(attr, self.ir.IntegerAttr) and attr.value not in (0, -1)
            if ok:
                return join(operands, bound=operands[0].bound)
        # Division by zero is undefined behaviour (a trap on some targets): never run such inputs.
        why = f"it may be the divisor of {op.operation.name}{self.where(op)}"
        for a in operands[1].args or {-1}:
            self.index_args.setdefault(a, why)
        return join(operands, why=f"{op.operation.name}{self.where(op)} may divide by zero")

    def _shift(self, op: object, operands: list[V]) -> V:
        """A shift is arithmetic on its first operand, the data (a TOSA `rescale`'s scaled value),
        by the second, the amount: an amount is not an index, but one that is negative or not
        below the bit width makes the result poison (arith's rule), so an argument that becomes an
        amount is drawn within [0, width - 1] where fuzzir can invert the arithmetic between
        them (as an index is), and a program whose constant amount may lie outside is not exact."""
        value, amount = operands
        name = op.operation.name
        bits = INT_BITS.get(_etype(op.operands[0].type), 64)
        where = f"{name}{self.where(op)}"
        why = ""
        if amount.args:
            form = self.forms.get(op.operands[1])
            if form is not None and amount.args == {form.arg}:
                self.constrain(form, (0, bits - 1), f"{where} needs a shift amount in [0, {bits - 1}]")
            else:
                for a in amount.args:
                    self.index_args.setdefault(a, f"it becomes the shift amount of {where} through arithmetic "
                                                  f"fuzzir cannot invert (an amount outside [0, {bits - 1}] is poison)")
        elif amount.why or not (amount.nonneg and amount.bound <= bits - 1):
            why = amount.why or f"{where}: its shift amount may lie outside [0, {bits - 1}] (poison)"
        k = const_int(self.ir, op.operands[1])
        low = k if k is not None and 0 <= k < bits else 0  # the least amount
        high = min(amount.bound, bits - 1)
        if name == "arith.shli":  # value * 2^amount, wrapping (`_fit`)
            return replace(join(operands, bound=value.bound * 2.0**high, why=why), nonzero=value.nonzero,
                           nonneg=value.nonneg)
        if name == "arith.shrsi" or value.nonneg:  # floor(value / 2^amount): magnitude no larger, sign kept
            return replace(join(operands, bound=_ceil(value.bound / 2.0**low), why=why), nonneg=value.nonneg)
        # The unsigned reading of a possibly negative value shifted right: below 2^(bits - amount).
        return replace(join(operands, bound=2.0 ** (bits - low) - 1, why=why), nonneg=low > 0)

    def _move(self, op: object, operands: list[V]) -> None:
        name = op.operation.name
        data = [v for x, v in zip(op.operands, operands, strict=True) if _etype(x.type) != "index"
                or name in ("tensor.from_elements", "tensor.splat")]
        if name == "tensor.insert_slice" and operands[1].why == UNINIT and self._covers(op):
            data = [operands[0]]
        if name == "linalg.fill":
            data = [operands[0]]
        self.set(op, [join(data, one_of=True)] * len(op.results))

    def _covers(self, op: object) -> bool:
        """Whether an insert_slice writes its whole (static) destination."""
        src, dst = op.operands[0].type, op.results[0].type
        return str(src) == str(dst)

    def _arith_constant(self, op: object, operands: list[V]) -> None:
        self.set(op, [self.constant_value(op)])

    # A constant the compiler must not fold is a constant all the same: its value is known.
    _util_unfoldable_constant = _arith_constant
    _flow_tensor_dynamic_constant = _arith_constant
    _complex_constant = _arith_constant

    def _tensor_empty(self, op: object, operands: list[V]) -> None:
        self.set(op, [V(why=UNINIT)])

    def _util_global_load(self, op: object, operands: list[V]) -> None:
        sym = self.ir.FlatSymbolRefAttr(op.attributes["global"]).value
        _, v = self.globals.get(sym, (None, None))
        self.set(op, [v if v is not None else V(why=f"global @{sym} has no known value", bound=math.inf)])

    def _util_global_store(self, op: object, operands: list[V]) -> None:
        sym = self.ir.FlatSymbolRefAttr(op.attributes["global"]).value
        self.globals[sym] = (None, operands[0])

    def _tensor_pad(self, op: object, operands: list[V]) -> None:
        block = op.regions[0].blocks[0]
        for a in block.arguments:
            self.values[a] = V(2.0**31)
        pad = self._region(block)
        self.set(op, [join([operands[0], *pad])])

    def _region(self, block: object) -> list[V]:
        for child in block.operations:
            if child.operation.name in ("linalg.yield", "iree_linalg_ext.yield", "tensor.yield"):
                return [self.get(x) for x in child.operands]
            self.op(child)
        return []

    def _linalg_generic(self, op: object, operands: list[V]) -> None:
        n_out = len(op.results)
        ins, outs = operands[: len(operands) - n_out], operands[len(operands) - n_out:]
        block = op.regions[0].blocks[0]
        out_args = list(block.arguments)[len(ins):]
        reads = [len(list(a.uses)) > 0 for a in out_args]
        self.extents = self._loop_extents(op)
        steps = self._reduction_steps(op)
        if isinstance(steps, str):
            self.set(op, [V(why=steps, bound=math.inf)] * n_out)
            return
        for a, x, v in zip(block.arguments, op.operands, ins, strict=False):
            self.values[a] = v
            if x in self.forms:  # an element of an argument's form is of that form too (a gather's indices)
                self.forms[a] = self.forms[x]
        acc = [v if r else V() for v, r in zip(outs, reads, strict=True)]
        self.set(op, self._iterate(block, out_args, acc, steps))

    def _iterate(self, block: object, out_args: list[object], acc: list[V], steps: int) -> list[V]:
        """The body applied `steps` times to its accumulators; linear growth is extrapolated."""
        deltas: list[float] | None = None
        done = 0
        while done < steps:
            if done > _REDUCTION_STEPS:
                return [replace(v, why="a reduction is too long to bound") for v in acc]
            for a, v in zip(out_args, acc, strict=True):
                self.values[a] = v
            new = self._region(block)
            done += 1
            step = [n.bound - o.bound for n, o in zip(new, acc, strict=True)]
            if any(v.why for v in new) or new == acc:
                return new
            if step == deltas and all(math.isfinite(d) for d in step):
                left = steps - done
                return [replace(n, bound=n.bound + left * d) for n, d in zip(new, step, strict=True)]
            deltas, acc = step, new
        return acc

    def _loop_extents(self, op: object) -> dict[int, int]:
        """The static extent of each loop of a linalg op, from the operand dims a loop indexes alone."""
        ir = self.ir
        extent: dict[int, int] = {}
        for amap, x in zip(op.attributes["indexing_maps"], op.operands, strict=True):
            t = x.type
            if not isinstance(t, ir.RankedTensorType):
                continue
            for k, e in enumerate(ir.AffineMapAttr(amap).value.results):
                if isinstance(e, ir.AffineDimExpr) and not t.is_dynamic_dim(k):
                    extent.setdefault(e.position, int(t.shape[k]))
        return extent

    def _reduction_steps(self, op: object) -> int | str:
        """Points of the reduction loops (1 without reductions), or why they cannot be counted."""
        ir = self.ir
        iters = [str(a) for a in op.attributes["iterator_types"]]
        red = [i for i, it in enumerate(iters) if "reduction" in it]
        if not red:
            return 1
        extent: dict[int, int] = {}
        for amap, x in zip(op.attributes["indexing_maps"], op.operands, strict=True):
            t = x.type
            if not isinstance(t, ir.RankedTensorType):
                continue
            for k, e in enumerate(ir.AffineMapAttr(amap).value.results):
                if isinstance(e, ir.AffineDimExpr) and not t.is_dynamic_dim(k):
                    extent.setdefault(e.position, int(t.shape[k]))
        if any(d not in extent for d in red):
            return "a reduction has a dynamic extent"
        steps = int(np.prod([extent[d] for d in red], dtype=np.int64))
        return steps if steps <= _REDUCTION_STEPS * 256 else "a reduction is too long to bound"

    def _slice_highs(self, op: object, big: object, small: object) -> tuple[list[int], list[int], int]:
        """Per index column of a scatter (into `big` from `small`) or gather (from `big` into `small`):
        the largest valid index and the slice's extent along that dimension; and the batch rank.

        As IREE defines them: the index depth is the dimension map's size, a slice covers the
        last `big.rank - depth` dimensions of `big`, and the leading dimensions of `small` (and
        of the indices, whose depth dimension may be left out when it is 1) are the batch."""
        dim_map = [int(d) for d in op.attributes["dimension_map"]]
        depth = len(dim_map)
        slice_rank = big.rank - depth
        batch = small.rank - slice_rank
        highs, extents = [], []
        for d in dim_map:
            k = d - depth
            extent = int(small.shape[batch + k]) if k >= 0 else 1
            highs.append(int(big.shape[d]) - extent)
            extents.append(extent)
        return highs, extents, batch

    def constant_data(self, value: object, dtype: type = np.int64) -> np.ndarray | None:
        """The elements of `value` as `dtype` when it is a constant (through barriers and casts), else None."""
        ir = self.ir
        for _ in range(16):
            owner = value.owner
            if isinstance(owner, ir.Block):
                return None
            name = owner.operation.name
            if name in ("util.optimization_barrier", "tensor.cast", "flow.tensor.tie_shape"):
                value = owner.operands[0]
                continue
            if name not in ("arith.constant", "util.unfoldable_constant", "flow.tensor.dynamic_constant"):
                return None
            attr = owner.attributes["value"]
            if not isinstance(attr, ir.DenseElementsAttr) or not ir.ShapedType(attr.type).has_static_shape:
                return None
            shape = tuple(int(d) for d in ir.ShapedType(attr.type).shape)
            try:
                if attr.is_splat:
                    return np.full(shape, attr.get_splat_value().value, dtype=dtype)
                return np.asarray(np.array(attr), dtype=dtype).reshape(shape)
            except (TypeError, ValueError):
                return None
        return None

    def _index_rows(self, op: object, indices: object, highs: list[int], extents: list[int]) -> tuple[str, bool]:
        """For constant indices: (why they are undefined, "" when in bounds; whether two slices overlap).
        Indices computed in the program are taken as the program gives them, as `tensor.extract`'s are."""
        data = self.constant_data(indices)
        if data is None:
            return "", True
        depth = len(highs)
        rows = data.reshape(-1, depth) if depth else np.zeros((max(1, data.size), 0), np.int64)
        out = (rows < 0) | (rows > np.asarray(highs, dtype=np.int64))
        if out.any():
            return f"its constant indices{self.where(op)} are out of bounds (undefined behaviour)", True
        sizes = [h + e for h, e in zip(highs, extents, strict=True)]
        if int(np.prod(sizes, dtype=np.int64)) > 1 << 20:
            return "", True
        hits = np.zeros(sizes, dtype=np.int64)
        for row in rows:
            hits[tuple(slice(int(r), int(r) + e) for r, e in zip(row, extents, strict=True))] += 1
        return "", bool(hits.max(initial=0) > 1)

    def _iree_linalg_ext_scatter(self, op: object, operands: list[V]) -> None:
        """A scatter judged where the order of its updates cannot matter: no two hit one element
        (indices drawn unique, or constant ones that are), or its body combines update and
        original with one commutative, associative op (add, mul, max, min, and, or, xor), so any
        order gives the same exact value; a body that overwrites with repeated indices is not."""
        ir = self.ir
        updates, indices, original = operands[0], operands[1], operands[-1]  # a mask may come between
        utype, itype, otype = (ir.RankedTensorType(x.type) for x in (op.operands[0], op.operands[1], op.operands[-1]))
        highs, extents, batch = self._slice_highs(op, otype, utype)
        src = op.operands[1]
        overlap = True
        if src in self.entry_args and indices.args and min(highs, default=0) >= 0:
            self.indices[self.entry_args.index(src)] = IndexSpec(tuple(highs))
            overlap = any(e > 1 for e in extents)  # drawn rows differ; slices longer than 1 may still meet
        elif indices.args:
            for a in indices.args:
                self.index_args.setdefault(a, f"it becomes scatter indices{self.where(op)}")
        else:
            undefined, overlap = self._index_rows(op, src, highs, extents)
            if undefined:
                self.set(op, [V(why=f"scatter: {undefined}", bound=math.inf)])
                return
        block = op.regions[0].blocks[0]
        args = list(block.arguments)
        if overlap and not _order_free(block, args[0], args[1]):
            self.set(op, [V(why=f"scatter{self.where(op)}: its indices may hit one element twice and its body "
                                "is not one order-free combiner (add, max, min ...) of update and original",
                            bound=math.inf)])
            return
        self.values[args[0]] = updates
        rows = int(np.prod([int(d) for d in list(itype.shape)[:batch]], dtype=np.int64))
        (new,) = self._iterate(block, [args[1]], [original], rows if overlap else 1)
        self.set(op, [join([original, new])])  # elements no index hits keep the original's values

    def _iree_linalg_ext_gather(self, op: object, operands: list[V]) -> None:
        """Elements of the source at the indices (drawn in bounds when an argument, checked when
        constant); where a mask is false, the destination's own element."""
        ir = self.ir
        ins = list(op.operands)[:-1]
        source, output = ins[0], op.operands[len(ins)]
        stype, otype = (ir.RankedTensorType(x.type) for x in (source, output))
        highs, extents, _ = self._slice_highs(op, stype, otype)
        src = ins[1]
        if src in self.entry_args and operands[1].args and min(highs, default=0) >= 0:
            self.indices[self.entry_args.index(src)] = IndexSpec(tuple(highs))
        elif operands[1].args:
            for a in operands[1].args:
                self.index_args.setdefault(a, f"it becomes gather indices{self.where(op)}")
        else:
            undefined, _ = self._index_rows(op, src, highs, extents)
            if undefined:
                self.set(op, [V(why=f"gather: {undefined}", bound=math.inf)])
                return
        data = [operands[0]] + ([operands[-1]] if len(ins) > 2 else [])  # a mask keeps some of the output
        self.set(op, [join(data, one_of=True)])

    def _arith_bitcast(self, op: object, operands: list[V]) -> None:
        """The same bits as another type: an integer result is exact (any bits are some integer); a
        float one may be any value, NaN included."""
        etype = _etype(op.results[0].type)
        if etype in INT_BITS and not operands[0].why:
            self.set(op, [join(operands, bound=2.0 ** (INT_BITS[etype] - 1))])
        else:
            self.set(op, [join(operands, bound=math.inf, why=f"arith.bitcast{self.where(op)} to {etype} may give "
                                                               "any float, NaN included")])

    def _iree_linalg_ext_scan(self, op: object, operands: list[V]) -> None:
        """A running combination along one dimension (its order is the program's): its body applied
        once per step from the accumulator's initial value, the input fed at every step."""
        ir = self.ir
        inp, acc = operands[0], operands[-1]
        t = ir.RankedTensorType(op.operands[0].type)
        dim = ir.IntegerAttr(op.attributes["dimension"]).value
        if t.is_dynamic_dim(dim):
            self.set(op, [V(why="a scan has a dynamic extent", bound=math.inf)] * len(op.results))
            return
        block = op.regions[0].blocks[0]
        args = list(block.arguments)
        found = []
        for fed, carried in ((args[0], args[1]), (args[1], args[0])):  # which one carries, bound both ways
            self.values[fed] = inp
            (new,) = self._iterate(block, [carried], [acc], max(1, int(t.shape[dim])))
            found.append(new)
        self.set(op, [join([*found, acc])] * len(op.results))

    def _iree_linalg_ext_sort(self, op: object, operands: list[V]) -> None:
        """One tensor sorted is a permutation of its elements, whatever the comparator's ties; with
        several, elements whose keys tie may come in any order in the others."""
        if len(op.results) == 1:
            self.set(op, [join(operands, one_of=True)])
            return
        why = f"iree_linalg_ext.sort{self.where(op)} of several tensors: the order of tied keys is not defined"
        self.set(op, [V(why=why, bound=math.inf)] * len(op.results))

    def _iree_linalg_ext_topk(self, op: object, operands: list[V]) -> None:
        """The k best values are some of the input's (the destination's initial values are replaced);
        their indices depend on how ties are broken, which is not defined."""
        n_in = len(op.operands) - len(op.results)
        values = self.constant_data(op.operands[0], np.float64) if n_in >= 1 else None
        if values is not None and np.unique(values).size == values.size:  # no ties: the indices are defined
            index = join([operands[1]], one_of=True) if n_in >= 2 else V(float(max(values.shape, default=1)))
            self.set(op, [join([operands[0]], one_of=True), *[index] * (len(op.results) - 1)])
            return
        why = f"iree_linalg_ext.topk{self.where(op)}: which of tied values comes first is not defined"
        self.set(op, [join([operands[0]], one_of=True), *[V(why=why, bound=math.inf)] * (len(op.results) - 1)]
                 if n_in >= 1 else [V(why=why, bound=math.inf)] * len(op.results))

    def _linalg_pack(self, op: object, operands: list[V]) -> None:
        """The source's elements rearranged into tiles, and the padding value where a tile overhangs."""
        data = [v for k, (x, v) in enumerate(zip(op.operands, operands, strict=True))
                if k != 1 and _etype(x.type) != "index"]
        self.set(op, [join(data, one_of=True)])

    def _linalg_unpack(self, op: object, operands: list[V]) -> None:
        self.set(op, [join([operands[0]], one_of=True)])

    def _linalg_index(self, op: object, operands: list[V]) -> None:
        """An iteration index of the enclosing linalg op: below that loop's extent where it is static."""
        dim = self.ir.IntegerAttr(op.attributes["dim"]).value
        extent = self.extents.get(dim)
        self.set(op, [V(float(extent - 1) if extent else 2.0**31)])


_COMBINERS = ("arith.addi", "arith.addf", "arith.muli", "arith.mulf", "arith.maxsi", "arith.minsi", "arith.maxui",
              "arith.minui", "arith.maximumf", "arith.minimumf", "arith.maxnumf", "arith.minnumf", "arith.andi",
              "arith.ori", "arith.xori")


def _order_free(block: object, update: object, original: object) -> bool:
    """Whether a scatter body gives the same result for updates applied in any order: it keeps the
    original, or yields one commutative, associative op of the update and the original (exactly, so
    for floats only where the values are exact, which the outputs' facts establish separately)."""
    ops = list(block.operations)
    yielded = ops[-1].operands[0] if len(ops[-1].operands) == 1 else None
    if yielded is None:
        return False
    if yielded == original:
        return True
    owner = yielded.owner
    if len(ops) != 2 or owner != ops[0] or owner.operation.name not in _COMBINERS:
        return False
    pair = list(owner.operands)
    return (pair[0] == update and pair[1] == original) or (pair[0] == original and pair[1] == update)


_INDEX_DATA = ("func.return", "util.return", "linalg.yield", "tensor.yield", "iree_linalg_ext.yield",
               "tensor.from_elements", "util.optimization_barrier")  # ops that take an index as data
_FORM_SAME = ("arith.index_cast", "arith.extsi", "arith.trunci", "arith.fptosi", "arith.sitofp", "tensor.extract",
              "tensor.expand_shape", "tensor.collapse_shape", "tensor.cast", "tensor.extract_slice",
              "tensor.reshape", "linalg.fill", "tensor.splat", "util.optimization_barrier")


def _data_value(data: np.ndarray) -> V:
    """What is known of every element of constant `data` (float64): bound, integral, non-zero."""
    finite = bool(np.all(np.isfinite(data)))
    return V(float(np.max(np.abs(data))) if data.size and finite else (0.0 if finite else math.inf),
             finite and bool(np.all(np.floor(data) == data)), nonzero=bool(np.all(data != 0)),
             nonneg=bool(np.all(data >= 0)))


def _ceil(x: float) -> float:
    return float(math.ceil(x)) if math.isfinite(x) else x


def _type_range(etype: str) -> tuple[float, float]:
    if etype in FLOAT_LIMIT:
        return (-FLOAT_LIMIT[etype], FLOAT_LIMIT[etype])
    bits = INT_BITS[etype]
    return (-(2.0 ** (bits - 1)), 2.0 ** (bits - 1) - 1)


def analyse(text: str, function: str, arg_values: list[V]) -> tuple[list[V], dict[int, str], _Walk]:
    """Outputs' facts, index-like arguments (with why) and the walk (scatter indices, ranges) of input-phase IR."""
    from iree.compiler import ir

    text, why = inline_text(text, function)  # IREE's own tests call private helpers
    if why:
        raise ValueError(why)
    with ir.Context():
        module, entry = parse_lowered(ir, text, function)
        walk = _Walk(ir, module, text, arg_values)
        outs = walk.run(entry)
        # Generalizing folds too (a slice of a splat constant becomes a constant, its offset gone), but the
        # compiler need not: every index is bounded as written as well.
        module, entry = parse_lowered(ir, text, function, generalize=False)
        written = _Walk(ir, module, text, arg_values, as_written=True)
        written.run(entry)
        for k, why in written.index_args.items():
            walk.index_args.setdefault(k, why)
        for k, uses in written.range_uses.items():
            walk.ranges[k] = intersect(walk.ranges.get(k), written.ranges[k])
            walk.range_uses.setdefault(k, []).extend(u for u in uses if u not in walk.range_uses[k])
        return outs, walk.index_args, walk


def facts_for(text: str, function: str, arg_bounds: list[float]) -> Facts:
    """`Facts` of a program whose argument k holds integers of magnitude at most `arg_bounds[k]`."""
    args = [V(b, True, "", frozenset({k})) for k, b in enumerate(arg_bounds)]
    try:
        outs, index_args, walk = analyse(text, function, args)
    except Exception as e:  # noqa: BLE001 - any surprise in IR fuzzir did not write means "not established"
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        return Facts(why=(), invalid=f"the program could not be analysed: {first[:200]}")
    indices = walk.indices
    ranges = {k: r for k, r in walk.ranges.items() if k in walk.range_uses}  # arguments that became an index
    invalid = ""
    for k, why in sorted(index_args.items()):
        if k < 0:
            invalid = f"the program itself may be undefined: {why}"
            break
        if k not in indices:
            invalid = f"argument #{k}: {why}; fuzzir cannot draw valid values for it"
            break
    for k, (lo, hi) in sorted(ranges.items()):
        if invalid:
            break
        if k in indices:
            invalid = f"argument #{k}: it is both scatter indices and another index; fuzzir cannot draw it"
        elif lo > hi:
            invalid = (f"argument #{k}: no value keeps every index it becomes in bounds "
                       f"({'; '.join(walk.range_uses[k])})")
    return Facts(tuple(v.why for v in outs), invalid, indices, ranges)
