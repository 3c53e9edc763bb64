"""Sliding-window helpers shared by the convolution and pooling families (not a family itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fuzzir.model import AffineExpr, AffineMap, Expr, LinalgOp, Ref, TensorType

if TYPE_CHECKING:
    from fuzzir.families import Builder

#: n, oh, ow, c, kh, kw, strides, dilations: the loop sizes of an NHWC window op.
Window = tuple[int, int, int, int, int, int, tuple[int, int], tuple[int, int]]


def window_expr(out_dim: int, k_dim: int, stride: int, dilation: int) -> AffineExpr:
    """The input index `out * stride + k * dilation` of a windowed op."""
    return AffineExpr(((out_dim, stride), (k_dim, dilation)))


def nhwc_image_map(strides: tuple[int, int], dilations: tuple[int, int]) -> tuple[AffineExpr, ...]:
    """The image map of an NHWC window op over loops (n, oh, ow, c|f, kh, kw, ...): (n, h, w, channel)."""
    return (AffineExpr.dim(0), window_expr(1, 4, strides[0], dilations[0]),
            window_expr(2, 5, strides[1], dilations[1]))


def window_input_size(out: int, k: int, stride: int, dilation: int) -> int:
    """The smallest input extent a window of `k` taps needs for `out` outputs."""
    return (out - 1) * stride + (k - 1) * dilation + 1


def draw_window(b: Builder, large: bool = False) -> Window:
    """Sizes, strides and dilations of a window op; `large` makes the output big enough to be a large constant."""
    n, oh, ow, c = b.dim(1, 2), b.dim(1, 6), b.dim(1, 6), b.dim(1, 4)
    if large:
        oh, ow, c = b.dim(9, 16), b.dim(9, 16), b.dim(4, 8)
    kh, kw = b.dim(1, 3), b.dim(1, 3)
    strides = (b.dim(1, 2), b.dim(1, 2))
    dilations = (b.dim(1, 2), b.dim(1, 2))
    return n, oh, ow, c, kh, kw, strides, dilations


def image_type(b: Builder, n: int, oh: int, ow: int, c: int, kh: int, kw: int,
               strides: tuple[int, int], dilations: tuple[int, int]) -> TensorType:
    """The NHWC input type that exactly fits the window."""
    ih = window_input_size(oh, kh, strides[0], dilations[0])
    iw = window_input_size(ow, kw, strides[1], dilations[1])
    return b.out_type((n, ih, iw, c))


def window_op(name: str, family: str, ins: tuple[Ref, ...], init: Ref, bounds: tuple[int, ...],
              image_channel: int, second_map: AffineMap, body: Expr, dtype: str,
              strides: tuple[int, int], dilations: tuple[int, int]) -> LinalgOp:
    """An NHWC window op over loops (n, oh, ow, out-channel, kh, kw, ...): output (n, oh, ow, out-channel)."""
    d = AffineExpr.dim
    return LinalgOp(
        name=name, family=family, ins=ins, init=init, bounds=bounds,
        maps=((*nhwc_image_map(strides, dilations), d(image_channel)), second_map, (d(0), d(1), d(2), d(3))),
        iterators=("parallel",) * 4 + ("reduction",) * (len(bounds) - 4), body=body,
        result_type=TensorType(bounds[:4], dtype), strides=strides, dilations=dilations,
    )


def nchw_window_op(name: str, family: str, ins: tuple[Ref, ...], init: Ref, bounds: tuple[int, ...],
                   image_channel: int, second_map: AffineMap, body: Expr, dtype: str,
                   strides: tuple[int, int], dilations: tuple[int, int], kh_dim: int) -> LinalgOp:
    """An NCHW window op over loops (n, out-channel, oh, ow, ...) with the window taps at `kh_dim`,
    `kh_dim + 1`: image (n, channel, h, w), output (n, out-channel, oh, ow)."""
    d = AffineExpr.dim
    image = (d(0), d(image_channel), window_expr(2, kh_dim, strides[0], dilations[0]),
             window_expr(3, kh_dim + 1, strides[1], dilations[1]))
    return LinalgOp(
        name=name, family=family, ins=ins, init=init, bounds=bounds,
        maps=(image, second_map, (d(0), d(1), d(2), d(3))),
        iterators=("parallel",) * 4 + ("reduction",) * (len(bounds) - 4), body=body,
        result_type=TensorType(bounds[:4], dtype), strides=strides, dilations=dilations,
    )


def nchw_image_type(b: Builder, n: int, oh: int, ow: int, c: int, kh: int, kw: int,
                    strides: tuple[int, int], dilations: tuple[int, int]) -> TensorType:
    """The NCHW input type that exactly fits the window."""
    ih = window_input_size(oh, kh, strides[0], dilations[0])
    iw = window_input_size(ow, kw, strides[1], dilations[1])
    return b.out_type((n, c, ih, iw))
