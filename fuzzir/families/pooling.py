"""Max/min/sum pooling, NHWC and NCHW; the window operand is a shape-only `tensor.empty`.

NCHW is what torch-mlir emits (`linalg.pooling_nchw_{max,sum}`; linalg has no NCHW min);
both layouts declare the convolution interface, so the decoupling pass matches them alike.
"""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, register
from fuzzir.families._window import draw_window, image_type, nchw_image_type, nchw_window_op, window_op
from fuzzir.model import Expr, LinalgOp, LiteralKind, Ref, is_float

NCHW_POOLINGS = ("linalg.pooling_nchw_max", "linalg.pooling_nchw_sum")
POOLINGS = ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min", "linalg.pooling_nhwc_sum", *NCHW_POOLINGS)
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
    return window_op(f"linalg.pooling_nhwc_{kind}", "pooling", (image, window), init, (n, oh, ow, c, kh, kw), 3,
                     (D(4), D(5)), Expr(combiner, (Expr.arg(2), Expr.arg(0))), dtype, strides, dilations)


def pooling_nchw(kind: str, image: Ref, window: Ref, init: Ref, n: int, c: int, oh: int, ow: int,
                 kh: int, kw: int, dtype: str,
                 strides: tuple[int, int] = (1, 1),
                 dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    """linalg.pooling_nchw_{max,sum} over loops (n, c, oh, ow, kh, kw)."""
    combiner = POOL_COMBINER[(kind, "float" if is_float(dtype) else "int")]
    return nchw_window_op(f"linalg.pooling_nchw_{kind}", "pooling", (image, window), init, (n, c, oh, ow, kh, kw),
                          1, (D(4), D(5)), Expr(combiner, (Expr.arg(2), Expr.arg(0))), dtype, strides, dilations,
                          kh_dim=4)


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    n, oh, ow, c, kh, kw, s, d = draw_window(b, b.prefer_large(constant))
    nchw = b.draw(st.booleans())
    reducer = b.draw(st.sampled_from(("max", "sum") if nchw else ("max", "min", "sum")))
    window_t = b.out_type((kh, kw))
    if nchw:
        image = b.input(nchw_image_type(b, n, oh, ow, c, kh, kw, s, d))
        window = b.literal(LiteralKind.EMPTY, window_t)
        init = b.init(b.out_type((n, c, oh, ow)), constant)
        return pooling_nchw(reducer, image, window, init, n, c, oh, ow, kh, kw, b.dtype, s, d)
    image = b.input(image_type(b, n, oh, ow, c, kh, kw, s, d))
    window = b.literal(LiteralKind.EMPTY, window_t)
    init = b.init(b.out_type((n, oh, ow, c)), constant)
    return pooling_nhwc(reducer, image, window, init, n, oh, ow, c, kh, kw, b.dtype, s, d)


# Only the named ops belong here: a generalized pooling op has window maps and reads as a convolution.
register(Family("pooling", ("pooling",), draw, named_ops=POOLINGS, order=40))
