"""NHWC max/min/sum pooling; the window operand is a shape-only `tensor.empty`."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, register
from fuzzir.families._window import draw_window, image_type, window_op
from fuzzir.model import Expr, LinalgOp, LiteralKind, Ref, is_float

POOLINGS = ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min", "linalg.pooling_nhwc_sum")
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


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    n, oh, ow, c, kh, kw, s, d = draw_window(b, b.prefer_large(constant))
    reducer = b.draw(st.sampled_from(("max", "min", "sum")))
    image = b.input(image_type(b, n, oh, ow, c, kh, kw, s, d))
    window = b.literal(LiteralKind.EMPTY, b.out_type((kh, kw)))
    init = b.init(b.out_type((n, oh, ow, c)), constant)
    return pooling_nhwc(reducer, image, window, init, n, oh, ow, c, kh, kw, b.dtype, s, d)


# Only the named ops belong here: a generalized pooling op has window maps and reads as a convolution.
register(Family("pooling", ("pooling",), draw, named_ops=POOLINGS, order=40))
