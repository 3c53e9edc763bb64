"""`tensor.insert_slice %src into %dest[offsets][sizes][strides]`: a slice of a constant replaced.

Frontends write `x[1:3] = y` on a constant this way. It is a copy in IREE (the
destination's value is read, never written in place), and the decoupling pass
does not match it (it matches linalg and LinalgExt ops only): a constant
destination must stay clean with and without the pass. Offsets, sizes and
strides (1 or 2) are static and in bounds; the source has the destination's rank.
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, Family, register
from fuzzir.model import INSERT_SLICE, Ref, TensorOp, TensorType

NAME = "tensor.insert_slice"


def insert_slice(src: Ref, dest: Ref, dest_type: TensorType, offsets: tuple[int, ...], sizes: tuple[int, ...],
                 strides: tuple[int, ...]) -> TensorOp:
    return TensorOp(NAME, INSERT_SLICE, (src,), dest, dest_type, offsets=offsets, sizes=sizes, strides=strides)


def draw(b: Builder, kind: str, constant: bool) -> TensorOp:
    """A destination of rank 1-3 (an earlier result's type when chained) and a slice that fits it."""
    large = b.prefer_large(constant)
    rank = b.draw(st.integers(1, 3))
    dest = b.out_type(b.shape(rank, large=large))
    if b.hint is not None and b.hint.shape and not large:
        dest, rank = b.hint, len(b.hint.shape)
    offsets, sizes, strides = [], [], []
    for d in dest.shape:
        if b.draw(st.integers(0, 3)) == 0:  # the whole dim
            o, n, s = 0, d, 1
        else:
            s = b.draw(st.sampled_from((1, 1, 2))) if d > 2 else 1
            n = b.draw(st.integers(1, min((d - 1) // s + 1, 8)))
            o = b.draw(st.integers(0, d - 1 - (n - 1) * s))
        offsets.append(o)
        sizes.append(n)
        strides.append(s)
    src = b.input(b.out_type(tuple(sizes)))
    return insert_slice(src, b.init(dest, constant), dest, tuple(offsets), tuple(sizes), tuple(strides))


register(Family(INSERT_SLICE, (INSERT_SLICE,), draw, named_ops=(NAME,), order=60))
