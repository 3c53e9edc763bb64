"""Known-issue filter `multi-result-shared-init`: a multi-result op whose destinations are one value.

The cause was established by hand (the filter's docstring): the same reduction pair into one
splat constant is wrong without the pass, into two different constants it is right. The test
holds both halves on the real compiler, and holds the filter to exactly that shape.
"""

from __future__ import annotations

import pytest

import fuzzir
from fuzzir.filters import FILTERS
from fuzzir.findings import Observation
from fuzzir.parse import parse_program

SHARED = """func.func @main(%arg0: tensor<5xf32>) -> (tensor<f32>, tensor<f32>) {
  %c = arith.constant dense<1.0> : tensor<f32>
  %d = arith.constant dense<2.0> : tensor<f32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>, affine_map<(d0) -> ()>],
                         iterator_types = ["reduction"]}
      ins(%arg0 : tensor<5xf32>) outs(%c, SECOND : tensor<f32>, tensor<f32>) {
  ^bb0(%x: f32, %s: f32, %m: f32):
    %0 = arith.addf %x, %s : f32
    %1 = arith.minimumf %x, %m : f32
    linalg.yield %0, %1 : f32, f32
  } -> (tensor<f32>, tensor<f32>)
  return %r#0, %r#1 : tensor<f32>, tensor<f32>
}
"""
INLINE0 = ("--iree-flow-inline-constants-max-byte-length=0",)


def _miscompile(op_index: int = 0) -> Observation:
    return Observation("miscompile", "without", "llvm-cpu", INLINE0, "run", "m", op_index=op_index)


def test_the_filter_matches_a_shared_destination_only() -> None:
    shared = parse_program(SHARED.replace("SECOND", "%c"))
    apart = parse_program(SHARED.replace("SECOND", "%d"))
    tag = FILTERS["multi-result-shared-init"]
    assert tag(shared, _miscompile()) and not tag(apart, _miscompile())
    assert not tag(shared, Observation("compile-error", "with", "llvm-cpu", (), "compile", "m", op_index=0))


@pytest.mark.parametrize(("second", "wrong"), [("%c", True), ("%d", False)])
def test_one_shared_destination_is_miscompiled_and_two_are_not(second: str, wrong: bool) -> None:
    verdict = fuzzir.check(SHARED.replace("SECOND", second), targets=("llvm-cpu",), variants=("with", "without"),
                           flags=INLINE0)
    bad = [o for o in verdict.observations if o.kind == "miscompile"]
    assert bool(bad) == wrong, verdict.summary()
    assert all(o.variant == "without" and o.known == "multi-result-shared-init" for o in bad)
