"""Known-issue filters `vulkan-scatter-accumulate` and `vulkan-conv-accumulate`: Vulkan ops that accumulate
into their destination are wrong whatever it is.

The filters' docstrings say how each cause was established; this holds them on the real compiler
and the lavapipe device: a scatter-add, and a strided conv, into a plain function argument (no
constant anywhere in `outs`) are wrong on Vulkan and right on llvm-cpu, while the overwrite
scatter and the conv into a zero fill are right on both.
"""

from __future__ import annotations

import pytest

import fuzzir
from fuzzir.targets import TARGETS, device_available

SCATTER = """func.func @main(%upd: tensor<1xi32>, %dst: tensor<2xi32>) -> tensor<2xi32> {
  %idx = arith.constant dense<1> : tensor<1x1xi32>
  %r = iree_linalg_ext.scatter dimension_map = [0] unique_indices(true)
      ins(%upd, %idx : tensor<1xi32>, tensor<1x1xi32>) outs(%dst : tensor<2xi32>) {
  ^bb0(%u: i32, %o: i32):
    BODY
  } -> tensor<2xi32>
  return %r : tensor<2xi32>
}
"""
ADD = "%s = arith.addi %u, %o : i32\n    iree_linalg_ext.yield %s : i32"
OVERWRITE = "iree_linalg_ext.yield %u : i32"

pytestmark = [pytest.mark.vulkan,
              pytest.mark.skipif(not device_available(TARGETS["vulkan"]), reason="no Vulkan device")]


@pytest.mark.parametrize(("body", "wrong"), [(ADD, True), (OVERWRITE, False)])
def test_scatter_add_into_an_argument_is_wrong_on_vulkan_only(body: str, wrong: bool) -> None:
    verdict = fuzzir.check(SCATTER.replace("BODY", body), targets=("vulkan", "llvm-cpu"))
    bad = [o for o in verdict.observations if o.kind == "miscompile"]
    assert bool(bad) == wrong, verdict.summary()
    assert all(o.target == "vulkan" and o.known == "vulkan-scatter-accumulate" for o in bad)


CONV = """func.func @main(%x: tensor<1x23x12x2xi32>, %f: tensor<1x1x2x5xi32>INIT_ARG) -> tensor<1x12x12x5xi32> {
  INIT
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
      ins(%x, %f : tensor<1x23x12x2xi32>, tensor<1x1x2x5xi32>)
      outs(%init : tensor<1x12x12x5xi32>) -> tensor<1x12x12x5xi32>
  return %r : tensor<1x12x12x5xi32>
}
"""
FILL = """%z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x12x12x5xi32>
  %init = linalg.fill ins(%z : i32) outs(%e : tensor<1x12x12x5xi32>) -> tensor<1x12x12x5xi32>"""


@pytest.mark.parametrize(("init_arg", "init", "wrong"), [(", %init: tensor<1x12x12x5xi32>", "", True),
                                                          ("", FILL, False)])
def test_a_conv_into_an_argument_is_wrong_on_vulkan_and_into_a_fill_right(init_arg: str, init: str,
                                                                           wrong: bool) -> None:
    """`vulkan-conv-accumulate`: the corpus's conv into a large constant, with an argument instead."""
    verdict = fuzzir.check(CONV.replace("INIT_ARG", init_arg).replace("INIT", init), targets=("vulkan", "llvm-cpu"))
    bad = [o for o in verdict.observations if o.kind == "miscompile"]
    assert bool(bad) == wrong, verdict.summary()
    assert all(o.target == "vulkan" and o.known == "vulkan-conv-accumulate" for o in bad)


@pytest.mark.slow
@pytest.mark.parametrize(("body", "wrong"), [("add", True), ("maximum", False)])
def test_the_stablehlo_seed_21_scatter_add_is_wrong_on_vulkan_and_tagged(body: str, wrong: bool) -> None:
    # `fuzzir gen --frontend stablehlo --seed 21`: XLA sees the wrong values come out of the reduce_window
    # two ops below the scatter-add; with a max combiner the same program is right on Vulkan.
    from fuzzir.generators.stablehlo import generate

    text = generate(21).replace("%r = stablehlo.add %lhs, %rhs : tensor<f32>\n      stablehlo.return %r : tensor<f32>\n"
                                "  }) {scatter", f"%r = stablehlo.{body} %lhs, %rhs : tensor<f32>\n"
                                "      stablehlo.return %r : tensor<f32>\n  }) {scatter")
    verdict = fuzzir.check(text, targets=("vulkan", "llvm-cpu"))
    bad = [o for o in verdict.observations if o.kind == "miscompile"]
    assert bool(bad) == wrong, verdict.summary()
    assert all(o.target == "vulkan" and o.op_name == "stablehlo.reduce_window"
               and o.known == "vulkan-scatter-accumulate" for o in bad)
