"""Multi-result `linalg.generic`: one loop nest, several destinations, as frontends fuse sibling ops.

Two kinds: `multi_reduction` (several reductions of the same input, e.g. a sum and a max, each
into its own init: what torch-mlir and fusion make of `var_mean`-like code) and
`multi_elementwise` (an all-parallel op with two or three outputs). Each output has its own
init, indexing map and body; the block arguments are the ins, then every output's out value
(`Expr.arg(len(ins) + k)` is output k's). A reduction output's body reads only its own out
value; an elementwise body may read another output's (its init's value there).

The decoupling pass's splat rule rewrites each splat `arith.constant` init of any linalg op
(it loops over every init); its detach rule needs a contraction or convolution interface and
exactly one init, so a non-splat constant init of these ops stays in place
(`fuzzir.findings.pass_matcher`: not an interface family).
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, register
from fuzzir.families.elementwise import draw_operands
from fuzzir.families.reduction import draw_reduction, reduction
from fuzzir.model import COMBINERS, AffineMap, Expr, LinalgOp, Output, Ref, TensorType, dtype_class

NAME = "multi_result"


def multi(op: LinalgOp, outputs: list[Output]) -> LinalgOp:
    """`op` (a single-result generic) with `outputs` added after its own."""
    return LinalgOp(name="linalg.generic", family=NAME, ins=op.ins, init=op.init, bounds=op.bounds, maps=op.maps,
                    iterators=op.iterators, body=op.body, result_type=op.result_type, more=tuple(outputs))


def _value(b: Builder, n_ins: int) -> Expr:
    """What a reduction output folds: an input, or a small expression over the inputs."""
    if b.draw(st.integers(0, 2)) == 0:
        return b.body_expr(n_ins, allow_out=False, depth=1)
    return Expr.arg(b.draw(st.integers(0, n_ins - 1)))


def draw_multi_reduction(b: Builder, constant: bool) -> LinalgOp:
    """Two or three reductions of one input over the same dims, each with its own combiner and init."""
    src, src_t, dims, init, combiner = draw_reduction(b, constant, trailing=False)
    first = reduction(src, src_t, dims, init, combiner)
    out_t = first.result_type
    outputs = []
    for k in range(1, b.draw(st.integers(2, 3))):
        comb = b.draw(st.sampled_from(COMBINERS[dtype_class(b.dtype)]))
        body = Expr(comb, (_value(b, 1), Expr.arg(1 + k)))
        outputs.append(Output(b.init(out_t, constant and b.draw(st.booleans())), first.maps[-1], body, out_t))
    return multi(first, outputs)


def _remap_leaves(e: Expr, n_ins: int, n_out: int, k: int, cross: bool) -> Expr:
    """A body drawn over `n_ins` ins (and, with `cross`, the other outputs), then its own out value,
    as output k's body: the leaf after the ins (and the others) is output k's out value."""
    if not cross:
        return e.remap({n_ins: n_ins + k})
    others = [j for j in range(n_out) if j != k]
    mapping = {n_ins + i: n_ins + j for i, j in enumerate(others)}
    mapping[n_ins + len(others)] = n_ins + k
    return e.remap(mapping)


def draw_multi_elementwise(b: Builder, constant: bool) -> LinalgOp:
    """An all-parallel op with two or three outputs of the iteration shape (or its transpose)."""
    out, ins, in_maps = draw_operands(b, constant)
    rank = len(out.shape)
    n_ins = len(ins)
    n_out = b.draw(st.integers(2, 3))
    ident: AffineMap = tuple(D(i) for i in range(rank))
    types: list[TensorType] = [out]
    maps: list[AffineMap] = [ident]
    for _ in range(1, n_out):
        if rank >= 2 and b.draw(st.integers(0, 3)) == 0:
            perm = list(range(rank))
            perm[-1], perm[-2] = perm[-2], perm[-1]
            types.append(b.out_type(tuple(out.shape[p] for p in perm)))
            maps.append(tuple(D(p) for p in perm))
        else:
            types.append(out)
            maps.append(ident)
    bodies = []
    for k in range(n_out):
        cross = b.draw(st.integers(0, 3)) == 0  # read another output's init value too
        e = b.body_expr(n_ins + (n_out - 1 if cross else 0), allow_out=b.draw(st.booleans()))
        bodies.append(_remap_leaves(e, n_ins, n_out, k, cross))
    inits: list[Ref] = [b.init(types[0], constant)]
    inits += [b.init(t, constant and b.draw(st.booleans())) for t in types[1:]]
    first = LinalgOp(name="linalg.generic", family=NAME, ins=tuple(ins), init=inits[0], bounds=out.shape,
                     maps=(*in_maps, ident), iterators=("parallel",) * rank, body=bodies[0], result_type=out)
    return multi(first, [Output(inits[k], maps[k], bodies[k], types[k]) for k in range(1, n_out)])


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    if kind == "multi_reduction":
        return draw_multi_reduction(b, constant)
    return draw_multi_elementwise(b, constant)


register(Family(NAME, ("multi_reduction", "multi_elementwise"), draw, order=50))
