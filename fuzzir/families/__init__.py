"""The op-family registry: one module per family, each registering itself.

A family module (``elementwise.py``, ``contraction.py``, ...) holds the family's
generic-form constructors (named ops get the maps and bodies that
`linalg-generalize-named-ops` gives them, so the numpy reference has one
interpreter) and its draw code, and calls `register` with a `Family` spec. The
package imports every public module in this folder (pkgutil), so adding a family
is adding one file: the generator draws its kinds and the parser classifies its ops.

Dependencies run one way: ``fuzzir.generators`` -> ``fuzzir.families`` ->
``fuzzir.model``. Family code sees the generator only through the `Builder`
protocol below.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
from hypothesis.strategies import SearchStrategy

from fuzzir.model import AffineExpr, AffineMap, Expr, LinalgOp, LiteralKind, Ref, TensorOp, TensorType, is_float

T = TypeVar("T")
D = AffineExpr.dim


class Builder(Protocol):
    """What a family's draw code may ask of the program being built (`fuzzir.generators.programs._Builder`)."""

    dtype: str  # the element type of every tensor in the program
    hint: TensorType | None  # an earlier result to chain onto, when drawn

    def draw(self, strategy: SearchStrategy[T], /) -> T: ...

    def dim(self, lo: int = 1, hi: int = 8) -> int: ...

    def shape(self, rank: int, large: bool = False) -> tuple[int, ...]: ...

    def out_type(self, shape: tuple[int, ...]) -> TensorType: ...

    def input(self, t: TensorType) -> Ref: ...

    def init(self, t: TensorType, constant: bool) -> Ref: ...

    def literal(self, kind: LiteralKind, t: TensorType) -> Ref: ...

    def constant(self, data: np.ndarray, dtype: str) -> Ref: ...

    def body_expr(self, n_ins: int, allow_out: bool, depth: int = 2) -> Expr: ...

    def prefer_large(self, constant: bool) -> bool: ...

    def large_length(self) -> int: ...


#: draw(builder, kind, constant): one op of `kind`; `constant` marks the focus op, whose init is a constant.
DrawOp = Callable[[Builder, str, bool], LinalgOp | TensorOp]
#: classify(name, iterators, maps): whether a generic op with this shape belongs to the family.
Classify = Callable[[str, tuple[str, ...], tuple[AffineMap, ...]], bool]


def _never(name: str, iterators: tuple[str, ...], maps: tuple[AffineMap, ...]) -> bool:
    return False


@dataclass(frozen=True)
class Family:
    """One op family: what it draws, what it emits, and how the parser recognizes its generic ops.

    `order` places the family in the registry (and its kinds in `OP_KINDS`);
    `parse_priority` orders the `classify` hooks for generic ops, lowest first,
    so that a catch-all (reduction: "anything with a reduction loop") goes last.
    """

    name: str
    kinds: tuple[str, ...]
    draw: DrawOp
    named_ops: tuple[str, ...] = ()
    classify: Classify = _never
    order: int = 100
    parse_priority: int = 100


_REGISTRY: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add `family` to the registry; names and kinds must be new."""
    if family.name in _REGISTRY:
        raise ValueError(f"op family {family.name!r} is registered twice")
    taken = {k: f.name for f in _REGISTRY.values() for k in f.kinds}
    for kind in family.kinds:
        if kind in taken:
            raise ValueError(f"op kind {kind!r} of family {family.name!r} already belongs to {taken[kind]!r}")
    _REGISTRY[family.name] = family
    return family


def all_families() -> tuple[Family, ...]:
    """Every registered family, in registry order."""
    return tuple(sorted(_REGISTRY.values(), key=lambda f: (f.order, f.name)))


def get(name: str) -> Family:
    """The family called `name` (ValueError naming the valid ones otherwise)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        valid = ", ".join(f.name for f in all_families())
        raise ValueError(f"unknown op family {name!r}; valid: {valid}") from None


def family_for_kind(kind: str) -> Family:
    """The family that draws op kind `kind`."""
    for family in all_families():
        if kind in family.kinds:
            return family
    valid = ", ".join(k for f in all_families() for k in f.kinds)
    raise ValueError(f"unknown op kind {kind!r}; valid: {valid}")


def family_of(name: str, iterators: tuple[str, ...] = (), maps: tuple[AffineMap, ...] = ()) -> str:
    """The family of an op: by its name if a family emits it, else by the generic form's shape."""
    for family in all_families():
        if name in family.named_ops:
            return family.name
    for family in sorted(all_families(), key=lambda f: (f.parse_priority, f.order)):
        if family.classify(name, iterators, maps):
            return family.name
    raise ValueError(f"no op family recognizes {name} with iterators {iterators}")


def multiply_accumulate(dtype: str) -> Expr:
    """out + in0 * in1, the body every named contraction and convolution has."""
    add, mul = ("addf", "mulf") if is_float(dtype) else ("addi", "muli")
    return Expr(add, (Expr.arg(2), Expr(mul, (Expr.arg(0), Expr.arg(1)))))


def _discover() -> None:
    """Import every public module of this package: each registers its family."""
    for info in pkgutil.iter_modules(__path__, prefix=f"{__name__}."):
        if not info.name.rsplit(".", 1)[1].startswith("_"):
            importlib.import_module(info.name)


_discover()

FAMILIES: tuple[str, ...] = tuple(f.name for f in all_families())
OP_KINDS: tuple[str, ...] = tuple(k for f in all_families() for k in f.kinds)
NAMED_OPS: tuple[str, ...] = tuple(op for f in all_families() for op in f.named_ops)

__all__ = [
    "D", "FAMILIES", "NAMED_OPS", "OP_KINDS", "Builder", "Family", "all_families", "family_for_kind",
    "family_of", "get", "multiply_accumulate", "register",
]
