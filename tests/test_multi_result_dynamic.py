"""Multi-result `linalg.generic` (several destinations) and dynamic-shaped arguments, end to end:
model -> emit -> parse -> numpy reference -> minimizer -> generator -> finding keys, and the real compiler.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import fuzzir
from fuzzir.any_program import load_program
from fuzzir.emit import emit
from fuzzir.families import D
from fuzzir.families.multi_result import NAME as MULTI
from fuzzir.families.multi_result import multi
from fuzzir.families.reduction import reduction
from fuzzir.findings import IR_KINDS, Observation
from fuzzir.generators.dynamic import pinned
from fuzzir.generators.programs import generate
from fuzzir.model import Expr, InitKind, LinalgOp, Literal, LiteralKind, Output, Program, Ref, TensorType
from fuzzir.oracles.reference import evaluate, expect
from fuzzir.parse import ParseError, parse_program
from fuzzir.pass_matcher import pass_matcher
from fuzzir.shrink import PASSES, compact, drop_output, static_args
from fuzzir.source import DEFAULT_DIM

INPUTS = Path(__file__).parent / "data" / "inputs"
KINDS = ("multi_reduction", "multi_elementwise")


def _lit(kind: LiteralKind, data: np.ndarray, dtype: str = "i32") -> Literal:
    return Literal(kind, TensorType(data.shape, dtype), data)


def _round_trip(p: Program) -> Program:
    text = emit(p)
    parsed = parse_program(text)
    assert emit(parsed) == text
    return parsed


def _sum_and_max(c1: np.ndarray, c2: np.ndarray, kind: LiteralKind = LiteralKind.DENSE,
                 dynamic: tuple[tuple[int, int], ...] = ()) -> Program:
    """sum over rows into c1 and max over rows into c2: the form of tests/data/inputs/multi_result_*.mlir."""
    src = TensorType((4, c1.size), "i32")
    first = reduction(Ref("arg", 0), src, (0,), Ref("lit", 0), "addi")
    op = multi(first, [Output(Ref("lit", 1), first.maps[-1], Expr("maxsi", (Expr.arg(0), Expr.arg(2))),
                              first.result_type)])
    return Program((src,), (_lit(kind, c1), _lit(kind, c2)), (op,), (Ref("op", 0, 0), Ref("op", 0, 1)), dynamic)


def _elementwise_two_outputs(init: Ref, literals: tuple[Literal, ...]) -> Program:
    """out0 = a + out1 (reads the other output's init), out1 = a * out1, over 3x4 into `init` and lit 0."""
    t = TensorType((3, 4), "i32")
    ident = (D(0), D(1))
    op = LinalgOp("linalg.generic", MULTI, (Ref("arg", 0),), init, (3, 4), (ident, ident), ("parallel",) * 2,
                  Expr("addi", (Expr.arg(0), Expr.arg(2))), t,
                  more=(Output(Ref("lit", 0), ident, Expr("muli", (Expr.arg(0), Expr.arg(2))), t),))
    return Program((t,), literals, (op,), (Ref("op", 0, 0), Ref("op", 0, 1)))


# ---- the reference ----------------------------------------------------------------------------

def test_two_reductions_into_two_constants_against_numpy() -> None:
    c1, c2 = np.arange(1, 9, dtype=np.int32), np.arange(8, 0, -1, dtype=np.int32)
    a = (np.arange(32, dtype=np.int32).reshape(4, 8) % 7) - 3
    s, m = evaluate(_sum_and_max(c1, c2), [a])
    assert np.array_equal(s, c1 + a.sum(axis=0)) and np.array_equal(m, np.maximum(c2, a.max(axis=0)))


def test_the_hand_written_multi_result_inputs_parse_to_the_family_and_evaluate() -> None:
    a = (np.arange(32, dtype=np.int32).reshape(4, 8) % 5) - 2
    for name, c1, c2 in (("defect", np.arange(1, 9), np.arange(8, 0, -1)), ("clean", np.zeros(8), np.full(8, -100))):
        p = parse_program((INPUTS / f"multi_result_{name}.mlir").read_text())
        assert [op.family for op in p.ops] == [MULTI] and p.results == (Ref("op", 0, 0), Ref("op", 0, 1))
        s, m = evaluate(p, [a])
        assert np.array_equal(s, c1 + a.sum(axis=0)) and np.array_equal(m, np.maximum(c2, a.max(axis=0)))
    p = parse_program((INPUTS / "multi_result_defect.mlir").read_text())
    assert p.init_kinds(p.ops[0]) == (InitKind.NONSPLAT, InitKind.NONSPLAT) and p.constant_init_ops() == [0]


def test_an_elementwise_output_reading_another_outputs_init() -> None:
    init = np.arange(12, dtype=np.int32).reshape(3, 4) - 5
    p = _elementwise_two_outputs(Ref("arg", 1), (_lit(LiteralKind.DENSE, init),))
    p = p.replace(args=(*p.args, TensorType((3, 4), "i32")))
    a, b = np.full((3, 4), 2, np.int32), np.full((3, 4), 7, np.int32)
    out0, out1 = evaluate(p, [a, b])
    assert np.array_equal(out0, a + init) and np.array_equal(out1, a * init)


def test_reductions_reading_each_others_running_values_fold_together() -> None:
    """out0 += x; out1 = out1 + out0 (a running prefix of prefix sums): only a joint fold gets it."""
    src = TensorType((4, 2), "i32")
    first = reduction(Ref("arg", 0), src, (0,), Ref("lit", 0), "addi")
    op = multi(first, [Output(Ref("lit", 1), first.maps[-1], Expr("addi", (Expr.arg(2), Expr.arg(1))),
                              first.result_type)])
    zeros = np.zeros(2, np.int32)
    p = Program((src,), (_lit(LiteralKind.SPLAT, zeros), _lit(LiteralKind.SPLAT, zeros)), (op,),
                (Ref("op", 0, 0), Ref("op", 0, 1)))
    x = np.arange(8, dtype=np.int32).reshape(4, 2)
    s, t = evaluate(p, [x])
    acc0, acc1 = zeros.copy(), zeros.copy()
    for row in x:  # linalg semantics: every output's body sees the values before this iteration
        acc0, acc1 = acc0 + row, acc1 + acc0
    assert np.array_equal(s, acc0) and np.array_equal(t, acc1)


# ---- emit and parse ---------------------------------------------------------------------------

def test_multi_result_prints_results_with_hash_and_yields_every_output() -> None:
    p = _round_trip(_sum_and_max(np.arange(8, dtype=np.int32), np.ones(8, np.int32) * 3))
    text = emit(p)
    assert "%op0:2 = linalg.generic" in text and "outs(%cst0, %cst1 : tensor<8xi32>, tensor<8xi32>)" in text
    assert "linalg.yield %b0, %b1 : i32, i32" in text and "return %op0#0, %op0#1" in text


def test_a_dynamic_argument_prints_question_marks_and_reads_back_its_sizes() -> None:
    p = _sum_and_max(np.arange(8, dtype=np.int32), np.ones(8, np.int32), dynamic=((0, 1),))
    text = emit(p)
    assert "%arg0: tensor<4x?xi32>" in text and "ins(%arg0 : tensor<4x?xi32>)" in text
    parsed = _round_trip(p)
    assert parsed.args == p.args and parsed.dynamic == ((0, 1),)  # the init fixes the dim: 8


def test_a_dynamic_dim_no_static_operand_fixes_takes_the_dim_option() -> None:
    p = _sum_and_max(np.arange(8, dtype=np.int32), np.ones(8, np.int32), dynamic=((0, 0),))
    text = emit(p)
    assert "tensor<?x8xi32>" in text
    assert parse_program(text).args[0].shape == (DEFAULT_DIM, 8)
    assert parse_program(text, dims={(0, 0): 6}).args[0].shape == (6, 8)
    assert parse_program(text, dims={(-1, -1): 3}).args[0].shape == (3, 8)
    loaded = load_program(text, "dyn.mlir", dims={(0, 0): 5})  # `fuzzir check --dim 0:0=5`
    assert loaded.program is not None and loaded.program.args[0].shape == loaded.source.args[0].shape == (5, 8)


def test_a_dynamic_destination_is_outside_the_model() -> None:
    text = """func.func @main(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
      iterator_types = ["parallel"]} ins(%a : tensor<?xf32>) outs(%b : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  } -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
"""
    with pytest.raises(ParseError, match="dynamic-shaped argument"):
        parse_program(text)


@pytest.mark.parametrize("kind", KINDS)
def test_generated_multi_result_programs_round_trip(kind: str) -> None:
    for seed in range(25):
        p = generate(seed, op_kinds=(kind,), max_ops=2)
        parsed = _round_trip(p)
        assert parsed.args == p.args and parsed.dynamic == p.dynamic
        assert [op.family for op in parsed.ops] == [MULTI] * len(p.ops)


def test_generated_dynamic_programs_of_every_kind_round_trip_with_their_sizes() -> None:
    seen = 0
    for seed in range(120):
        p = generate(seed, max_ops=2)
        if p.dynamic:
            seen += 1
            assert _round_trip(p).args == p.args
            assert pinned(p, set(p.dynamic)) == set(p.dynamic)
    assert seen >= 15


# ---- the generator ----------------------------------------------------------------------------

def test_the_generator_reaches_each_form() -> None:
    reached = set()
    for seed in range(80):
        p = generate(seed, op_kinds=KINDS, max_ops=2)
        for op in p.ops:
            kinds = p.init_kinds(op)
            constants = sum(k in (InitKind.SPLAT, InitKind.NONSPLAT, InitKind.GLOBAL, InitKind.LARGE) for k in kinds)
            form = "reduction" if op.reduction_dims else "elementwise"
            reached.add(f"{form}:{len(kinds)}")
            if constants >= 2:
                reached.add(f"{form}:two-constant-inits")
            if any(b.reads(len(op.ins) + j) for k, b in enumerate(op.bodies) for j in range(len(kinds)) if j != k):
                reached.add("cross-read")
        if p.dynamic:
            reached.add("dynamic")
    assert reached >= {"reduction:2", "reduction:3", "elementwise:2", "elementwise:3", "reduction:two-constant-inits",
                       "elementwise:two-constant-inits", "cross-read", "dynamic"}, reached


def test_about_one_program_in_four_has_dynamic_arguments_and_generation_stays_deterministic() -> None:
    dynamic = sum(bool(generate(s).dynamic) for s in range(200))
    assert 20 <= dynamic <= 70, dynamic
    assert emit(generate(7, op_kinds=KINDS)) == emit(generate(7, op_kinds=KINDS))


# ---- the minimizer and finding keys -------------------------------------------------------------

def test_the_minimizer_drops_an_output_and_makes_arguments_static() -> None:
    p = _sum_and_max(np.arange(8, dtype=np.int32), np.ones(8, np.int32) * 2, dynamic=((0, 1),))
    dropped = list(drop_output(p))
    assert len(dropped) == 2
    for q in dropped:
        q.validate()
        assert not q.ops[0].more and q.ops[0].family == "reduction" and len(q.args) == 1
        assert _round_trip(q).dynamic == ((0, 1),)
    assert evaluate(dropped[0], [np.ones((4, 8), np.int32)])[0].tolist() == [4 + i for i in range(8)]  # the sum kept
    assert [q.dynamic for q in static_args(p)] == [()]
    assert compact(p.replace(args=(TensorType((2,), "i32"), *p.args),
                             ops=(p.ops[0].with_inits((Ref("arg", 1),), p.ops[0].inits),),
                             dynamic=((1, 1),))).dynamic == ((0, 1),)


def test_every_minimizer_pass_keeps_generated_multi_result_programs_valid() -> None:
    for seed in range(6):
        p = generate(seed, op_kinds=KINDS, max_ops=2)
        for _, make in PASSES:
            for candidate in make(p):
                candidate.validate()
                assert emit(parse_program(emit(candidate))) == emit(candidate)


def test_pass_matcher_keys_for_multi_result_constants() -> None:
    """DetachElementwiseFromNamedOps: the splat rule loops over every init; the detach rule needs one init."""
    assert pass_matcher(MULTI, "splat") == "splat-fill"
    assert pass_matcher(MULTI, "nonsplat") == "no-interface"
    assert pass_matcher(MULTI, "global") == "no-lookthrough"
    o = Observation("readwrite-constant", "with", "llvm-cpu", (), "ir", "m", family=MULTI, init_kind="large")
    assert o.cause_key() == "written-constant|nonsplat:no-interface" and not o.pass_applies


# ---- the real compiler (llvm-cpu) ---------------------------------------------------------------

def _right_values(verdict: fuzzir.Verdict) -> bool:
    return all(c.ran for c in verdict.cells) and {f.kind for f in verdict.findings} <= set(IR_KINDS)


def test_two_reductions_into_fills_run_right_with_a_dynamic_argument() -> None:
    fills = _sum_and_max(np.zeros(8, np.int32), np.full(8, -100, np.int32), LiteralKind.FILL, dynamic=((0, 1),))
    verdict = fuzzir.check(fills, variants=("with", "without"))
    assert verdict.exact and not verdict.findings and all(c.ran for c in verdict.cells), verdict.summary()


def test_two_reductions_into_two_nonsplat_constants_are_a_written_constant_the_pass_leaves() -> None:
    p = _sum_and_max(np.arange(1, 9, dtype=np.int32), np.arange(8, 0, -1, dtype=np.int32))
    verdict = fuzzir.check(p, variants=("with", "without"))
    # llvm-cpu refuses to write the constant ("write affecting operations on global resources"), with
    # and without the pass: its matcher cannot touch it, so the key names no variant pattern.
    assert [f.key for f in verdict.findings] == ["written-constant|nonsplat:no-interface|with"], verdict.summary()
    assert {o.variant for o in verdict.findings[0].observations} == {"with", "without"}


def test_an_elementwise_op_with_two_outputs_into_splat_constants_runs_right() -> None:
    splat = _lit(LiteralKind.SPLAT, np.full((3, 4), 3, np.int32))
    p = _elementwise_two_outputs(Ref("lit", 1), (splat, _lit(LiteralKind.SPLAT, np.full((3, 4), -2, np.int32))))
    verdict = fuzzir.check(p, variants=("with",))
    assert _right_values(verdict), verdict.summary()


def test_generated_programs_of_each_form_give_no_value_findings_on_llvm_cpu() -> None:
    """Zero false positives: whatever IREE does with the constants, llvm-cpu computes what numpy does."""
    picks: dict[str, Program] = {}
    for seed in range(60):
        p = generate(seed, op_kinds=KINDS, dtypes=("i32", "f32"), max_ops=1)
        form = f"{p.ops[0].reduction_dims and 'reduction' or 'elementwise'}:{'dynamic' if p.dynamic else 'static'}"
        if form not in picks and np.prod([t.numel for t in p.args]) < 4096:
            picks[form] = p
    assert len(picks) == 4, sorted(picks)
    for form, p in sorted(picks.items()):
        assert expect(p, [np.ones(t.shape, np.int32 if t.dtype == "i32" else np.float32) for t in p.args]).exact
        verdict = fuzzir.check(p, variants=("with",))
        assert not [f for f in verdict.findings if f.kind == "miscompile"], (form, verdict.summary(), emit(p))


def test_an_unnamed_written_constant_of_a_multi_result_op_is_its_constant_init() -> None:
    # IREE may reshape or hoist a global so that the flow IR's constant carries no name: the
    # violation then belongs to the op's constant init the pass leaves in place (a global first).
    from fuzzir.oracles.written_constants import _constant_init

    text = """
util.global private @g = dense<[1, 2]> : tensor<2xi32>
func.func @main(%a: tensor<4x2xi32>) -> (tensor<2xi32>, tensor<2xi32>) {
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<2xi32>) -> tensor<2xi32>
  %g = util.global.load @g : tensor<2xi32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x2xi32>) outs(%f, %g : tensor<2xi32>, tensor<2xi32>) {
  ^bb0(%x: i32, %s: i32, %m: i32):
    %0 = arith.addi %x, %s : i32
    %1 = arith.maxsi %x, %m : i32
    linalg.yield %0, %1 : i32, i32
  } -> (tensor<2xi32>, tensor<2xi32>)
  return %r#0, %r#1 : tensor<2xi32>, tensor<2xi32>
}
"""
    program = parse_program(text)
    assert str(program.init_kind(program.ops[0])) == "fill"
    assert _constant_init(program, 0) == "global"
    assert _constant_init(program, None) == ""


def test_types_in_any_outputs_body_count_for_the_known_limit_filters() -> None:
    # A campaign stored VMVX's f16 limit three times: the f16 lived in output 1's body only.
    from fuzzir.filters import tag

    text = """
func.func @main(%arg0: tensor<1x1xi32>) -> (tensor<1x1xi32>, tensor<1x1xi32>) {
  %c = arith.constant dense<[[3]]> : tensor<1x1xi32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0, d1)>,
                                          affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%arg0 : tensor<1x1xi32>) outs(%c, %c : tensor<1x1xi32>, tensor<1x1xi32>) {
  ^bb0(%in0: i32, %out: i32, %out1: i32):
    %b1 = arith.sitofp %in0 : i32 to f16
    %b0 = arith.fptosi %b1 : f16 to i32
    linalg.yield %in0, %b0 : i32, i32
  } -> (tensor<1x1xi32>, tensor<1x1xi32>)
  return %r#0, %r#1 : tensor<1x1xi32>, tensor<1x1xi32>
}
"""
    program = parse_program(text)
    assert program.body_dtypes() == ["f16"]
    o = Observation("compile-error", "with", "vmvx", (), "compile",
                    "failed to legalize operation 'arith.sitofp' that was explicitly marked illegal")
    assert tag(program, [o])[0].known == "vmvx-f16-unsupported"
