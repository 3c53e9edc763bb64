"""Reductions as `linalg.generic`: an associative, commutative combiner folds some dims into the init."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, register
from fuzzir.model import COMBINERS, AffineMap, Expr, LinalgOp, Ref, TensorType, dtype_class


def reduction(
    src: Ref, src_type: TensorType, reduce_dims: tuple[int, ...], init: Ref, combiner: str,
    pre: Expr | None = None,
) -> LinalgOp:
    """Reduce `src` over `reduce_dims` into `init` with `combiner(pre(in), out)`."""
    rank = len(src_type.shape)
    kept = tuple(d for d in range(rank) if d not in reduce_dims)
    out = TensorType(tuple(src_type.shape[d] for d in kept), src_type.dtype)
    value = pre if pre is not None else Expr.arg(0)
    return LinalgOp(
        name="linalg.generic",
        family="reduction",
        ins=(src,),
        init=init,
        bounds=src_type.shape,
        maps=(tuple(D(i) for i in range(rank)), tuple(D(d) for d in kept)),
        iterators=tuple("reduction" if d in reduce_dims else "parallel" for d in range(rank)),
        body=Expr(combiner, (value, Expr.arg(1))),
        result_type=out,
    )


def draw_reduction(b: Builder, constant: bool, *, trailing: bool
                   ) -> tuple[Ref, TensorType, tuple[int, ...], Ref, str]:
    """(source, its type, reduced dims, init, combiner) of a reduction: a fresh shape or a chained
    result; a large focus init keeps one dim of 512 to 4096 elements. `trailing` picks the last dim
    as the default and large-focus reduced dim (`linalg.reduce`'s draw), else the first."""
    rank = b.draw(st.integers(1, 3))
    src_t = b.out_type(b.shape(rank))
    if b.hint is not None and b.hint.shape:
        src_t, rank = b.hint, len(b.hint.shape)
    dims = tuple(d for d in range(rank) if b.draw(st.booleans())) or ((rank - 1,) if trailing else (0,))
    if len(dims) == rank and rank > 1 and b.draw(st.booleans()):
        dims = dims[:-1] if trailing else dims[1:]  # keep some parallel dims more often than not
    if b.prefer_large(constant):
        src_t = b.out_type((b.large_length(), b.dim(1, 4)) if trailing else (b.dim(1, 4), b.large_length()))
        rank, dims = 2, ((1,) if trailing else (0,))
    src = b.input(src_t)
    combiner = b.draw(st.sampled_from(COMBINERS[dtype_class(b.dtype)]))
    kept = tuple(src_t.shape[d] for d in range(rank) if d not in dims)
    init = b.init(b.out_type(kept), constant)
    return src, src_t, dims, init, combiner


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    """Reduce a fresh shape or a chained result; a large focus init keeps one dim of 512 to 4096 elements."""
    return reduction(*draw_reduction(b, constant, trailing=False))


def classify(name: str, iterators: tuple[str, ...], maps: tuple[AffineMap, ...]) -> bool:
    """The catch-all for generic ops with a reduction loop: tried after the more specific families."""
    return "reduction" in iterators


register(Family("reduction", ("reduction",), draw, classify=classify, order=10, parse_priority=1000))
