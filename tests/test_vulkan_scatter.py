"""Known-issue filter `vulkan-scatter-accumulate`: Vulkan's scatter-add is wrong whatever it writes into.

The filter's docstring says how the cause was established; this holds it on the real compiler
and the lavapipe device: a scatter-add into a plain function argument (no constant anywhere in
`outs`) is wrong on Vulkan and right on llvm-cpu, and the overwrite form is right on both.
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
