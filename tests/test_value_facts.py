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


def test_an_argument_used_as_an_offset_or_divisor_makes_inputs_invalid() -> None:
    offset = """  %i = tensor.extract %o[] : tensor<i32>
  %k = arith.index_cast %i : i32 to index
  %s = tensor.extract_slice %a[%k] [2] [1] : tensor<8xf32> to tensor<2xf32>
  return %s : tensor<2xf32>"""
    f = facts(offset, "%a: tensor<8xf32>, %o: tensor<i32>) -> tensor<2xf32>")
    assert f.invalid.startswith("argument #1: it becomes an index at f.mlir:3:")
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
