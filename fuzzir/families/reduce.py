"""`linalg.reduce`: the named reduction op with its own region, as frontends (torch-mlir, StableHLO) emit it.

Its generic form is the `reduction` family's (identity input map, the kept dims on the init,
`combiner(in, init)`), but it prints as `linalg.reduce ... dimensions = [...]` with the
combiner in its region, and it has neither a contraction nor a convolution interface: the
decoupling pass treats its constant init only by the splat rule.
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, Family, register
from fuzzir.families.reduction import reduction
from fuzzir.model import COMBINERS, LinalgOp, Ref, TensorType, dtype_class

NAME = "linalg.reduce"


def reduce_op(src: Ref, src_type: TensorType, dims: tuple[int, ...], init: Ref, combiner: str) -> LinalgOp:
    """`linalg.reduce` of `src` over `dims` (sorted) into `init` with `combiner(in, init)`."""
    op = reduction(src, src_type, tuple(sorted(dims)), init, combiner)
    return LinalgOp(name=NAME, family="reduce", ins=op.ins, init=op.init, bounds=op.bounds, maps=op.maps,
                    iterators=op.iterators, body=op.body, result_type=op.result_type)


def is_reduce_form(op: LinalgOp) -> bool:
    """Whether `op`'s generic form is one `linalg.reduce` can print: one input read by the identity
    map, the init by the kept dims in order, and a body `combiner(in, out)`."""
    if len(op.ins) != 1 or not op.reduction_dims:
        return False
    rank = len(op.bounds)
    kept = tuple(d for d in range(rank) if op.iterators[d] == "parallel")
    ident = all(e.is_dim() and e.terms[0][0] == d for d, e in enumerate(op.maps[0])) and len(op.maps[0]) == rank
    out_ok = len(op.maps[1]) == len(kept) and all(
        e.is_dim() and e.terms[0][0] == d for d, e in zip(kept, op.maps[1], strict=True))
    b = op.body
    body_ok = (len(b.args) == 2 and b.args[0].op == "arg" and b.args[0].index == 0
               and b.args[1].op == "arg" and b.args[1].index == 1)
    return ident and out_ok and body_ok


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    """Like the reduction family: a fresh or chained source, some dims reduced, a large focus init kept 1-D."""
    rank = b.draw(st.integers(1, 3))
    src_t = b.out_type(b.shape(rank))
    if b.hint is not None and b.hint.shape:
        src_t, rank = b.hint, len(b.hint.shape)
    dims = tuple(d for d in range(rank) if b.draw(st.booleans())) or (rank - 1,)
    if len(dims) == rank and rank > 1 and b.draw(st.booleans()):
        dims = dims[:-1]
    if b.prefer_large(constant):
        src_t = b.out_type((b.large_length(), b.dim(1, 4)))
        rank, dims = 2, (1,)
    src = b.input(src_t)
    combiner = b.draw(st.sampled_from(COMBINERS[dtype_class(b.dtype)]))
    kept = tuple(src_t.shape[d] for d in range(rank) if d not in dims)
    init = b.init(b.out_type(kept), constant)
    return reduce_op(src, src_t, dims, init, combiner)


register(Family("reduce", ("reduce",), draw, named_ops=(NAME,), order=15))
