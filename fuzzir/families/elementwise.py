"""Elementwise `linalg.generic`: all-parallel loops, with bodies that read `%out` and bodies that don't."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, register
from fuzzir.model import AffineExpr, AffineMap, Expr, LinalgOp, Ref, TensorType


def elementwise(
    ins: tuple[Ref, ...], in_maps: tuple[AffineMap, ...], init: Ref, out: TensorType, body: Expr
) -> LinalgOp:
    rank = len(out.shape)
    ident = tuple(D(i) for i in range(rank))
    return LinalgOp(
        name="linalg.generic",
        family="elementwise",
        ins=ins,
        init=init,
        bounds=out.shape,
        maps=(*in_maps, ident),
        iterators=("parallel",) * rank,
        body=body,
        result_type=out,
    )


def draw_operands(b: Builder, constant: bool) -> tuple[TensorType, list[Ref], list[AffineMap]]:
    """(output type, ins, their maps): inputs read the output's shape, its transpose or a broadcast of
    some of its dims."""
    large = b.prefer_large(constant)
    rank = b.draw(st.integers(1 if large else 0, 3))
    out = b.out_type(b.shape(rank, large=large))
    if b.hint is not None and not large:
        out, rank = b.hint, len(b.hint.shape)
    n_ins = b.draw(st.integers(1, 2))
    ins, maps = [], []
    for _ in range(n_ins):
        if rank >= 2 and b.draw(st.integers(0, 3)) == 0:
            perm = list(range(rank))
            perm[-1], perm[-2] = perm[-2], perm[-1]
            t = b.out_type(tuple(out.shape[p] for p in perm))
            maps.append(tuple(AffineExpr.dim(p) for p in perm))
        elif rank >= 1 and b.draw(st.integers(0, 3)) == 0:
            kept = [d for d in range(rank) if b.draw(st.booleans())]
            t = b.out_type(tuple(out.shape[d] for d in kept))
            maps.append(tuple(AffineExpr.dim(d) for d in kept))
        else:
            t = out
            maps.append(tuple(AffineExpr.dim(d) for d in range(rank)))
        ins.append(b.input(t))
    return out, ins, maps


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    """Inputs read the output's shape, its transpose or a broadcast of some of its dims."""
    out, ins, maps = draw_operands(b, constant)
    body = b.body_expr(len(ins), allow_out=b.draw(st.booleans()))
    return elementwise(tuple(ins), tuple(maps), b.init(out, constant), out, body)


def classify(name: str, iterators: tuple[str, ...], maps: tuple[AffineMap, ...]) -> bool:
    return "reduction" not in iterators


register(Family("elementwise", ("elementwise",), draw, classify=classify, order=0, parse_priority=0))
