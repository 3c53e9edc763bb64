"""Which values of an argument keep the indices it becomes in bounds.

An argument that becomes an index (a dynamic offset of `tensor.extract_slice` or
`insert_slice`, an index of `tensor.extract` or `insert`) cannot be drawn at random:
an index out of bounds is undefined behaviour, never a bug. `value_facts` follows
each such argument to the indices it becomes as a `Form`, an expression it can
invert: `clamp(scale * x + offset, lo, hi)` of an element `x` of the argument
(casts are the identity on the small values fuzzir draws; `addi`, `subi` and `muli`
with a constant are affine; `maxsi`/`minsi` with a constant clamp, as StableHLO's
`dynamic_slice` lowers). Each use gives an interval the index must lie in; `solve`
turns it into an interval of `x`, and the intervals of every use are intersected.
Arithmetic that a `Form` cannot express (two arguments added, a division) keeps the
argument invalid, and so does an empty intersection: the program is not run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Form", "const_int", "index_positions", "intersect", "slice_bounds"]


@dataclass(frozen=True)
class Form:
    """Every element of a value is `clamp(scale * x + offset, lo, hi)`, `x` an element of argument `arg`."""

    arg: int
    scale: int = 1
    offset: int = 0
    lo: float = -math.inf
    hi: float = math.inf

    def affine(self, a: int, d: int) -> Form | None:
        """The form of `a * value + d` (None for a = 0: the argument no longer matters)."""
        if a == 0:
            return None
        lo, hi = _times(a, self.lo) + d, _times(a, self.hi) + d
        return Form(self.arg, a * self.scale, a * self.offset + d, min(lo, hi), max(lo, hi))

    def at_least(self, c: int) -> Form:
        """The form of `max(value, c)`."""
        return Form(self.arg, self.scale, self.offset, max(self.lo, c), max(self.hi, c))

    def at_most(self, c: int) -> Form:
        """The form of `min(value, c)`."""
        return Form(self.arg, self.scale, self.offset, min(self.lo, c), min(self.hi, c))

    def solve(self, low: int, high: int) -> tuple[int, int] | None:
        """The interval of `x` that keeps the value within [low, high]; None when every `x` does.

        Sufficient, not necessary: where the clamp alone does not keep the value in bounds,
        the unclamped `scale * x + offset` is kept within both the bounds and the clamp."""
        if self.lo >= low and self.hi <= high:
            return None
        lo, hi = max(low, self.lo), min(high, self.hi)
        if lo > hi:
            return (1, 0)
        a, b = (lo - self.offset) / self.scale, (hi - self.offset) / self.scale
        a, b = min(a, b), max(a, b)
        return (math.ceil(a) if math.isfinite(a) else -(2**62), math.floor(b) if math.isfinite(b) else 2**62)


def _times(a: int, x: float) -> float:
    return x * a if math.isfinite(x) else (x if a > 0 else -x)


def intersect(a: tuple[int, int] | None, b: tuple[int, int]) -> tuple[int, int]:
    """The intersection of two intervals (empty when low > high); None is no constraint yet."""
    return b if a is None else (max(a[0], b[0]), min(a[1], b[1]))


def slice_bounds(extent: int, size: int, stride: int) -> tuple[int, int]:
    """The offsets at which a slice of `size` elements, `stride` apart, lies within `extent`."""
    span = (size - 1) * stride + 1 if size > 0 else 0
    return (0, extent - span)


def const_int(ir: object, value: object) -> int | None:
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.operation.name != "arith.constant":
        return None
    attr = owner.attributes["value"]
    return int(attr.value) if isinstance(attr, ir.IntegerAttr) else None


def index_positions(ir: object, op: object) -> dict[int, tuple[int, int] | str]:
    """Operand position -> the interval an index there must lie in (or why it has none), for ops that index."""
    name = op.operation.name
    if name in ("tensor.extract", "tensor.insert"):
        first = 1 if name == "tensor.extract" else 2
        t = ir.RankedTensorType(op.operands[first - 1].type)
        return {first + d: "of a dynamic dimension" if t.is_dynamic_dim(d) else (0, int(t.shape[d]) - 1)
                for d in range(t.rank)}
    if name not in ("tensor.extract_slice", "tensor.insert_slice"):
        return {}
    first = 1 if name == "tensor.extract_slice" else 2
    t = ir.RankedTensorType(op.operands[first - 1].type)
    dyn = ir.ShapedType.get_dynamic_size()
    offsets, sizes, strides = (list(ir.DenseI64ArrayAttr(op.attributes[f"static_{k}"]))
                               for k in ("offsets", "sizes", "strides"))
    out: dict[int, tuple[int, int] | str] = {}
    pos = first
    for d, o in enumerate(offsets):
        if o == dyn:
            if sizes[d] == dyn or strides[d] == dyn or strides[d] < 1 or t.is_dynamic_dim(d):
                out[pos] = "as an offset whose slice has a dynamic size or stride, or a dynamic dimension"
            else:
                out[pos] = slice_bounds(int(t.shape[d]), sizes[d], strides[d])
            pos += 1
    for what, values in (("size", sizes), ("stride", strides)):
        for v in values:
            if v == dyn:
                out[pos] = f"as a dynamic {what} (its shape must agree with what it meets)"
                pos += 1
    return out
