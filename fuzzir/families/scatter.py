"""`iree_linalg_ext.scatter`: rows of updates written (or combined) into a constant at constant indices.

How frontends lower `index_put` / `scatter` into a constant. Indices are an i32
constant `tensor<N x depth>` (depth 1 or 2), its rows unique and in bounds (so
`unique_indices(true)` holds and any order gives the same result), and
`dimension_map` sends index column k to an original dim; each update row is a
full slice of the original's trailing dims. The combiner region gets
`(update, original)`: overwrite (yield the update), add or max. The decoupling
pass turns a splat constant destination into a fill (its splat rule covers
LinalgExt ops) and leaves non-splat ones alone (no contraction interface).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from fuzzir.families import Builder, Family, register
from fuzzir.model import SCATTER, Expr, Ref, TensorOp, TensorType, is_float

NAME = "iree_linalg_ext.scatter"
#: Combiners by name: what the region yields from (update = arg 0, original = arg 1).
COMBINERS = ("overwrite", "add", "max")


def combiner(name: str, dtype: str) -> Expr:
    if name == "overwrite":
        return Expr.arg(0)
    op = {"add": ("addf", "addi"), "max": ("maximumf", "maxsi")}[name][0 if is_float(dtype) else 1]
    return Expr(op, (Expr.arg(0), Expr.arg(1)))


def scatter(updates: Ref, indices: Ref, original: Ref, original_type: TensorType, dimension_map: tuple[int, ...],
            body: Expr) -> TensorOp:
    return TensorOp(NAME, SCATTER, (updates, indices), original, original_type, dimension_map=dimension_map,
                    body=body)


def unique_rows(seed: int, dims: tuple[int, ...], n: int) -> np.ndarray:
    """`n` distinct index rows into `dims`, as i32 (n is at most their product)."""
    rng = np.random.default_rng(seed)
    flat = rng.choice(int(np.prod(dims)), size=n, replace=False)
    return np.stack(np.unravel_index(flat, dims), axis=1).astype(np.int32).reshape(n, len(dims))


def draw(b: Builder, kind: str, constant: bool) -> TensorOp:
    """An original of rank 1-3, index depth 1 or 2, up to 6 update rows."""
    large = b.prefer_large(constant)
    depth = 2 if b.draw(st.integers(0, 3)) == 0 else 1
    rank = b.draw(st.integers(max(depth, 1 if large else depth), 3))
    original = b.out_type(b.shape(rank, large=large))
    if b.hint is not None and len(b.hint.shape) >= depth and not large:
        original = b.hint
    dimension_map = tuple(range(depth))
    if depth == 2 and b.draw(st.booleans()):
        dimension_map = (1, 0)
    indexed = tuple(original.shape[d] for d in dimension_map)
    n = b.draw(st.integers(1, min(int(np.prod(indexed)), 6)))
    rows = unique_rows(b.draw(st.integers(0, 2**32 - 1)), indexed, n)
    updates = b.input(b.out_type((n, *original.shape[depth:])))
    indices = b.constant(rows, "i32")
    body = combiner(b.draw(st.sampled_from(COMBINERS)), original.dtype)
    return scatter(updates, indices, b.init(original, constant), original, dimension_map, body)


register(Family(SCATTER, (SCATTER,), draw, named_ops=(NAME,), order=70))
