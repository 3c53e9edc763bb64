"""One constructor per op family: the generic form of every op fuzzir emits.

Named ops (`linalg.matmul`, convolutions, pooling) are built here with the
indexing maps and bodies that `linalg-generalize-named-ops` gives them, so the
numpy reference interprets them like any `linalg.generic`.
"""

from __future__ import annotations

from fuzzir.model import AffineExpr, AffineMap, Expr, LinalgOp, Ref, TensorType, is_float

D = AffineExpr.dim

FAMILIES = ("elementwise", "reduction", "contraction", "convolution", "pooling")
NAMED_CONTRACTIONS = ("linalg.matmul", "linalg.batch_matmul", "linalg.matvec")
CONVOLUTIONS = ("linalg.conv_2d_nhwc_hwcf", "linalg.depthwise_conv_2d_nhwc_hwc")
POOLINGS = ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min", "linalg.pooling_nhwc_sum")


def family_of(name: str, iterators: tuple[str, ...] = (), maps: tuple[AffineMap, ...] = ()) -> str:
    """The family of an op, from its name (and, for generics, its shape)."""
    if name in NAMED_CONTRACTIONS:
        return "contraction"
    if name in CONVOLUTIONS:
        return "convolution"
    if name in POOLINGS:
        return "pooling"
    if "reduction" not in iterators:
        return "elementwise"
    if any(not e.is_dim() for m in maps for e in m):
        return "convolution"
    if len(maps) == 3 and len([it for it in iterators if it == "reduction"]) == 1:
        red = iterators.index("reduction")
        in_uses = [any(e.terms and e.terms[0][0] == red for e in m) for m in maps[:2]]
        if all(in_uses):
            return "contraction"
    return "reduction"


def _ops(dtype: str) -> tuple[str, str]:
    return ("addf", "mulf") if is_float(dtype) else ("addi", "muli")


def multiply_accumulate(dtype: str) -> Expr:
    """out + in0 * in1, the body every named contraction and convolution has."""
    add, mul = _ops(dtype)
    return Expr(add, (Expr.arg(2), Expr(mul, (Expr.arg(0), Expr.arg(1)))))


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


def matmul(a: Ref, b: Ref, init: Ref, m: int, n: int, k: int, dtype: str,
           transpose_a: bool = False, transpose_b: bool = False, generic: bool = False) -> LinalgOp:
    """C[m,n] += A[m,k] * B[k,n]; as a generic with transposed maps if asked."""
    a_map = (D(2), D(0)) if transpose_a else (D(0), D(2))
    b_map = (D(1), D(2)) if transpose_b else (D(2), D(1))
    named = not (generic or transpose_a or transpose_b)
    return LinalgOp(
        name="linalg.matmul" if named else "linalg.generic",
        family="contraction",
        ins=(a, b),
        init=init,
        bounds=(m, n, k),
        maps=(a_map, b_map, (D(0), D(1))),
        iterators=("parallel", "parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((m, n), dtype),
    )


def batch_matmul(a: Ref, b: Ref, init: Ref, bt: int, m: int, n: int, k: int, dtype: str) -> LinalgOp:
    return LinalgOp(
        name="linalg.batch_matmul",
        family="contraction",
        ins=(a, b),
        init=init,
        bounds=(bt, m, n, k),
        maps=((D(0), D(1), D(3)), (D(0), D(3), D(2)), (D(0), D(1), D(2))),
        iterators=("parallel", "parallel", "parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((bt, m, n), dtype),
    )


def matvec(a: Ref, x: Ref, init: Ref, m: int, k: int, dtype: str) -> LinalgOp:
    return LinalgOp(
        name="linalg.matvec",
        family="contraction",
        ins=(a, x),
        init=init,
        bounds=(m, k),
        maps=((D(0), D(1)), (D(1),), (D(0),)),
        iterators=("parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((m,), dtype),
    )


def _window(out_dim: int, k_dim: int, stride: int, dilation: int) -> AffineExpr:
    terms = ((out_dim, stride), (k_dim, dilation))
    return AffineExpr(terms)


def window_input_size(out: int, k: int, stride: int, dilation: int) -> int:
    return (out - 1) * stride + (k - 1) * dilation + 1


def conv_2d_nhwc_hwcf(image: Ref, filt: Ref, init: Ref, n: int, oh: int, ow: int, f: int,
                      kh: int, kw: int, c: int, dtype: str,
                      strides: tuple[int, int] = (1, 1),
                      dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    # dims: n oh ow f kh kw c
    return LinalgOp(
        name="linalg.conv_2d_nhwc_hwcf",
        family="convolution",
        ins=(image, filt),
        init=init,
        bounds=(n, oh, ow, f, kh, kw, c),
        maps=(
            (D(0), _window(1, 4, strides[0], dilations[0]),
             _window(2, 5, strides[1], dilations[1]), D(6)),
            (D(4), D(5), D(6), D(3)),
            (D(0), D(1), D(2), D(3)),
        ),
        iterators=("parallel",) * 4 + ("reduction",) * 3,
        body=multiply_accumulate(dtype),
        result_type=TensorType((n, oh, ow, f), dtype),
        strides=strides,
        dilations=dilations,
    )


def depthwise_conv_2d_nhwc_hwc(image: Ref, filt: Ref, init: Ref, n: int, oh: int, ow: int, c: int,
                               kh: int, kw: int, dtype: str,
                               strides: tuple[int, int] = (1, 1),
                               dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    # dims: n oh ow c kh kw
    return LinalgOp(
        name="linalg.depthwise_conv_2d_nhwc_hwc",
        family="convolution",
        ins=(image, filt),
        init=init,
        bounds=(n, oh, ow, c, kh, kw),
        maps=(
            (D(0), _window(1, 4, strides[0], dilations[0]),
             _window(2, 5, strides[1], dilations[1]), D(3)),
            (D(4), D(5), D(3)),
            (D(0), D(1), D(2), D(3)),
        ),
        iterators=("parallel",) * 4 + ("reduction",) * 2,
        body=multiply_accumulate(dtype),
        result_type=TensorType((n, oh, ow, c), dtype),
        strides=strides,
        dilations=dilations,
    )


POOL_COMBINER = {
    ("max", "float"): "maximumf", ("max", "int"): "maxsi",
    ("min", "float"): "minimumf", ("min", "int"): "minsi",
    ("sum", "float"): "addf", ("sum", "int"): "addi",
}


def pooling_nhwc(kind: str, image: Ref, window: Ref, init: Ref, n: int, oh: int, ow: int, c: int,
                 kh: int, kw: int, dtype: str,
                 strides: tuple[int, int] = (1, 1),
                 dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    """linalg.pooling_nhwc_{max,min,sum}; `window` is a shape-only (kh, kw) tensor."""
    combiner = POOL_COMBINER[(kind, "float" if is_float(dtype) else "int")]
    return LinalgOp(
        name=f"linalg.pooling_nhwc_{kind}",
        family="pooling",
        ins=(image, window),
        init=init,
        bounds=(n, oh, ow, c, kh, kw),
        maps=(
            (D(0), _window(1, 4, strides[0], dilations[0]),
             _window(2, 5, strides[1], dilations[1]), D(3)),
            (D(4), D(5)),
            (D(0), D(1), D(2), D(3)),
        ),
        iterators=("parallel",) * 4 + ("reduction",) * 2,
        body=Expr(combiner, (Expr.arg(2), Expr.arg(0))),
        result_type=TensorType((n, oh, ow, c), dtype),
        strides=strides,
        dilations=dilations,
    )
