"""Tests for `fuzzir.parse`: MLIR text -> Program, with the real IREE bindings.

Round trips check that parsing loses nothing the emitter prints or the reference
computes; hand-written inputs check IREE's usual textual style; error cases
check that bad input is one readable line, never a traceback.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from fuzzir import families as fam
from fuzzir.emit import emit
from fuzzir.families import contraction
from fuzzir.families.convolution import conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc
from fuzzir.families.elementwise import elementwise as elementwise_op
from fuzzir.families.pooling import pooling_nhwc
from fuzzir.families.reduction import reduction as reduction_op
from fuzzir.model import NUMPY_DTYPE, Expr, Literal, LiteralKind, Program, Ref, TensorType
from fuzzir.oracles.reference import evaluate
from fuzzir.parse import ParseError, parse_program

DATA = Path(__file__).parent / "data"
PROGRAMS = DATA / "programs"


def A(i: int) -> Ref:  # noqa: N802 - short names keep the program tables readable
    return Ref("arg", i)


def L(i: int) -> Ref:  # noqa: N802
    return Ref("lit", i)


def R(i: int) -> Ref:  # noqa: N802
    return Ref("op", i)


def T(*shape: int, dtype: str = "f32") -> TensorType:
    return TensorType(tuple(shape), dtype)


def values(t: TensorType, seed: int = 0) -> np.ndarray:
    """Small integers, distinct enough that a wrong index or map shows up."""
    rng = np.random.default_rng(seed)
    return rng.integers(-5, 6, size=t.shape).astype(NUMPY_DTYPE[t.dtype])


def lit(kind: LiteralKind, t: TensorType, seed: int = 1) -> Literal:
    if kind is LiteralKind.SPLAT:
        return Literal(kind, t, np.full(t.shape, 3, NUMPY_DTYPE[t.dtype]))
    if kind is LiteralKind.FILL:
        return Literal(kind, t, np.full(t.shape, -2, NUMPY_DTYPE[t.dtype]))
    if kind is LiteralKind.EMPTY:
        return Literal(kind, t, np.zeros(t.shape, NUMPY_DTYPE[t.dtype]))
    return Literal(kind, t, values(t, seed))


def matmul_nonsplat(dt: str = "f32") -> Program:
    op = contraction.matmul(A(0), A(1), L(0), 4, 5, 3, dt)
    return Program((T(4, 3, dtype=dt), T(3, 5, dtype=dt)), (lit(LiteralKind.DENSE, T(4, 5, dtype=dt)),),
                   (op,), (R(0),))


def reduction_splat(dt: str = "f32") -> Program:
    combiner = "maximumf" if dt.startswith("f") else "maxsi"
    op = reduction_op(A(0), T(4, 6, dtype=dt), (0,), L(0), combiner)
    return Program((T(4, 6, dtype=dt),), (lit(LiteralKind.SPLAT, T(6, dtype=dt)),), (op,), (R(0),))


def conv_into_global(dt: str = "f32") -> Program:
    op = conv_2d_nhwc_hwcf(A(0), A(1), L(0), 1, 2, 3, 4, 2, 2, 3, dt, strides=(2, 1), dilations=(1, 2))
    image = T(1, 4, 6, 3, dtype=dt)  # (2-1)*2 + (2-1)*1 + 1 = 4 rows; (3-1)*1 + (2-1)*2 + 1 = 5 <= 6 cols
    return Program((image, T(2, 2, 3, 4, dtype=dt)), (lit(LiteralKind.GLOBAL, T(1, 2, 3, 4, dtype=dt)),),
                   (op,), (R(0),))


def pooling(kind: str, dt: str = "f32") -> Program:
    op = pooling_nhwc(kind, A(0), L(0), L(1), 1, 3, 2, 2, 2, 2, dt, strides=(1, 2))
    lits = (lit(LiteralKind.EMPTY, T(2, 2, dtype=dt)), lit(LiteralKind.FILL, T(1, 3, 2, 2, dtype=dt)))
    return Program((T(1, 4, 4, 2, dtype=dt),), lits, (op,), (R(0),))


def depthwise(dt: str = "f32") -> Program:
    op = depthwise_conv_2d_nhwc_hwc(A(0), A(1), L(0), 2, 2, 2, 3, 2, 2, dt)
    return Program((T(2, 3, 3, 3, dtype=dt), T(2, 2, 3, dtype=dt)),
                   (lit(LiteralKind.SPLAT, T(2, 2, 2, 3, dtype=dt)),), (op,), (R(0),))


def batch_matmul(dt: str = "f32") -> Program:
    op = contraction.batch_matmul(A(0), A(1), L(0), 2, 3, 4, 5, dt)
    init = lit(LiteralKind.FILL, T(2, 3, 4, dtype=dt))
    return Program((T(2, 3, 5, dtype=dt), T(2, 5, 4, dtype=dt)), (init,), (op,), (R(0),))


def matvec(dt: str = "f32") -> Program:
    op = contraction.matvec(A(0), A(1), A(2), 4, 3, dt)
    return Program((T(4, 3, dtype=dt), T(3, dtype=dt), T(4, dtype=dt)), (), (op,), (R(0),))


def transposed_generic(dt: str = "f32") -> Program:
    ops = (
        contraction.matmul(A(0), A(1), L(0), 3, 4, 5, dt, transpose_a=True),
        contraction.matmul(R(0), A(2), L(1), 3, 2, 4, dt, transpose_b=True),
    )
    lits = (lit(LiteralKind.DENSE, T(3, 4, dtype=dt)), lit(LiteralKind.SPLAT, T(3, 2, dtype=dt)))
    return Program((T(5, 3, dtype=dt), T(5, 4, dtype=dt), T(2, 4, dtype=dt)), lits, ops, (R(1), R(0)))


def elementwise(dt: str = "f32") -> Program:
    """One generic that reads %out (with a body constant and a broadcast input), one that does not."""
    fl = dt.startswith("f")
    add, mul, sub = ("addf", "mulf", "subf") if fl else ("addi", "muli", "xori")
    ident = (fam.D(0), fam.D(1))
    reads_out = elementwise_op(
        (A(0), A(1)), (ident, (fam.D(1),)), L(0), T(3, 4, dtype=dt),
        Expr(add, (Expr(mul, (Expr.arg(0), Expr.const(2))), Expr(sub, (Expr.arg(2), Expr.arg(1))))),
    )
    pure = elementwise_op((R(0), A(0)), (ident, ident), L(1), T(3, 4, dtype=dt),
                           Expr(mul, (Expr.arg(0), Expr.arg(1))))
    lits = (lit(LiteralKind.DENSE, T(3, 4, dtype=dt)), lit(LiteralKind.EMPTY, T(3, 4, dtype=dt)))
    return Program((T(3, 4, dtype=dt), T(4, dtype=dt)), lits, (reads_out, pure), (R(1),))


def large_constant(dt: str = "f32") -> Program:
    """A constant over the inline limit prints as hex; fills and returned literals too."""
    n = 300  # 300 bytes even for i8
    op = reduction_op(A(0), T(2, n, dtype=dt), (0,), L(0), "addf" if dt.startswith("f") else "addi")
    lits = (lit(LiteralKind.DENSE, T(n, dtype=dt)), lit(LiteralKind.FILL, T(4, dtype=dt)))
    return Program((T(2, n, dtype=dt),), lits, (op,), (R(0), L(1), A(0)))


def generic_conv(dt: str = "f32") -> Program:
    """A convolution written as linalg.generic: window maps are not bare dims."""
    named = conv_2d_nhwc_hwcf(A(0), A(1), L(0), 1, 2, 2, 2, 2, 2, 1, dt, strides=(2, 2))
    op = dataclasses.replace(named, name="linalg.generic", strides=(), dilations=())
    return Program((T(1, 4, 4, 1, dtype=dt), T(2, 2, 1, 2, dtype=dt)),
                   (lit(LiteralKind.DENSE, T(1, 2, 2, 2, dtype=dt)),), (op,), (R(0),))


BUILDERS = {
    "matmul_nonsplat": matmul_nonsplat,
    "reduction_splat": reduction_splat,
    "conv_into_global": conv_into_global,
    "pool_max": lambda dt="f32": pooling("max", dt),
    "pool_min": lambda dt="f32": pooling("min", dt),
    "pool_sum": lambda dt="f32": pooling("sum", dt),
    "depthwise": depthwise,
    "batch_matmul": batch_matmul,
    "matvec": matvec,
    "transposed_generic": transposed_generic,
    "elementwise": elementwise,
    "large_constant": large_constant,
    "generic_conv": generic_conv,
}


def _same_outputs(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dt", ["f32", "f16", "i32", "i8"])
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_round_trip(name: str, dt: str) -> None:
    program = BUILDERS[name](dt)
    program.validate()
    text = emit(program)
    parsed = parse_program(text, filename=f"{name}.mlir")
    assert emit(parsed) == text
    assert [op.family for op in parsed.ops] == [op.family for op in program.ops]
    assert [lit.kind for lit in parsed.literals] == [lit.kind for lit in program.literals]
    inputs = [values(t, seed=10 + i) for i, t in enumerate(program.args)]
    _same_outputs(evaluate(parsed, inputs), evaluate(program, inputs))


def test_round_trip_keeps_named_op_attributes_and_generic_form() -> None:
    program = conv_into_global()
    parsed = parse_program(emit(program))
    (op,) = parsed.ops
    assert op == program.ops[0]  # name, strides, dilations, maps, bounds and body all equal
    assert parsed.literals[0].same(program.literals[0])


def test_large_hex_constant_is_exact() -> None:
    program = large_constant("f16")
    text = emit(program)
    assert 'dense<"0x' in text
    data = parse_program(text).literals[0].data
    assert data.dtype == np.float16
    np.testing.assert_array_equal(data, program.literals[0].data)


def test_dense_resource_constant_is_read_from_the_resources_section() -> None:
    p = parse_program((DATA / "inputs" / "dense_resource_defect.mlir").read_text())
    assert [lit.kind for lit in p.literals] == [LiteralKind.RESOURCE]  # and printed as one again
    assert "dense_resource<cst0>" in emit(p) and parse_program(emit(p)).literals[0].kind is LiteralKind.RESOURCE
    np.testing.assert_array_equal(p.literals[0].data, np.arange(1, 9, dtype=np.float32))
    x = np.arange(32, dtype=np.float32).reshape(4, 8) % 5
    (out,) = evaluate(p, [x])
    np.testing.assert_array_equal(out, np.arange(1, 9, dtype=np.float32) + x.sum(axis=0))


WIDE = """func.func @main(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %x: tensor<1x2x4x4xf32>, %k: tensor<3x2x2x2xf32>,
                %i: tensor<4xi32>)
    -> (tensor<8xf32>, tensor<4x8xf32>, tensor<8x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<1x2x3x3xf32>,
        tensor<1x3x3x3xf32>, tensor<4xi32>) {
  %e8 = tensor.empty() : tensor<8xf32>
  %r = linalg.reduce ins(%a : tensor<4x8xf32>) outs(%b : tensor<8xf32>) dimensions = [0]
    (%in: f32, %acc: f32) { %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32 }
  %e = tensor.empty() : tensor<4x8xf32>
  %m = linalg.map { arith.negf } ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>)
  %et = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%a : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  %bc = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<4x8xf32>) dimensions = [0]
  %c = linalg.copy ins(%m : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %pi = arith.constant dense<[[[[1.0, 9.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 2.0]],
                              [[-1.0, -2.0, 3.0], [0.0, 5.0, -6.0], [7.0, 1.0, 2.0]]]]> : tensor<1x2x3x3xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nchw_max {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %w : tensor<1x2x4x4xf32>, tensor<2x2xf32>) outs(%pi : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  %z = arith.constant dense<0.0> : tensor<1x3x3x3xf32>
  %cv = linalg.conv_2d_nchw_fchw {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%x, %k : tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) outs(%z : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %ei = tensor.empty() : tensor<4xi32>
  %ab = linalg.map { math.absi } ins(%i : tensor<4xi32>) outs(%ei : tensor<4xi32>)
  return %r, %m, %t, %bc, %c, %p, %cv, %ab : tensor<8xf32>, tensor<4x8xf32>, tensor<8x4xf32>, tensor<4x8xf32>,
      tensor<4x8xf32>, tensor<1x2x3x3xf32>, tensor<1x3x3x3xf32>, tensor<4xi32>
}
"""


def test_named_ops_in_any_layout_and_unary_bodies_are_modelled() -> None:
    p = parse_program(WIDE)
    rng = np.random.default_rng(0)
    a, b = rng.integers(-8, 9, (4, 8)).astype(np.float32), rng.integers(-8, 9, 8).astype(np.float32)
    x, k = rng.integers(-8, 9, (1, 2, 4, 4)).astype(np.float32), rng.integers(-8, 9, (3, 2, 2, 2)).astype(np.float32)
    i = np.array([-3, 0, 5, -128], np.int32)
    init = np.asarray(p.literals[2].data)
    pool = np.stack([np.stack([np.maximum(init[:, :, r, q], x[:, :, r:r + 2, q:q + 2].max(axis=(2, 3)))
                               for q in range(3)], -1) for r in range(3)], -2)
    conv = np.stack([np.stack([np.einsum("nchw,fchw->nf", x[:, :, r:r + 2, q:q + 2], k) for q in range(3)], -1)
                     for r in range(3)], -2)
    want = [b + a.sum(0), -a, a.T, np.broadcast_to(b, (4, 8)), -a, pool, conv, np.abs(i)]
    _same_outputs(evaluate(p, [a, b, x, k, i]), want)
    _same_outputs(evaluate(parse_program(emit(p)), [a, b, x, k, i]), want)  # printed again (named or generic)


def test_hand_written_reduction_into_splat() -> None:
    p = parse_program((DATA / "mlir" / "reduction_into_splat.mlir").read_text())
    assert [lit.kind for lit in p.literals] == [LiteralKind.SPLAT]
    assert p.ops[0].family == "reduction"
    x = (np.arange(128, dtype=np.int32).reshape(4, 32) % 9) - 4
    (out,) = evaluate(p, [x])
    np.testing.assert_array_equal(out, 7 + x.sum(axis=0))


def test_hand_written_fill_matmul_global_and_captured_constant() -> None:
    p = parse_program((DATA / "mlir" / "matmul_fill_global.mlir").read_text())
    assert [lit.kind for lit in p.literals] == [LiteralKind.FILL, LiteralKind.GLOBAL]
    assert [op.name for op in p.ops] == ["linalg.matmul", "linalg.generic", "linalg.matmul"]
    a = np.arange(8, dtype=np.float32).reshape(2, 4) - 3
    b = np.arange(12, dtype=np.float32).reshape(4, 3) % 5
    bias = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    out, mm = evaluate(p, [a, b])
    np.testing.assert_array_equal(mm, a @ b)
    np.testing.assert_array_equal(out, 2 * (a @ b) - bias)
    again = parse_program(emit(p))  # the captured %c2 became a body constant
    _same_outputs(evaluate(again, [a, b]), [out, mm])


def test_hand_written_transposed_contraction() -> None:
    p = parse_program((DATA / "mlir" / "transposed_i8.mlir").read_text())
    assert p.ops[0].family == "contraction"
    a = (np.arange(6, dtype=np.int8).reshape(3, 2) % 4) - 1
    b = (np.arange(12, dtype=np.int8).reshape(4, 3) % 3) + 1
    init = np.array([[1, 2, 3, 4], [-1, -2, -3, -4]], np.int8)
    (out,) = evaluate(p, [a, b])
    np.testing.assert_array_equal(out, (init + a.T.astype(np.int32) @ b.T).astype(np.int8))


CORPUS = sorted(p.name for p in PROGRAMS.glob("*.mlir") if p.name != "malformed.mlir")


@pytest.mark.parametrize("path", CORPUS)
def test_corpus_programs_parse_and_round_trip(path: str) -> None:
    p = parse_program((PROGRAMS / path).read_text(), filename=path)
    text = emit(p)
    assert emit(parse_program(text)) == text
    inputs = [values(t, seed=i) for i, t in enumerate(p.args)]
    _same_outputs(evaluate(parse_program(text), inputs), evaluate(p, inputs))


def _main(body: str, sig: str = "(%a: tensor<4xf32>) -> tensor<4xf32>") -> str:
    return f"func.func @main{sig} {{\n{body}\n}}\n"


ELEMENTWISE_F32 = """\
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins(%a : tensor<4xf32>) outs(%a : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %1 = arith.OP %in, %out : f32
    linalg.yield %1 : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>"""

ERRORS = {
    "malformed": ((PROGRAMS / "malformed.mlir").read_text(), ["bad.mlir:5:20", "invalid MLIR"]),
    "no_main": ("func.func @other(%a: tensor<4xf32>) -> tensor<4xf32> {\n  return %a : tensor<4xf32>\n}\n",
                ["no func.func @main", "@other"]),
    "second_function": (
        _main("  return %a : tensor<4xf32>")
        + "func.func @helper(%a: tensor<4xf32>) -> tensor<4xf32> {\n  return %a : tensor<4xf32>\n}\n",
        ["bad.mlir:4:1", "only func.func @main", "@helper"],
    ),
    "dynamic_shape": (_main("  return %a : tensor<?xf32>", "(%a: tensor<?xf32>) -> tensor<?xf32>"),
                      ["bad.mlir:2:3", "dynamic-shaped argument", "only static results"]),
    "unranked": (_main("  return %a : tensor<*xf32>", "(%a: tensor<*xf32>) -> tensor<*xf32>"),
                 ["ranked"]),
    "tensor_pad": (_main(
        "  %c = arith.constant 0.0 : f32\n"
        "  %p = tensor.pad %a low[1] high[1] {\n  ^bb0(%i: index):\n    %x = arith.addf %c, %c : f32\n"
        "    tensor.yield %x : f32\n"
        "  } : tensor<4xf32> to tensor<6xf32>\n  return %p : tensor<6xf32>",
        "(%a: tensor<4xf32>) -> tensor<6xf32>"), ["bad.mlir:3:8", "tensor.pad is modelled only with a constant"]),
    "f64": (_main("  return %a : tensor<4xf64>", "(%a: tensor<4xf64>) -> tensor<4xf64>"),
            ["unsupported element type f64"]),
    "divf": (_main(ELEMENTWISE_F32.replace("OP", "divf")),
             ["bad.mlir:5:10", "unsupported body op arith.divf"]),
    "int_op_on_floats": (_main(ELEMENTWISE_F32.replace("OP", "addi")), ["invalid MLIR"]),
    # Mixed input types are modelled (sign-extended: `test_model_widening`), an unsigned cast is not.
    "unsigned_cast": (_main(
        "  %c = arith.constant dense<0> : tensor<2x2xi32>\n"
        "  %0 = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %a : tensor<2x2xi8>, tensor<2x2xi8>)"
        " outs(%c : tensor<2x2xi32>) -> tensor<2x2xi32>\n  return %0 : tensor<2x2xi32>",
        "(%a: tensor<2x2xi8>) -> tensor<2x2xi32>"), ["unsupported body op arith.extui"]),
    "dense_resource": (_main(
        "  %c = arith.constant dense_resource<blob> : tensor<4xf32>\n  return %c : tensor<4xf32>")
        + "{-#\n  dialect_resources: {\n    builtin: {\n"
        '      blob: "0x04000000000000000000803F00000040"\n    }\n  }\n#-}\n',  # 3 floats for 4
        ["bad.mlir:2:8", "dense_resource<blob>", "do not hold tensor<4xf32>"]),
    "mutable_global": ("util.global private mutable @g = dense<1.0> : tensor<4xf32>\n" + _main(
        "  %g = util.global.load @g : tensor<4xf32>\n  return %g : tensor<4xf32>"),
        ["bad.mlir:1:1", "mutable"]),
    "fill_of_argument": (_main(
        "  %c = arith.constant 1.0 : f32\n"
        "  %0 = linalg.fill ins(%c : f32) outs(%a : tensor<4xf32>) -> tensor<4xf32>\n"
        "  return %0 : tensor<4xf32>"), ["linalg.fill must fill a tensor.empty"]),
    "unsupported_named_op": (_main(
        "  %e = tensor.empty() : tensor<4x4xf32>\n"
        "  %0 = linalg.softmax dimension(1) ins(%a : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>\n"
        "  return %0 : tensor<4x4xf32>", "(%a: tensor<4x4xf32>) -> tensor<4x4xf32>"),
        ["bad.mlir:3:8", "unsupported op linalg.softmax"]),
    "scalar_argument": (_main("  return %a : tensor<4xf32>", "(%a: tensor<4xf32>, %s: f32) -> tensor<4xf32>"),
                        ["argument #1", "ranked tensors"]),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_one_line_parse_errors(case: str) -> None:
    text, words = ERRORS[case]
    with pytest.raises(ParseError) as info:
        parse_program(text, filename="bad.mlir")
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message, (w, message)


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(ParseError, ValueError)


def test_named_matmul_with_custom_maps_becomes_generic() -> None:
    text = _main(
        "  %c = arith.constant dense<1> : tensor<2x3xi32>\n"
        "  %0 = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d2, d0)>,\n"
        "      affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>]\n"
        "      ins(%a, %b : tensor<4x2xi32>, tensor<4x3xi32>) outs(%c : tensor<2x3xi32>) -> tensor<2x3xi32>\n"
        "  return %0 : tensor<2x3xi32>",
        "(%a: tensor<4x2xi32>, %b: tensor<4x3xi32>) -> tensor<2x3xi32>",
    )
    p = parse_program(text)
    assert p.ops[0].name == "linalg.generic" and p.ops[0].family == "contraction"
    a = np.arange(8, dtype=np.int32).reshape(4, 2) - 4
    b = np.arange(12, dtype=np.int32).reshape(4, 3) % 5
    (out,) = evaluate(p, [a, b])
    np.testing.assert_array_equal(out, 1 + a.T @ b)


def test_body_dag_that_explodes_as_a_tree_is_rejected() -> None:
    lines = ["    %v0 = arith.addf %in, %out : f32"]
    lines += [f"    %v{i} = arith.addf %v{i - 1}, %v{i - 1} : f32" for i in range(1, 40)]
    body = ELEMENTWISE_F32.replace("    %1 = arith.OP %in, %out : f32\n", "\n".join(lines) + "\n")
    body = body.replace("linalg.yield %1", "linalg.yield %v39")
    with pytest.raises(ParseError, match="expression nodes"):
        parse_program(_main(body))
