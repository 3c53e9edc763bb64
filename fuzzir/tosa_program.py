"""A program as the TOSA reference model can run it, and how the TOSA spec bounds each of its outputs.

The reference model runs TOSA graphs only: the entry function may hold `tosa.*` ops and
its `func.return`, nothing else (no `util.*`, `flow.*`, linalg or arith mixed in, no
calls), with static tensor arguments and results of the types the model reads and
fuzzir passes (i1, i8, i16, i32, f16, bf16, f32). IREE 3.13's TOSA dialect and the one
in `tosa-tools` print ops differently (IREE's `tosa.max_pool2d %x kernel([2, 2]) ...`
is not tosa-opt's syntax), but both read MLIR's generic form, so the program is handed
over in that form, its entry renamed `@main` (the function the serializer writes).

How an output is compared follows the TOSA 1.0 spec's compliance rules ("Floating-point
accuracy"), as the conformance suite in `tosa-tools` applies them:

- integer and boolean results: exact (every integer op is exact in the spec, except a
  `rescale` with INEXACT_ROUND, which is refused);
- a float result computed only by ops the spec requires exact (data movement, max/min,
  clamp, max_pool2d, reduce_max/min, negate, abs, select ...): exact (`EXACT`);
- a float result of one ADD, SUB or MUL of exact values: within 0.5 ULP of the FP64
  result (1 ULP for bf16; the conformance suite's `ULP` mode);
- a float result of one dot-product op (conv2d, depthwise_conv2d, transpose_conv2d,
  matmul, avg_pool2d, reduce_sum) of exact values: the spec's per-element dot-product
  bound, `|imp - ref| <= ABS_BOUND * max(bnd * 2^-(1+F), normal_min)`, with `bnd` the
  bound magnitudes the reference model's own bounds mode computes, F the output's
  fraction bits and ABS_BOUND = 2 * ksb (3 times that for FP32 inputs, which the suite
  allows for bf16 multi-pass accumulation), ksb = KS + 1 (KS the terms per output, one
  more for a bias; the suite divides KS by the accumulator's extra precision, fuzzir does
  not: a looser, safe bound). The statistical part of the rule (error mean and variance
  over the spec's test data sets) is not applied: the inputs are not those data sets;
- anything else (a float result of two rounding ops in a chain, a transcendental):
  no rule of the spec bounds it; the oracle then compares it exactly where fuzzir's own
  value analysis (`oracles.value_facts`, as the differential oracle uses it) establishes
  the values exact (small integers, no rounding anywhere), else does not judge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DOT_PRODUCT", "EXACT", "ULP", "OutputRule", "TosaProgram", "read_tosa"]

#: Element types the reference model reads and writes, with their TOSA names.
TOSA_TYPES = {"i1": "BOOL", "i8": "INT8", "i16": "INT16", "i32": "INT32", "f16": "FP16", "bf16": "BF16",
              "f32": "FP32"}
FLOATS = ("f16", "bf16", "f32")
#: Fraction bits and smallest normal of each float type (the spec's normal_frac, normal_min).
FRACTION_BITS = {"f16": 10, "bf16": 7, "f32": 23}
NORMAL_MIN = {"f16": 2.0 ** -14, "bf16": 2.0 ** -126, "f32": 2.0 ** -126}
#: Ops whose float results the spec requires exact.
EXACT_OPS = frozenset(f"tosa.{n}" for n in (
    "abs", "clamp", "concat", "const", "const_shape", "gather", "identity", "max_pool2d", "maximum", "minimum",
    "negate", "pad", "reduce_max", "reduce_min", "reshape", "reverse", "scatter", "select", "slice", "tile",
    "transpose"))
#: ULP bound of the ops the spec requires correctly rounded (per output type).
ULP_OPS = {"tosa.add": 0.5, "tosa.sub": 0.5, "tosa.mul": 0.5}
DOT_PRODUCT_OPS = ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.transpose_conv2d", "tosa.matmul",
                   "tosa.avg_pool2d", "tosa.reduce_sum")
EXACT, ULP, DOT_PRODUCT, NONE = "exact", "ulp", "dot-product", "none"


@dataclass(frozen=True)
class OutputRule:
    """How one output is compared: `EXACT`, `ULP` (`ulp`), `DOT_PRODUCT` (`ks`), or `NONE` and why."""

    mode: str
    dtype: str  # MLIR element type of the output
    op: str = ""  # the op whose rule applies
    ulp: float = 0.0
    ks: int = 0
    why: str = ""  # for NONE
    established: bool = False  # EXACT because fuzzir's value analysis established the values exact

    @property
    def rule(self) -> str:
        """The rule in words, for messages."""
        if self.established:
            return "exact: no rule of the spec bounds it, fuzzir's value analysis establishes it exact"
        if self.mode == ULP:
            return f"the spec's {self.ulp:g}-ULP rule for {self.op}"
        if self.mode == DOT_PRODUCT:
            return f"the spec's dot-product bound for {self.op} (KS={self.ks})"
        return "exact"


@dataclass(frozen=True)
class TosaProgram:
    """The program in the form tosa-opt reads, its types, and a rule per output; `problem` when it cannot run."""

    text: str = ""
    arg_types: tuple[str, ...] = ()
    rules: tuple[OutputRule, ...] = ()
    shapes: tuple[tuple[int, ...], ...] = ()  # per output
    problem: str = ""
    ops: tuple[str, ...] = field(default=())


def _tensor(ir: object, t: object) -> tuple[tuple[int, ...], str] | str:
    """(shape, element type) of a static ranked tensor type of a supported element type, else why not."""
    try:
        rt = ir.RankedTensorType(t)
    except ValueError:
        return f"{t} is not a ranked tensor"
    if not rt.has_static_shape:
        return f"{t} has a dynamic shape"
    element = str(rt.element_type)
    if element not in TOSA_TYPES:
        return f"element type {element} is not one the reference model runs"
    return tuple(rt.shape), element


def _ks(ir: object, op: object) -> int:
    """KS of a dot-product op: the number of products summed into one output."""
    name = op.operation.name
    shape = list(ir.RankedTensorType(op.operands[1 if name != "tosa.avg_pool2d" else 0].type).shape)
    if name in ("tosa.conv2d", "tosa.transpose_conv2d"):  # weight [OC, KH, KW, IC]
        return shape[1] * shape[2] * shape[3]
    if name == "tosa.depthwise_conv2d":  # weight [KH, KW, C, M]
        return shape[0] * shape[1]
    if name == "tosa.matmul":  # B [N, C, W]
        return shape[1]
    if name == "tosa.avg_pool2d":
        kernel = ir.DenseI64ArrayAttr(op.attributes["kernel"])
        return int(kernel[0]) * int(kernel[1])
    axis = ir.IntegerAttr(op.attributes["axis"]).value  # reduce_sum
    return list(ir.RankedTensorType(op.operands[0].type).shape)[axis]


def _element(ir: object, value: object) -> str:
    try:
        return str(ir.ShapedType(value.type).element_type)
    except ValueError:
        return str(value.type)


class _Rules:
    """Which values are exact, and the rule for each output."""

    def __init__(self, ir: object) -> None:
        self.ir = ir
        self.exact: dict[object, bool] = {}

    def _owner(self, value: object) -> object | None:
        try:
            return self.ir.OpResult(value).owner
        except ValueError:
            return None  # a block argument

    def is_exact(self, value: object) -> bool:
        """Whether the spec fixes `value` exactly: an argument, or exact ops on exact values."""
        owner = self._owner(value)
        if owner is None:
            return True
        key = owner.operation
        if key not in self.exact:
            self.exact[key] = False  # no cycles in SSA, but be safe
            ok = all(self.is_exact(v) for v in owner.operands)
            if ok and any(_element(self.ir, r) in FLOATS for r in owner.results):
                ok = owner.operation.name in EXACT_OPS
            if ok and owner.operation.name == "tosa.rescale":
                ok = "INEXACT" not in str(owner.attributes["rounding_mode"])
            self.exact[key] = ok
        return self.exact[key]

    def _rounded_by(self, value: object) -> str:
        """The op that rounded an inexact value, looking through the exact ops (a reshape) that moved it."""
        owner = self._owner(value)
        for _ in range(64):
            if owner is None or owner.operation.name not in EXACT_OPS:
                break
            inexact = [v for v in owner.operands if not self.is_exact(v)]
            if not inexact:
                break
            owner = self._owner(inexact[0])
        return f"{owner.operation.name} had" if owner is not None else "an op had"

    def rule(self, value: object, dtype: str) -> OutputRule:
        if self.is_exact(value):
            return OutputRule(EXACT, dtype)
        owner = self._owner(value)
        name = owner.operation.name if owner is not None else ""
        if dtype not in FLOATS:
            return OutputRule(NONE, dtype, name, why=f"this {dtype} result depends on a float op no rule makes exact")
        inexact = [v for v in owner.operands if not self.is_exact(v)]
        if inexact:
            return OutputRule(NONE, dtype, name, why=(
                f"its {name} takes a value {self._rounded_by(inexact[0])} rounded: "
                "the spec's compliance rules bound one op's error, not a chain's"))
        if name in ULP_OPS:
            return OutputRule(ULP, dtype, name, ulp=1.0 if dtype == "bf16" else ULP_OPS[name])
        if name in DOT_PRODUCT_OPS:
            return OutputRule(DOT_PRODUCT, dtype, name, ks=_ks(self.ir, owner))
        return OutputRule(NONE, dtype, name, why=f"the spec gives {name} no bound fuzzir applies")


def read_tosa(text: str, function: str) -> TosaProgram:
    """The program as the reference model runs it, or `problem` saying why it cannot."""
    from iree.compiler import ir

    with ir.Context():
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            return TosaProgram(problem=f"invalid MLIR: {' '.join(str(e).split())[:200]}")
        entry = None
        for op in module.body.operations:
            name = op.operation.name
            if name == "func.func" and ir.StringAttr(op.attributes["sym_name"]).value == function:
                entry = op
            else:
                label = name if name != "func.func" else (
                    f"another function @{ir.StringAttr(op.attributes['sym_name']).value}")
                return TosaProgram(problem=f"the module holds {label} besides the entry: the reference runs one "
                                           "TOSA function")
        if entry is None:
            return TosaProgram(problem=f"no func.func @{function}")
        if len(entry.regions[0].blocks) != 1:
            return TosaProgram(problem="the entry function has no body or more than one block")
        ops = [op.operation.name for op in entry.regions[0].blocks[0].operations]
        if not any(name.startswith("tosa.") for name in ops):
            return TosaProgram(problem="not a TOSA program")
        for op in entry.regions[0].blocks[0].operations:
            name = op.operation.name
            if not name.startswith("tosa.") and name != "func.return":
                return TosaProgram(problem=f"non-TOSA op {name}: the reference runs TOSA ops only")
            if any(len(r.blocks) for r in op.operation.regions):
                return TosaProgram(problem=f"{name} has regions: control flow is not judged")
        ftype = ir.FunctionType(ir.TypeAttr(entry.attributes["function_type"]).value)
        args, shapes = [], []
        for i, t in enumerate(ftype.inputs):
            got = _tensor(ir, t)
            if isinstance(got, str):
                return TosaProgram(problem=f"argument #{i}: {got}")
            args.append(got[1])
        block = entry.regions[0].blocks[0]
        terminator = block.operations[len(block.operations) - 1]
        rules_of = _Rules(ir)
        rules = []
        for j, t in enumerate(ftype.results):
            got = _tensor(ir, t)
            if isinstance(got, str):
                return TosaProgram(problem=f"result #{j}: {got}")
            shapes.append(got[0])
            rules.append(rules_of.rule(terminator.operands[j], got[1]))
        entry.attributes["sym_name"] = ir.StringAttr.get("main")
        if "sym_visibility" in entry.attributes:
            del entry.attributes["sym_visibility"]
        generic = module.operation.get_asm(print_generic_op_form=True)
    return TosaProgram(generic, tuple(args), tuple(rules), tuple(shapes), ops=tuple(ops))
