"""Exactness and input validity of programs fuzzir did not write (`oracles.value_facts`, `any_inputs`).

Each program is lowered by the real compiler (`--compile-to=input`) and analysed; every
reason not to compare, or not to run, must be named, and scatter indices drawn in bounds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fuzzir.oracles.any_inputs import draw_any_inputs
from fuzzir.oracles.lowering import lower
from fuzzir.oracles.value_facts import facts_for
from fuzzir.source import read_source

INPUTS = Path(__file__).parent / "data" / "inputs"


def facts(body: str, sig: str, bound: float = 8.0):
    text = f"func.func @main({sig} {{\n{body}\n}}\n"
    lowered = lower(text, "f.mlir")
    assert not lowered.problem, lowered.problem
    return facts_for(lowered.text, "main", [bound] * text.split(")")[0].count("%"))


REDUCE = """  %z = arith.constant {init} : {t}
  %e = tensor.empty() : tensor<8x{t}>
  %f = linalg.fill ins(%z : {t}) outs(%e : tensor<8x{t}>) -> tensor<8x{t}>
  %r = linalg.reduce ins(%a : tensor<{n}x8x{t}>) outs(%f : tensor<8x{t}>) dimensions = [0]
    (%in: {t}, %acc: {t}) {{ %s = arith.{op} %in, %acc : {t}
      linalg.yield %s : {t} }}
  return %r : tensor<8x{t}>"""


@pytest.mark.parametrize("t,op,n,init,exact", [
    ("f32", "addf", 64, "0.0", True),  # 64 * 8 = 512: exact in any order
    ("f16", "addf", 512, "0.0", False),  # 512 * 8 = 4096 > 2048
    ("f16", "mulf", 4, "1.0", False),  # 8^4 = 4096
    ("f16", "maximumf", 4096, "0.0", True),
    ("i8", "muli", 64, "1", True),  # integers wrap, in any order the same
])
def test_reductions_are_exact_only_within_the_type(t: str, op: str, n: int, init: str, exact: bool) -> None:
    body = REDUCE.format(t=t, op=op, n=n, init=init)
    f = facts(body, f"%a: tensor<{n}x8x{t}>) -> tensor<8x{t}>")
    assert f.exact == (exact,), f.why


@pytest.mark.parametrize("op,words", [("math.exp", "math.exp"), ("arith.divf", "arith.divf")])
def test_rounding_ops_are_not_exact(op: str, words: str) -> None:
    args = "%x" if op == "math.exp" else "%x, %x"
    body = f"""  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}} ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {{
  ^bb0(%x: f32, %o: f32):
    %y = {op} {args} : f32
    linalg.yield %y : f32
  }} -> tensor<4xf32>
  return %r : tensor<4xf32>"""
    (why,) = facts(body, "%a: tensor<4xf32>) -> tensor<4xf32>").why
    assert words in why


def test_reading_an_uninitialized_empty_is_not_exact() -> None:
    body = """  %e = tensor.empty() : tensor<4xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%a : tensor<4xi32>) outs(%e : tensor<4xi32>) {
  ^bb0(%x: i32, %o: i32):
    %y = arith.addi %x, %o : i32
    linalg.yield %y : i32
  } -> tensor<4xi32>
  return %r : tensor<4xi32>"""
    (why,) = facts(body, "%a: tensor<4xi32>) -> tensor<4xi32>").why
    assert "uninitialized" in why


def test_a_divisor_argument_makes_inputs_invalid() -> None:
    divide = """  %e = tensor.empty() : tensor<4xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xi32>, tensor<4xi32>) outs(%e : tensor<4xi32>) {
  ^bb0(%x: i32, %y: i32, %o: i32):
    %q = arith.divsi %x, %y : i32
    linalg.yield %q : i32
  } -> tensor<4xi32>
  return %r : tensor<4xi32>"""
    f = facts(divide, "%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32>")
    assert f.invalid.startswith("argument #1: it may be the divisor of arith.divsi")


SLICE = "  %s = tensor.extract_slice %a[{k}] [2] [1] : tensor<8xf32> to tensor<2xf32>\n"
RET = "  return %s : tensor<2xf32>"
SIG = "%a: tensor<8xf32>, %o: {t}) -> tensor<2xf32>"


@pytest.mark.parametrize("t,body,expected", [
    ("index", SLICE.format(k="%o"), (0, 6)),  # a slice of 2 in 8: offsets 0..6
    ("i32", "  %k = arith.index_cast %o : i32 to index\n  %c1 = arith.constant 1 : index\n"
            "  %k1 = arith.addi %k, %c1 : index\n" + SLICE.format(k="%k1"), (-1, 5)),
    ("index", "  %c7 = arith.constant 7 : index\n  %k = arith.subi %c7, %o : index\n" + SLICE.format(k="%k"),
     (1, 7)),
    ("index", "  %c2 = arith.constant 2 : index\n  %k = arith.muli %o, %c2 : index\n" + SLICE.format(k="%k"),
     (0, 3)),
    ("tensor<i32>", "  %i = tensor.extract %o[] : tensor<i32>\n  %k = arith.index_cast %i : i32 to index\n"
                    "  %v = tensor.extract %a[%k] : tensor<8xf32>\n" + SLICE.format(k="%k"), (0, 6)),
    ("index", "  %c = arith.constant dense<1.0> : tensor<5xf32>\n"
              "  %t = tensor.extract_slice %c[%o] [2] [2] : tensor<5xf32> to tensor<2xf32>\n"
              "  %i = tensor.insert_slice %t into %a[%o] [2] [1] : tensor<2xf32> into tensor<8xf32>\n"
              "  %s = tensor.extract_slice %i[1] [2] [1] : tensor<8xf32> to tensor<2xf32>\n",
     (0, 2)),  # every use bounds it: a slice of 2, stride 2, in 5; a slice of 2 into 8
    # StableHLO's dynamic_slice clamps its start: any value is in bounds, no range is needed.
    ("index", "  %c0 = arith.constant 0 : index\n  %c6 = arith.constant 6 : index\n"
              "  %l = arith.maxsi %o, %c0 : index\n  %k = arith.minsi %l, %c6 : index\n" + SLICE.format(k="%k"),
     None),
])
def test_an_index_argument_gets_the_values_that_keep_every_use_in_bounds(t: str, body: str, expected) -> None:
    text = f"func.func @main({SIG.format(t=t)} {{\n{body}{RET}\n}}\n"
    lowered = lower(text, "f.mlir")
    f = facts_for(lowered.text, "main", [8.0, 8.0])
    assert not f.invalid, f.invalid
    assert f.ranges.get(1) == expected
    source = read_source(text, filename="f.mlir")
    for seed in range(10):
        inputs, _ = draw_any_inputs(source, lowered, seed)
        assert inputs is not None
        if expected is not None:
            assert expected[0] <= np.min(inputs[1]) and np.max(inputs[1]) <= expected[1]
        assert isinstance(inputs[1], np.generic) == (not t.startswith("tensor"))


@pytest.mark.parametrize("t,body,words", [
    ("index", "  %k = arith.muli %o, %o : index\n" + SLICE.format(k="%k"),
     "argument #1: it becomes an index of tensor.extract_slice at f.mlir:3:8 through arithmetic fuzzir cannot "
     "invert"),
    ("index", "  %s = tensor.extract_slice %a[0] [%o] [1] : tensor<8xf32> to tensor<?xf32>\n"
              "  %r = tensor.cast %s : tensor<?xf32> to tensor<2xf32>\n  return %r : tensor<2xf32>", "dynamic size"),
    ("index", "  %c9 = arith.constant 9 : index\n  %k = arith.addi %o, %c9 : index\n"
              "  %t = tensor.extract_slice %a[%k] [2] [1] : tensor<8xf32> to tensor<2xf32>\n" + SLICE.format(k="%o"),
     "argument #1: no value keeps every index it becomes in bounds"),
    ("index", "  %e = tensor.empty(%o) : tensor<?xf32>\n  %s = tensor.cast %e : tensor<?xf32> to tensor<2xf32>\n",
     "argument #1: it becomes an index operand of tensor.empty"),
])
def test_an_index_argument_that_cannot_be_bounded_is_invalid(t: str, body: str, words: str) -> None:
    text = f"func.func @main({SIG.format(t=t)} {{\n{body}{'' if 'return' in body else RET}\n}}\n"
    lowered = lower(text, "f.mlir")
    assert not lowered.problem, lowered.problem
    f = facts_for(lowered.text, "main", [8.0, 8.0])
    assert words in f.invalid
    inputs, f = draw_any_inputs(read_source(text, filename="f.mlir"), lowered, 0)
    assert inputs is None and words in f.invalid


def test_scatter_indices_are_drawn_in_bounds_and_unique() -> None:
    source = read_source((INPUTS / "scatter_defect.mlir").read_text(), filename="scatter_defect.mlir")
    lowered = lower(source.text, source.filename)
    for seed in range(20):
        inputs, f = draw_any_inputs(source, lowered, seed)
        assert inputs is not None and not f.invalid and f.exact == (True,)
        idx = inputs[1]
        assert idx.dtype == np.int32 and idx.shape == (3, 1)
        assert idx.min() >= 0 and idx.max() <= 63 and len(set(idx[:, 0])) == 3
        assert np.abs(inputs[0]).max() <= 8


def test_an_unanalysable_loop_that_reads_an_index_argument_is_not_run() -> None:
    source = read_source((INPUTS / "tosa_defect.mlir").read_text(), filename="tosa_defect.mlir")
    inputs, f = draw_any_inputs(source, lower(source.text, source.filename), 0)
    assert inputs is None
    assert f.invalid.startswith("argument #0: it reaches scf.for")


GATHER = """func.func @main(%idx: tensor<3xi32>, %x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %c = arith.constant dense<1.0> : tensor<8x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} ins(%idx : tensor<3xi32>) outs(%x : tensor<3x4xf32>) {
  ^bb0(%i: i32, %o: f32):
    %k = arith.index_cast %i : i32 to index
    %j = linalg.index 1 : index
    %v = tensor.extract %c[%k, %j] : tensor<8x4xf32>
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}
"""


def test_gather_indices_read_inside_a_generic_are_bounded_even_from_a_splat() -> None:
    # Generalizing would fold the extract from the splat away; the use is bounded as written.
    lowered = lower(GATHER, "g.mlir")
    f = facts_for(lowered.text, "main", [8.0, 8.0])
    assert not f.invalid and f.ranges == {0: (0, 7)}, f
    inputs, _ = draw_any_inputs(read_source(GATHER, filename="g.mlir"), lowered, 3)
    assert inputs is not None and inputs[0].dtype == np.int32 and 0 <= inputs[0].min() and inputs[0].max() <= 7


SHIFT = """  %c = arith.constant dense<[1, {amount}, 2, 3]> : tensor<4xi32>
  %e = tensor.empty() : tensor<4xi32>
  %r = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>,
                                        affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}}
      ins(%a, %b, %c : tensor<4xi32>, tensor<4xi32>, tensor<4xi32>) outs(%e : tensor<4xi32>) {{
  ^bb0(%x: i32, %y: i32, %k: i32, %o: i32):
    %c3 = arith.constant 3 : i32
{body}
    linalg.yield %q : i32
  }} -> tensor<4xi32>
  return %r : tensor<4xi32>"""
SHIFT_SIG = "%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32>"


@pytest.mark.parametrize("body", [
    "    %q = arith.shrsi %x, %c3 : i32",  # a TOSA rescale's: data shifted by a constant amount
    "    %q = arith.shrui %x, %k : i32",  # constant amounts 1, 4, 2, 3
    "    %s = arith.shli %x, %k : i32\n    %q = arith.shrsi %s, %c3 : i32",
])
def test_data_shifted_by_amounts_within_the_width_is_exact_and_drawn(body: str) -> None:
    f = facts(SHIFT.format(amount=4, body=body), SHIFT_SIG)
    assert not f.invalid and f.exact == (True,) and f.ranges == {}, f


def test_an_argument_that_becomes_a_shift_amount_is_drawn_within_the_width() -> None:
    text = f"func.func @main({SHIFT_SIG} {{\n{SHIFT.format(amount=4, body='    %q = arith.shli %x, %y : i32')}\n}}\n"
    lowered = lower(text, "s.mlir")
    f = facts_for(lowered.text, "main", [8.0, 8.0])
    assert not f.invalid and f.exact == (True,) and f.ranges == {1: (0, 31)}, f
    for seed in range(10):
        inputs, _ = draw_any_inputs(read_source(text, filename="s.mlir"), lowered, seed)
        assert inputs is not None and 0 <= inputs[1].min() and inputs[1].max() <= 31


@pytest.mark.parametrize("amount,body,invalid,why", [
    # Two arguments added: the amount cannot be inverted to an interval of either.
    (4, "    %s = arith.addi %x, %y : i32\n    %q = arith.shrui %x, %s : i32",
     "argument #0: it becomes the shift amount of arith.shrui", ""),
    # A constant amount that may be negative (or 32 and more) makes the result poison: not exact.
    (-1, "    %q = arith.shrsi %x, %k : i32", "", "its shift amount may lie outside [0, 31] (poison)"),
    (32, "    %q = arith.shli %x, %k : i32", "", "its shift amount may lie outside [0, 31] (poison)"),
])
def test_a_shift_amount_that_may_leave_the_width_is_not_run_or_not_exact(amount: int, body: str, invalid: str,
                                                                         why: str) -> None:
    f = facts(SHIFT.format(amount=amount, body=body), SHIFT_SIG)
    assert invalid in f.invalid and (not invalid or f.invalid)
    if why:
        assert f.exact == (False,) and why in f.why[0], f
