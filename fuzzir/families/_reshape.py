"""Reshapes between a constant and the op that writes into it, as frontends emit them.

torch-mlir and StableHLO keep a weight in its own shape and `view` it into the
shape of the op that accumulates into it: `tensor.expand_shape` of a flatter
constant, or `tensor.collapse_shape` of one with a dim split in two (or a unit
dim added). Any family's constant init can be drawn this way (`Builder.init`).
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder
from fuzzir.model import COLLAPSE_SHAPE, EXPAND_SHAPE, Reshape, TensorType


def draw_reshape(b: Builder, t: TensorType) -> Reshape | None:
    """For one in four constants of rank 1 or more, a reshape whose result is `t`; else None."""
    shape, rank = t.shape, len(t.shape)
    if rank == 0 or b.draw(st.integers(0, 3)) != 0:
        return None
    if rank >= 2 and b.draw(st.booleans()):  # expand: two adjacent dims of `t` are one in the constant
        d = b.draw(st.integers(0, rank - 2))
        source = (*shape[:d], shape[d] * shape[d + 1], *shape[d + 2:])
        groups = (*((i,) for i in range(d)), (d, d + 1), *((i,) for i in range(d + 2, rank)))
        return Reshape(EXPAND_SHAPE, TensorType(source, t.dtype), groups)
    d = b.draw(st.integers(0, rank - 1))  # collapse: one dim of `t` is two in the constant
    n = shape[d]
    factors = [f for f in range(2, n) if n % f == 0]
    if factors:
        f = b.draw(st.sampled_from(factors))
        parts = (f, n // f)
    else:
        parts = (1, n) if b.draw(st.booleans()) else (n, 1)
    source = (*shape[:d], *parts, *shape[d + 1:])
    groups = (*((i,) for i in range(d)), (d, d + 1), *((i + 1,) for i in range(d + 1, rank)))
    return Reshape(COLLAPSE_SHAPE, TensorType(source, t.dtype), groups)
