"""Linalg body expressions: the tree over a region's block arguments, the arith ops it may use, its types.

Part of the program model (`fuzzir.model` re-exports everything here). A body is mostly of
its op's element type; casts, compares (i1) and selects let parts of it compute in another
type, so each node may name its type and `check_body` says whether MLIR would verify it
(the minimizer's rewrites and the parser rely on that).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from fuzzir.dtypes import ELEMENT_TYPES


def is_float(dtype: str) -> bool:
    return ELEMENT_TYPES[dtype].is_float


@dataclass(frozen=True)
class Expr:
    """A linalg body: a tree over the block arguments (ins first, then the out).

    `dtype` is the node's result type where it is not the body's element type (a cast's
    result, `i1` for a compare, anything computed between a cast and its cast back);
    arguments take their block argument's type. `pred` is a compare's predicate.
    """

    op: str  # "arg", "const", "index" (loop `index`, cast to `dtype`), or an arith op name, e.g. "addf"
    args: tuple[Expr, ...] = ()
    index: int = 0
    value: float | int = 0
    dtype: str = ""
    pred: str = ""

    @staticmethod
    def arg(i: int) -> Expr:
        return Expr("arg", index=i)

    @staticmethod
    def const(v: float | int, dtype: str = "") -> Expr:
        return Expr("const", value=v, dtype=dtype)

    def walk(self) -> Iterator[Expr]:
        yield self
        for a in self.args:
            yield from a.walk()

    def reads(self, i: int) -> bool:
        return any(e.op == "arg" and e.index == i for e in self.walk())

    def size(self) -> int:
        return sum(1 for _ in self.walk())

    def remap(self, mapping: dict[int, int]) -> Expr:
        """This tree with block argument i read as `mapping.get(i, i)`."""
        if self.op == "arg":
            return Expr.arg(mapping.get(self.index, self.index))
        if not self.args:
            return self
        return dataclasses.replace(self, args=tuple(a.remap(mapping) for a in self.args))


#: arith ops a body may use, by element type class, with their arity.
BINARY_FLOAT = ("addf", "subf", "mulf", "maximumf", "minimumf")
BINARY_INT = ("addi", "subi", "muli", "maxsi", "minsi", "andi", "ori", "xori")
#: Body ops on i1 values (booleans: and, or, xor of compare results).
LOGIC_I1 = ("andi", "ori", "xori")
#: Unary body ops (exact: no rounding), and the dialect of those that are not arith.
UNARY_FLOAT = ("negf", "absf")
UNARY_INT = ("absi",)
UNARY_DIALECT = {"absf": "math", "absi": "math"}
#: Integer division (MLIR's: truncates toward zero; the remainder has the dividend's sign). A zero
#: divisor or INT_MIN / -1 is undefined behaviour: the generator guards the divisor.
DIVISION_INT = ("divsi", "remsi")
#: Compare predicates (`arith.cmpf` ordered ones, `arith.cmpi` signed ones); the result is i1.
CMPF_PREDICATES = ("oeq", "one", "olt", "ole", "ogt", "oge")
CMPI_PREDICATES = ("eq", "ne", "slt", "sle", "sgt", "sge")
#: Casts: name -> (operand is float, result is float, result is wider: None when widths may differ freely).
CASTS: dict[str, tuple[bool, bool, bool | None]] = {
    "sitofp": (False, True, None), "fptosi": (True, False, None),
    "extf": (True, True, True), "truncf": (True, True, False),
    "extsi": (False, False, True), "trunci": (False, False, False),
}
#: Types a body value may have: the element types, plus i1 for compare results.
BODY_DTYPES: tuple[str, ...] = ("f32", "f16", "bf16", "i64", "i32", "i16", "i8", "i1")
_BITS = {"f32": 32, "f16": 16, "bf16": 16, "i64": 64, "i32": 32, "i16": 16, "i8": 8, "i1": 1}
#: Reduction combiners: associative and commutative, so any order gives the same result.
COMBINERS = {
    "float": ("addf", "mulf", "maximumf", "minimumf"),
    "int": ("addi", "muli", "maxsi", "minsi", "andi", "ori", "xori"),
}


def bits(dtype: str) -> int:
    return _BITS[dtype]


def expr_dtype(e: Expr, arg_types: Sequence[str], default: str) -> str:
    """The type of the value `e` computes in a body whose element type is `default`."""
    if e.op == "arg":
        return arg_types[e.index]
    return e.dtype or default


def check_body(e: Expr, arg_types: Sequence[str], default: str) -> str:
    """The type of `e`; ValueError where an operand's type does not fit its op (MLIR would not verify)."""
    if e.op == "arg":
        if not 0 <= e.index < len(arg_types):
            raise ValueError(f"body reads block argument {e.index} of {len(arg_types)}")
        return arg_types[e.index]
    t = expr_dtype(e, arg_types, default)
    if t not in BODY_DTYPES:
        raise ValueError(f"body value of type {t!r}")
    if e.op == "const":
        return t
    if e.op == "index":  # `linalg.index d` cast to an integer type: the loop position
        if is_float(t) or t == "i1" or e.args:
            raise ValueError(f"linalg.index as {t}")
        return t
    operands = [check_body(a, arg_types, default) for a in e.args]
    if e.op in ("cmpf", "cmpi"):
        float_cmp = e.op == "cmpf"
        preds = CMPF_PREDICATES if float_cmp else CMPI_PREDICATES
        if (t != "i1" or len(operands) != 2 or operands[0] != operands[1] or e.pred not in preds
                or is_float(operands[0]) != float_cmp or operands[0] == "i1"):
            raise ValueError(f"ill-typed {e.op} {e.pred} on {operands} -> {t}")
        return t
    if e.op == "select":
        if len(operands) != 3 or operands != ["i1", t, t]:
            raise ValueError(f"ill-typed select on {operands} -> {t}")
        return t
    if e.op in CASTS:
        from_float, to_float, wider = CASTS[e.op]
        src = operands[0] if len(operands) == 1 else "i1"
        ok = "i1" not in (src, t) and is_float(src) == from_float and is_float(t) == to_float
        if wider is not None:  # ext* must widen, trunc* must narrow (f16 <-> bf16 is neither)
            ok = ok and bits(t) != bits(src) and (bits(t) > bits(src)) == wider
        if not ok:
            raise ValueError(f"ill-typed {e.op} {operands} -> {t}")
        return t
    floats = is_float(t)
    binary = BINARY_FLOAT if floats else (*BINARY_INT, *DIVISION_INT)
    unary = UNARY_FLOAT if floats else UNARY_INT
    arity = 2 if e.op in binary else 1 if e.op in unary else 0
    # On i1 only the logic ops (compare results combined: StableHLO's division guards).
    if not arity or (t == "i1" and e.op not in LOGIC_I1) or len(operands) != arity or any(o != t for o in operands):
        raise ValueError(f"ill-typed or unknown body op {e.op} on {operands} -> {t}")
    return t
