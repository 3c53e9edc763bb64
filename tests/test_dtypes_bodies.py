"""bf16, i64 and i16 programs and the typed body ops (issue 8, sections 2 and 3).

Each element type and each body op (`arith.select` on `cmpf`/`cmpi`, the casts, `divsi`/`remsi`):
the numpy reference against hand-computed values, where it must abstain (undefined behaviour, a
compare or float-to-int cast of inexact values), emit -> parse -> emit, the generator reaching it,
the known-limit filters, and a compile and run on llvm-cpu.
"""

from __future__ import annotations

import collections

import ml_dtypes
import numpy as np
import pytest

import fuzzir
from fuzzir.emit import emit
from fuzzir.families.elementwise import elementwise
from fuzzir.filters import tag
from fuzzir.findings import IR_KINDS, Observation
from fuzzir.generators.programs import generate
from fuzzir.model import (
    CLASSIC_DTYPES,
    CMPI_PREDICATES,
    DTYPES,
    NUMPY_DTYPE,
    AffineExpr,
    Expr,
    Literal,
    LiteralKind,
    Program,
    Ref,
    TensorType,
)
from fuzzir.oracles.inputs import draw_inputs
from fuzzir.oracles.reference import _bitwise_bound, evaluate, expect
from fuzzir.parse import parse_program
from fuzzir.shrink import widen_types

A, B, OUT = Expr.arg(0), Expr.arg(1), Expr.arg(2)
NEW_OPS = ("select", "cmpf", "cmpi", "divsi", "remsi", "sitofp", "fptosi", "extf", "truncf", "extsi", "trunci")


def _binary(body: Expr, dtype: str, n: int = 4, init: np.ndarray | None = None) -> Program:
    """`body` over two [n] arguments, into a non-splat constant (or `init`)."""
    t = TensorType((n,), dtype)
    data = init if init is not None else np.arange(1, n + 1).astype(NUMPY_DTYPE[dtype])
    ident = (AffineExpr.dim(0),)
    op = elementwise((Ref("arg", 0), Ref("arg", 1)), (ident, ident), Ref("lit", 0), t, body)
    return Program((t, t), (Literal(LiteralKind.DENSE, t, data),), (op,), (Ref("op", 0),))


def _arrays(dtype: str, *values: list) -> list[np.ndarray]:
    return [np.array(v).astype(NUMPY_DTYPE[dtype]) for v in values]


def _round_trip(p: Program) -> Program:
    text = emit(p)
    parsed = parse_program(text)
    assert emit(parsed) == text
    return parsed


# ---- integer division ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["i8", "i16", "i32", "i64"])
def test_divsi_truncates_toward_zero_and_remsi_takes_the_dividends_sign(dtype: str) -> None:
    a, b = _arrays(dtype, [7, -7, 7, -7], [2, 2, -2, -2])
    div = _binary(Expr("divsi", (A, B)), dtype)
    rem = _binary(Expr("remsi", (A, B)), dtype)
    np.testing.assert_array_equal(expect(div, [a, b]).outputs[0], [3, -3, -3, 3])  # numpy's // gives 3, -4, -4, 3
    np.testing.assert_array_equal(expect(rem, [a, b]).outputs[0], [1, -1, 1, -1])  # numpy's % gives 1, 1, -1, -1
    assert expect(div, [a, b]).exact and not expect(div, [a, b]).why
    assert "divsi" in emit(div) and _round_trip(rem) is not None


def test_division_by_zero_or_of_int_min_by_minus_one_is_not_judged() -> None:
    zero = expect(_binary(Expr("divsi", (A, B)), "i8"), _arrays("i8", [1, 2, 3, 4], [1, 0, 1, 1]))
    assert zero.why.startswith("undefined behaviour") and np.all(np.isinf(zero.tolerances[0]))
    overflow = expect(_binary(Expr("remsi", (A, B)), "i8"), _arrays("i8", [-128, 2, 3, 4], [-1, 1, 1, 1]))
    assert "undefined behaviour" in overflow.why


def test_the_generators_divisor_guards_never_divide_by_zero_or_minus_one() -> None:
    seen = set()
    for seed in range(400):
        p = generate(seed, op_kinds=("elementwise",), dtypes=("i8", "i16"), max_ops=1)
        for e in p.ops[0].body.walk():
            if e.op in ("divsi", "remsi"):
                seen.add(e.args[1].op)
    assert seen == {"select", "maxsi", "andi"}  # the three guards
    x = np.arange(-128, 128).astype(np.int8)
    with np.errstate(all="ignore"):
        assert not np.any(np.maximum(np.abs(x), 1) < 1)  # max(|x|, 1) (|INT_MIN| wraps)
        guarded = (x | 2) & -2
    assert not np.any((guarded == 0) | (guarded == -1))


# ---- select and compares ------------------------------------------------------------------------

def test_select_on_cmpf_picks_per_element() -> None:
    body = Expr("select", (Expr("cmpf", (A, B), dtype="i1", pred="olt"), A, B))
    p = _binary(body, "f32")
    a, b = _arrays("f32", [1, 5, -2, 3], [2, 4, -3, 3])
    np.testing.assert_array_equal(expect(p, [a, b]).outputs[0], [1, 4, -3, 3])
    text = emit(p)
    assert "arith.cmpf olt, %in0, %in1 : f32" in text and "arith.select %b1, %in0, %in1 : f32" in text
    assert _round_trip(p).ops[0].body == body


@pytest.mark.parametrize("pred", CMPI_PREDICATES)
def test_cmpi_predicates_against_python(pred: str) -> None:
    ops = {"eq": int.__eq__, "ne": int.__ne__, "slt": int.__lt__, "sle": int.__le__, "sgt": int.__gt__,
           "sge": int.__ge__}
    body = Expr("select", (Expr("cmpi", (A, B), dtype="i1", pred=pred), Expr.const(1), Expr.const(0)))
    a, b = [-3, 0, 2, 2], [2, 0, -3, 2]
    p = _binary(body, "i16")
    got = expect(p, _arrays("i16", a, b)).outputs[0]
    assert got.tolist() == [int(ops[pred](x, y)) for x, y in zip(a, b, strict=True)]
    assert _round_trip(p).ops[0].body == body


def test_a_compare_of_inexact_floats_is_not_judged() -> None:
    body = Expr("select", (Expr("cmpf", (A, B), dtype="i1", pred="ogt"), A, B))
    e = expect(_binary(body, "f16"), _arrays("f16", [0.1, 0.2, 0.3, 0.4], [0.3, 0.2, 0.1, 0.0]))
    assert "cmpf" in e.why and np.all(np.isinf(e.tolerances[0]))


# ---- casts ---------------------------------------------------------------------------------------

def test_sitofp_fptosi_round_trip_is_exact_on_small_integers() -> None:
    inner = Expr("mulf", (Expr("sitofp", (A,), dtype="bf16"), Expr("sitofp", (B,), dtype="bf16")), dtype="bf16")
    p = _binary(Expr("fptosi", (inner,)), "i32")
    e = expect(p, _arrays("i32", [3, -5, 8, 0], [4, 3, -16, 7]))
    assert e.exact and e.outputs[0].tolist() == [12, -15, -128, 0]
    assert "arith.sitofp %in0 : i32 to bf16" in emit(p) and "arith.fptosi %b1 : bf16 to i32" in emit(p)
    assert _round_trip(p).ops[0].body == p.ops[0].body
    # Past bf16's 2**8 the product may be rounded: the reference cannot judge a float-to-int cast of it.
    assert "fptosi" in expect(p, _arrays("i32", [30, 1, 1, 1], [30, 1, 1, 1])).why


def test_fptosi_out_of_range_is_undefined() -> None:
    p = _binary(Expr("sitofp", (Expr("fptosi", (Expr("addf", (A, B)),), dtype="i8"),)), "f32")
    assert expect(p, _arrays("f32", [1, 2, 3, 4], [1, 2, 3, 4])).exact
    assert "fptosi" in expect(p, _arrays("f32", [100, 2, 3, 4], [100, 2, 3, 4])).why


def test_fptosi_truncates_toward_zero() -> None:
    p = _binary(Expr("sitofp", (Expr("fptosi", (A,), dtype="i32"),)), "f32")
    got = evaluate(p, _arrays("f32", [2.5, -2.5, 0.9, -0.9], [0, 0, 0, 0]))[0]
    assert got.tolist() == [2, -2, 0, 0]


def test_truncf_extf_exact_within_the_narrow_types_integers_else_a_tolerance_or_nothing() -> None:
    inner = Expr("addf", (Expr("truncf", (A,), dtype="bf16"), Expr("truncf", (B,), dtype="bf16")), dtype="bf16")
    p = _binary(Expr("extf", (inner,)), "f32")
    small = expect(p, _arrays("f32", [100, -3, 7, 0], [100, 5, 1, 2]))
    assert small.exact and small.outputs[0].tolist() == [200, 2, 8, 2]
    big = expect(p, _arrays("f32", [300, 1, 1, 1], [1, 1, 1, 1]))  # 301 is no bf16: a rounding, bounded
    assert not big.exact and not big.why and np.all(np.isfinite(big.tolerances[0]))
    assert abs(big.outputs[0][0] - 301) <= big.tolerances[0][0] and big.tolerances[0][0] < 8
    overflow = _binary(Expr("extf", (Expr("truncf", (A,), dtype="f16"),)), "f32")
    assert np.all(np.isinf(expect(overflow, _arrays("f32", [1e5, 1, 1, 1], [0, 0, 0, 0])).tolerances[0]))


def test_trunci_wraps_and_extsi_sign_extends() -> None:
    p = _binary(Expr("extsi", (Expr("trunci", (Expr("addi", (A, B)),), dtype="i8"),)), "i32")
    e = expect(p, _arrays("i32", [250, 100, -129, 5], [50, 27, 0, -10]))
    assert e.exact and e.outputs[0].tolist() == [44, 127, 127, -5]
    assert "arith.trunci %b2 : i32 to i8" in emit(p) and "arith.extsi %b1 : i8 to i32" in emit(p)


def test_an_ill_typed_body_fails_validate() -> None:
    with pytest.raises(ValueError):
        _binary(Expr("sitofp", (A,), dtype="f32"), "i32").validate()  # yields f32 from an i32 op
    with pytest.raises(ValueError):
        _binary(Expr("extf", (Expr("truncf", (A,), dtype="f16"),), dtype="bf16"), "f32").validate()
    with pytest.raises(ValueError):
        _binary(Expr("select", (A, A, B)), "i32").validate()  # the condition must be i1


def test_the_abs_modes_bitwise_bound_holds() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.integers(-300, 300, 5000), rng.integers(-300, 300, 5000)
    bound = _bitwise_bound(np.abs(x).astype(float), np.abs(y).astype(float))
    for r in (x & y, x | y, x ^ y):
        assert np.all(np.abs(r) <= bound)


# ---- element types --------------------------------------------------------------------------------

def test_bf16_i64_i16_arithmetic() -> None:
    bf = _binary(Expr("mulf", (A, B)), "bf16")
    e = expect(bf, _arrays("bf16", [2, -2, 3, 16], [3, 3, 1, 16]))
    assert e.exact and e.outputs[0].dtype == np.dtype(ml_dtypes.bfloat16)
    assert e.outputs[0].astype(float).tolist() == [6, -6, 3, 256]
    i64 = _binary(Expr("muli", (A, B)), "i64")
    assert expect(i64, _arrays("i64", [2**40, 3, 1, 1], [4, 5, 1, 1])).outputs[0][0] == 2**42
    i16 = _binary(Expr("muli", (A, B)), "i16")
    assert expect(i16, _arrays("i16", [200, 3, 1, 1], [200, 5, 1, 1])).outputs[0][0] == 40000 - 65536


def test_bf16_constants_parse_back_bit_for_bit() -> None:
    data = np.array([1.5, -2, 0.25, 3], ml_dtypes.bfloat16)
    p = _binary(Expr("addf", (A, OUT)), "bf16", init=data)
    parsed = _round_trip(p)
    assert parsed.literals[0].data.dtype == np.dtype(ml_dtypes.bfloat16)
    assert np.array_equal(parsed.literals[0].data, data)


def test_bf16_inputs_start_at_two() -> None:
    p = generate(3, dtypes=("bf16",))
    inputs, e = draw_inputs(p, 0)
    assert all(np.all(np.abs(x.astype(float)) <= 2) for x in inputs) and e.exact


# ---- the generator --------------------------------------------------------------------------------

def test_the_generator_reaches_every_type_keeping_the_classic_ones_most_frequent() -> None:
    counts = collections.Counter(generate(seed).ops[0].result_type.dtype for seed in range(200))
    assert set(counts) == set(DTYPES)
    newer = sum(counts[d] for d in DTYPES if d not in CLASSIC_DTYPES)
    assert 0.12 < newer / 200 < 0.4
    assert generate(7).ops == generate(7).ops  # deterministic from the draw


def test_the_generator_reaches_every_body_op_and_round_trips_it() -> None:
    seen: set[str] = set()
    for seed in range(300):
        p = generate(seed, op_kinds=("elementwise",), max_ops=2)
        ops = {e.op for op in p.ops for e in op.body.walk()} & set(NEW_OPS)
        if ops - seen:
            _round_trip(p)
            assert draw_inputs(p, seed)[1] is not None
        seen |= ops
    assert seen == set(NEW_OPS)


def test_float_mode_draws_no_float_compare_or_float_to_int_cast() -> None:
    for seed in range(150):
        p = generate(seed, op_kinds=("elementwise",), dtypes=("f32", "f16"), values="float")
        assert not {e.op for op in p.ops for e in op.body.walk()} & {"cmpf", "fptosi"}


def test_widening_keeps_bodies_well_typed() -> None:
    p = _binary(Expr("addf", (A, B)), "bf16")
    (wide,) = widen_types(p)
    wide.validate()
    assert wide.ops[0].result_type.dtype == "f32"
    through_i8 = _binary(Expr("extsi", (Expr("addi", (Expr("trunci", (A,), dtype="i8"), Expr.const(1, "i8")),
                                                   dtype="i8"),)), "i16")
    next(iter(widen_types(through_i8))).validate()  # i32 -> i8 -> i32: still well typed
    through_i32 = _binary(Expr("trunci", (Expr("addi", (Expr("extsi", (A,), dtype="i32"), Expr.const(1, "i32")),
                                                    dtype="i32"),)), "i16")
    through_i32.validate()
    with pytest.raises(ValueError):  # i16 -> i32 -> i16 widened would need extsi i32 -> i32: no candidate
        next(iter(widen_types(through_i32))).validate()


# ---- known limits ---------------------------------------------------------------------------------

def _obs(kind: str, target: str, message: str = "", flags: tuple[str, ...] = ()) -> Observation:
    return Observation(kind, "with", target, flags, "compile" if kind != "miscompile" else "run", message)


def test_known_limits_of_the_new_types() -> None:
    bf16 = _binary(Expr("addf", (A, B)), "bf16")
    inner_bf16 = _binary(Expr("extf", (Expr("truncf", (A,), dtype="bf16"),)), "f32")
    i64 = _binary(Expr("maxsi", (A, B)), "i64")
    i16 = _binary(Expr("addi", (A, B)), "i16")
    assert tag(bf16, [_obs("compile-error", "vmvx")])[0].known == "vmvx-bf16-unsupported"
    assert tag(inner_bf16, [_obs("compile-error", "vmvx")])[0].known == "vmvx-bf16-unsupported"
    assert tag(bf16, [_obs("miscompile", "vulkan")])[0].known == "vulkan-baseline-bf16-emulation"
    assert tag(i16, [_obs("miscompile", "vulkan")])[0].known == "vulkan-baseline-i16-emulation"
    legalize = "failed to legalize unresolved target materialization from ('i64') to ('vector<2xi32>')"
    assert tag(i64, [_obs("compile-error", "vulkan", legalize)])[0].known == "vulkan-baseline-i64-emulation"
    # Anything else stays a finding: another compile error, another target, a native target.
    assert not tag(i64, [_obs("compile-error", "vulkan", "write affecting operations on global resources")])[0].known
    assert not tag(i64, [_obs("miscompile", "vulkan")])[0].known
    assert not tag(i64, [_obs("compile-error", "vulkan", legalize, ("--iree-vulkan-target=rdna3",))])[0].known
    assert not tag(bf16, [_obs("miscompile", "llvm-cpu")])[0].known


# ---- the real compiler ----------------------------------------------------------------------------

def _all_ops_program(dtype: str) -> Program:
    """Every new body op on one type: a guarded division, a select on a compare, a round trip."""
    if dtype == "bf16":
        cond = Expr("cmpf", (A, B), dtype="i1", pred="oge")
        trip = Expr("truncf", (Expr("addf", (Expr("extf", (A,), dtype="f32"), Expr.const(1, "f32")), dtype="f32"),))
        via_int = Expr("sitofp", (Expr("fptosi", (B,), dtype="i32"),))
        body = Expr("select", (cond, trip, via_int))
    else:
        wide = {"i16": "i32", "i64": "i32", "i32": "i64"}[dtype]
        cast = "extsi" if dtype != "i64" else "trunci"
        back = "trunci" if dtype != "i64" else "extsi"
        divisor = Expr("andi", (Expr("ori", (B, Expr.const(2)),), Expr.const(-2)))
        quotient = Expr("divsi", (A, divisor))
        rem = Expr(back, (Expr("remsi", (Expr(cast, (A,), dtype=wide), Expr.const(3, wide)), dtype=wide),))
        cond = Expr("cmpi", (A, B), dtype="i1", pred="slt")
        f = Expr("fptosi", (Expr("sitofp", (OUT,), dtype="f32"),))
        body = Expr("addi", (Expr("select", (cond, quotient, rem)), f))
    return _binary(body, dtype, n=6)


@pytest.mark.parametrize("dtype", ["bf16", "i16", "i64"])
def test_every_new_body_op_compiles_and_runs_right_on_llvm_cpu(dtype: str) -> None:
    p = _all_ops_program(dtype)
    p.validate()
    _round_trip(p)
    assert draw_inputs(p, 0)[1].exact  # judged bit for bit
    verdict = fuzzir.check(p, variants=("with", "without"))
    assert all(c.ran for c in verdict.cells), verdict.summary()
    assert {f.kind for f in verdict.findings} <= set(IR_KINDS), verdict.summary()
    assert any(v == "judged" for c in verdict.cells for v in (c.oracles or {}).values())


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_generated_programs_of_the_new_types_are_clean_on_llvm_cpu(seed: int) -> None:
    p = generate(seed, dtypes=("bf16", "i64", "i16"), max_ops=2)
    verdict = fuzzir.check(p, variants=("with", "without"), seed=seed)
    assert all(c.ran for c in verdict.cells), verdict.summary()
    assert not [f for f in verdict.findings if f.kind == "miscompile"], verdict.summary()
