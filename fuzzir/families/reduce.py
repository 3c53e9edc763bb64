"""`linalg.reduce`: the named reduction op with its own region, as frontends (torch-mlir, StableHLO) emit it.

Its generic form is the `reduction` family's (identity input map, the kept dims on the init,
`combiner(in, init)`), but it prints as `linalg.reduce ... dimensions = [...]` with the
combiner in its region, and it has neither a contraction nor a convolution interface: the
decoupling pass treats its constant init only by the splat rule.
"""

from __future__ import annotations

from fuzzir.families import Builder, Family, register
from fuzzir.families.reduction import draw_reduction, reduction
from fuzzir.model import LinalgOp, Ref, TensorType

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
    """Like the reduction family, with the last dim as the default reduced one."""
    return reduce_op(*draw_reduction(b, constant, trailing=True))


register(Family("reduce", ("reduce",), draw, named_ops=(NAME,), order=15))
