"""Unit tests for the model, the emitter and the numpy reference (no IREE involved)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzir.emit import dense_attr, emit, format_scalar
from fuzzir.families import D
from fuzzir.families._window import window_input_size
from fuzzir.families.contraction import matmul
from fuzzir.families.convolution import conv_2d_nhwc_hwcf
from fuzzir.families.elementwise import elementwise
from fuzzir.families.pooling import pooling_nhwc
from fuzzir.families.reduction import reduction
from fuzzir.generators.programs import generate, programs
from fuzzir.model import Expr, InitKind, Literal, LiteralKind, Program, Ref, TensorType
from fuzzir.oracles.inputs import draw_inputs
from fuzzir.oracles.reference import compare, evaluate, expect


def lit(kind: LiteralKind, data: np.ndarray) -> Literal:
    dtype = {np.dtype(np.float32): "f32", np.dtype(np.int32): "i32", np.dtype(np.int8): "i8",
             np.dtype(np.float16): "f16"}[data.dtype]
    return Literal(kind, TensorType(data.shape, dtype), data)


def test_reduction_into_nonsplat_constant_matches_hand_computation() -> None:
    # The IR from the original issue: sum over d0 of a 4x32 input into a constant 1..32.
    init = np.arange(1, 33, dtype=np.int32)
    op = reduction(Ref("arg", 0), TensorType((4, 32), "i32"), (0,), Ref("lit", 0), "addi")
    p = Program((TensorType((4, 32), "i32"),), (lit(LiteralKind.DENSE, init),), (op,), (Ref("op", 0),))
    x = np.arange(128, dtype=np.int32).reshape(4, 32) % 5
    (out,) = evaluate(p, [x])
    np.testing.assert_array_equal(out, init + x.sum(axis=0))


def test_matmul_with_bias_init() -> None:
    a = np.array([[1, 2], [3, 4]], np.float32)
    b = np.array([[5, 6], [7, 8]], np.float32)
    bias = np.array([[1, -1], [0, 2]], np.float32)
    op = matmul(Ref("arg", 0), Ref("arg", 1), Ref("lit", 0), 2, 2, 2, "f32")
    p = Program((TensorType((2, 2), "f32"),) * 2, (lit(LiteralKind.DENSE, bias),), (op,), (Ref("op", 0),))
    (out,) = evaluate(p, [a, b])
    np.testing.assert_array_equal(out, np.array([[20, 21], [43, 52]], np.float32))


def test_transposed_generic_contraction() -> None:
    a_t = np.array([[1, 3], [2, 4]], np.float32)  # A^T, A = [[1,2],[3,4]]
    b = np.eye(2, dtype=np.float32)
    op = matmul(Ref("arg", 0), Ref("arg", 1), Ref("lit", 0), 2, 2, 2, "f32", transpose_a=True)
    zero = np.zeros((2, 2), np.float32)
    p = Program((TensorType((2, 2), "f32"),) * 2, (lit(LiteralKind.SPLAT, zero),), (op,), (Ref("op", 0),))
    (out,) = evaluate(p, [a_t, b])
    np.testing.assert_array_equal(out, np.array([[1, 2], [3, 4]], np.float32))


def test_conv_strided_dilated_against_loops() -> None:
    rng = np.random.default_rng(1)
    n, oh, ow, f, kh, kw, c, s, d = 1, 2, 3, 2, 2, 2, 3, (2, 1), (1, 2)
    ih, iw = window_input_size(oh, kh, s[0], d[0]), window_input_size(ow, kw, s[1], d[1])
    img = rng.integers(-3, 4, (n, ih, iw, c)).astype(np.float32)
    flt = rng.integers(-3, 4, (kh, kw, c, f)).astype(np.float32)
    init = rng.integers(-3, 4, (n, oh, ow, f)).astype(np.float32)
    op = conv_2d_nhwc_hwcf(Ref("arg", 0), Ref("arg", 1), Ref("lit", 0), n, oh, ow, f, kh, kw, c, "f32", s, d)
    p = Program((TensorType(img.shape, "f32"), TensorType(flt.shape, "f32")),
                (lit(LiteralKind.GLOBAL, init),), (op,), (Ref("op", 0),))
    p.validate()
    want = init.copy()
    for y in range(oh):
        for x in range(ow):
            for i in range(kh):
                for j in range(kw):
                    want[0, y, x, :] += img[0, y * s[0] + i * d[0], x * s[1] + j * d[1], :] @ flt[i, j]
    np.testing.assert_array_equal(evaluate(p, [img, flt])[0], want)


@pytest.mark.parametrize("kind,reducer", [("max", np.max), ("min", np.min), ("sum", np.sum)])
def test_pooling(kind: str, reducer) -> None:
    img = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1) % 7 - 3
    init = np.full((1, 3, 3, 1), 1, np.int32)
    op = pooling_nhwc(kind, Ref("arg", 0), Ref("lit", 0), Ref("lit", 1), 1, 3, 3, 1, 2, 2, "i32")
    p = Program((TensorType(img.shape, "i32"),),
                (lit(LiteralKind.EMPTY, np.zeros((2, 2), np.int32)), lit(LiteralKind.SPLAT, init)),
                (op,), (Ref("op", 0),))
    want = np.empty_like(init)
    for y in range(3):
        for x in range(3):
            window = img[0, y:y + 2, x:x + 2, 0]
            combine = {"max": max, "min": min, "sum": lambda a, b: a + b}[kind]
            want[0, y, x, 0] = combine(1, reducer(window))
    np.testing.assert_array_equal(evaluate(p, [img])[0], want)


def test_integer_arithmetic_wraps_like_mlir() -> None:
    body = Expr("muli", (Expr.arg(0), Expr.arg(1)))
    op = elementwise((Ref("arg", 0),), ((D(0),),), Ref("lit", 0), TensorType((2,), "i8"), body)
    p = Program((TensorType((2,), "i8"),), (lit(LiteralKind.DENSE, np.array([100, -100], np.int8)),),
                (op,), (Ref("op", 0),))
    (out,) = evaluate(p, [np.array([3, 3], np.int8)])
    np.testing.assert_array_equal(out, np.array([300 - 256, -300 + 256], np.int8))


def test_non_combiner_reduction_is_folded_in_loop_order() -> None:
    # out = out * 2 + in over a reduction: not reassociable, so order matters.
    body = Expr("addi", (Expr("muli", (Expr.arg(1), Expr.const(2))), Expr.arg(0)))
    op = reduction(Ref("arg", 0), TensorType((3,), "i32"), (0,), Ref("lit", 0), "addi")
    op = op.__class__(**{**op.__dict__, "body": body})
    p = Program((TensorType((3,), "i32"),), (lit(LiteralKind.SPLAT, np.array(1, np.int32).reshape(())),),
                (op,), (Ref("op", 0),))
    (out,) = evaluate(p, [np.array([1, 2, 3], np.int32)])
    assert out == ((1 * 2 + 1) * 2 + 2) * 2 + 3


def test_emit_constants_compactly_and_exactly() -> None:
    assert format_scalar(0.1, "f32") == repr(float(np.float32(0.1)))
    assert format_scalar(np.inf, "f32") == "0x7F800000"
    assert format_scalar(-3, "i8") == "-3"
    small = lit(LiteralKind.DENSE, np.array([[1, 2], [3, 4]], np.float32))
    assert dense_attr(small) == "dense<[[1.0, 2.0], [3.0, 4.0]]>"
    big = lit(LiteralKind.DENSE, np.arange(128, dtype=np.int32))
    text = dense_attr(big)
    assert text.startswith('dense<"0x00000000010000000200') and len(text) == len('dense<"0x">') + 128 * 8
    assert big.init_kind is InitKind.LARGE and small.init_kind is InitKind.NONSPLAT


def test_same_seed_same_program_byte_for_byte() -> None:
    assert emit(generate(42)) == emit(generate(42))
    assert emit(generate(42)) != emit(generate(43))


@settings(max_examples=60, deadline=None)
@given(programs())
def test_generated_programs_are_valid_and_have_a_constant_init(p: Program) -> None:
    p.validate()
    assert p.constant_init_ops()
    text = emit(p)
    assert "func.func @main" in text
    inputs, expectation = draw_inputs(p, 0)
    outs = evaluate(p, inputs)
    assert [o.shape for o in outs] == [t.shape for t in p.result_types()]
    for want, got, tol in zip(expectation.outputs, outs, expectation.tolerances, strict=True):
        if expectation.exact:
            assert compare(want, got, tol) is None


@given(st.sampled_from(["f32", "f16"]))
def test_long_f16_sums_are_not_called_exact(dtype: str) -> None:
    # 4096 terms of magnitude up to 4 in f16 exceed 2**11: the reference must say so.
    op = reduction(Ref("arg", 0), TensorType((4096,), dtype), (0,), Ref("lit", 0), "addf")
    zero = np.zeros((), np.float16 if dtype == "f16" else np.float32)
    p = Program((TensorType((4096,), dtype),), (lit(LiteralKind.SPLAT, zero),), (op,), (Ref("op", 0),))
    x = np.full(4096, 4, np.float16 if dtype == "f16" else np.float32)
    e = expect(p, [x])
    assert e.exact == (dtype == "f32")
    if not e.exact:
        assert e.tolerances[0] is not None and float(e.tolerances[0]) > 0


def test_compare_reports_first_mismatch_and_handles_nan() -> None:
    a = np.array([1.0, np.nan], np.float32)
    assert compare(a, a.copy(), None) is None
    msg = compare(a, np.array([2.0, np.nan], np.float32), None)
    assert msg is not None and "first at [0]" in msg
    assert compare(np.array([1.0]), np.array([1.0 + 1e-7]), np.array([1e-6])) is None


def test_a_product_that_overflows_in_another_order_is_not_judged() -> None:
    # Found by a campaign: IREE reassociates this product; 0 * 4**9 is 0 in numpy's order, but
    # 4**8 already overflows f16 in others, and inf * 0 is NaN. Neither exact nor judgeable.
    from fuzzir.parse import parse_program

    program = parse_program("""
func.func @main(%a: tensor<10xf16>, %b: tensor<f16>) -> tensor<f16> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
                       iterator_types = ["reduction"]} ins(%a : tensor<10xf16>) outs(%b : tensor<f16>) {
  ^bb0(%x: f16, %acc: f16):
    %m = arith.mulf %x, %acc : f16
    linalg.yield %m : f16
  } -> tensor<f16>
  return %r : tensor<f16>
}
""")
    inputs = [np.array([0] + [4] * 9, dtype=np.float16), np.array(1, dtype=np.float16)]
    e = expect(program, inputs)
    assert not e.exact and np.all(np.isinf(e.tolerances[0]))
    assert compare(e.outputs[0], np.array(np.nan, dtype=np.float16), e.tolerances[0]) is None
    # The same product without the overflow stays exact, and a wrong value is still caught.
    small = [np.array([0] + [2] * 9, dtype=np.float16), np.array(1, dtype=np.float16)]
    e = expect(program, small)
    assert e.exact and compare(e.outputs[0], np.array(1, dtype=np.float16), e.tolerances[0]) is not None
