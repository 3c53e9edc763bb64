"""2-D convolutions with strides and dilations: NHWC regular and depthwise, and NCHW/FCHW (torch-mlir's layout)."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, multiply_accumulate, register
from fuzzir.families._window import draw_window, image_type, nchw_image_type, nchw_window_op, window_op
from fuzzir.model import AffineMap, LinalgOp, Ref

CONVOLUTIONS = ("linalg.conv_2d_nhwc_hwcf", "linalg.depthwise_conv_2d_nhwc_hwc", "linalg.conv_2d_nchw_fchw")


def conv_2d_nhwc_hwcf(image: Ref, filt: Ref, init: Ref, n: int, oh: int, ow: int, f: int,
                      kh: int, kw: int, c: int, dtype: str,
                      strides: tuple[int, int] = (1, 1),
                      dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    # dims: n oh ow f kh kw c
    return window_op("linalg.conv_2d_nhwc_hwcf", "convolution", (image, filt), init, (n, oh, ow, f, kh, kw, c),
                     6, (D(4), D(5), D(6), D(3)), multiply_accumulate(dtype), dtype, strides, dilations)


def conv_2d_nchw_fchw(image: Ref, filt: Ref, init: Ref, n: int, f: int, oh: int, ow: int,
                      c: int, kh: int, kw: int, dtype: str,
                      strides: tuple[int, int] = (1, 1),
                      dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    # dims: n f oh ow c kh kw; image (n, c, h, w), filter (f, c, kh, kw)
    return nchw_window_op("linalg.conv_2d_nchw_fchw", "convolution", (image, filt), init,
                          (n, f, oh, ow, c, kh, kw), 4, (D(1), D(4), D(5), D(6)), multiply_accumulate(dtype),
                          dtype, strides, dilations, kh_dim=5)


def depthwise_conv_2d_nhwc_hwc(image: Ref, filt: Ref, init: Ref, n: int, oh: int, ow: int, c: int,
                               kh: int, kw: int, dtype: str,
                               strides: tuple[int, int] = (1, 1),
                               dilations: tuple[int, int] = (1, 1)) -> LinalgOp:
    # dims: n oh ow c kh kw
    return window_op("linalg.depthwise_conv_2d_nhwc_hwc", "convolution", (image, filt), init,
                     (n, oh, ow, c, kh, kw), 3, (D(4), D(5), D(3)), multiply_accumulate(dtype), dtype,
                     strides, dilations)


def draw_conv(b: Builder, constant: bool) -> LinalgOp:
    n, oh, ow, c, kh, kw, s, d = draw_window(b)
    f = b.dim(1, 4)
    if b.prefer_large(constant):
        oh, ow, f = b.dim(9, 16), b.dim(9, 16), b.dim(4, 8)
    if b.draw(st.booleans()):
        image = b.input(nchw_image_type(b, n, oh, ow, c, kh, kw, s, d))
        filt = b.input(b.out_type((f, c, kh, kw)))
        init = b.init(b.out_type((n, f, oh, ow)), constant)
        return conv_2d_nchw_fchw(image, filt, init, n, f, oh, ow, c, kh, kw, b.dtype, s, d)
    image = b.input(image_type(b, n, oh, ow, c, kh, kw, s, d))
    filt = b.input(b.out_type((kh, kw, c, f)))
    init = b.init(b.out_type((n, oh, ow, f)), constant)
    return conv_2d_nhwc_hwcf(image, filt, init, n, oh, ow, f, kh, kw, c, b.dtype, s, d)


def draw_depthwise(b: Builder, constant: bool) -> LinalgOp:
    n, oh, ow, c, kh, kw, s, d = draw_window(b, b.prefer_large(constant))
    image = b.input(image_type(b, n, oh, ow, c, kh, kw, s, d))
    filt = b.input(b.out_type((kh, kw, c)))
    init = b.init(b.out_type((n, oh, ow, c)), constant)
    return depthwise_conv_2d_nhwc_hwc(image, filt, init, n, oh, ow, c, kh, kw, b.dtype, s, d)


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    if kind == "conv":
        return draw_conv(b, constant)
    if kind == "depthwise":
        return draw_depthwise(b, constant)
    raise ValueError(f"the convolution family draws no {kind!r}")


def classify(name: str, iterators: tuple[str, ...], maps: tuple[AffineMap, ...]) -> bool:
    """A reduction whose maps index with sums (`oh * stride + kh * dilation`): a generalized window op."""
    return "reduction" in iterators and any(not e.is_dim() for m in maps for e in m)


register(Family("convolution", ("conv", "depthwise"), draw, named_ops=CONVOLUTIONS, classify=classify,
                order=30, parse_priority=10))
