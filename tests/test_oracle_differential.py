"""The differential oracle: cells that ran must agree where values are exact; majority among targets.

The voting rules are checked on made-up runs (one per cell); the end-to-end test finds a
real backend bug on a program outside the model: IREE 3.13's default Vulkan target drops the
last, partial 32-bit word of an i8 tensor (the `vulkan-baseline-i8-emulation` known issue).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fuzzir.cli import main
from fuzzir.compiler import CompileResult
from fuzzir.oracles import Abstain, Evidence
from fuzzir.oracles.differential import Differential
from fuzzir.oracles.value_facts import Facts
from fuzzir.runner import RunResult
from fuzzir.targets import TARGETS, Cell, device_available

EXACT = Facts(why=("",))
INEXACT = Facts(why=("math.exp rounds its result",))


def cell(target: str, variant: str, out: list[float] | None, facts: Facts = EXACT) -> Evidence:
    c = Cell(TARGETS[target], variant, ())
    run = None if out is None else RunResult("ok", outputs=[np.asarray(out, np.float32)])
    return Evidence(c, CompileResult(variant, target, (), "ok", "m.vmfb"), run=run, facts=facts, inputs=[])


def verdicts(*cells: Evidence) -> list:
    return Differential().judge_case(list(cells))


def test_the_odd_target_out_is_reported() -> None:
    v = verdicts(cell("llvm-cpu", "with", [1, 2]), cell("vmvx", "with", [1, 2]), cell("vulkan", "with", [1, 3]))
    assert v[0] == [] and v[1] == []
    (o,) = v[2]
    assert (o.kind, o.target, o.variant) == ("miscompile", "vulkan", "with")
    assert "llvm-cpu/with, vmvx/with" in o.message and "exact compare" in o.message


def test_minus_zero_and_nan_agree_with_zero_and_nan() -> None:
    v = verdicts(cell("llvm-cpu", "with", [0.0, np.nan]), cell("vmvx", "with", [-0.0, np.nan]))
    assert v == [[], []]


def test_a_tie_between_targets_abstains() -> None:
    v = verdicts(cell("llvm-cpu", "with", [1]), cell("vmvx", "with", [2]))
    assert all(isinstance(x, Abstain) and "no majority" in x.reason for x in v)


def test_with_against_without_abstains_even_when_outvoted() -> None:
    # A bug of the pass shows on every target with it: 'with' outvotes a right 'without'.
    v = verdicts(cell("llvm-cpu", "with", [7]), cell("vmvx", "with", [7]), cell("vulkan", "with", [7]),
                 cell("llvm-cpu", "without", [6]), cell("vmvx", "without", [6]))
    assert all(isinstance(x, Abstain) and "the pass changes the values" in x.reason for x in v[:2] + v[3:])
    assert v[2] == []  # vulkan/without did not run: nothing contradicts vulkan/with


def test_inexact_outputs_and_single_cells_abstain() -> None:
    v = verdicts(cell("llvm-cpu", "with", [1], INEXACT), cell("vmvx", "with", [2], INEXACT))
    assert all(isinstance(x, Abstain) and "math.exp" in x.reason for x in v)
    (only,) = verdicts(cell("llvm-cpu", "with", [1]))
    assert isinstance(only, Abstain) and "no other cell" in only.reason
    v = verdicts(cell("llvm-cpu", "with", [1]), cell("vulkan", "with", None))
    assert isinstance(v[1], Abstain) and "not run" in v[1].reason


# The expand_shape keeps the program outside fuzzir's model: only the differential can judge it.
I8_PRODUCT = """func.func @main(%a: tensor<5xi8>, %b: tensor<5xi8>) -> (tensor<5xi8>, tensor<1x5xi8>) {
  %e = tensor.empty() : tensor<5xi8>
  %r = linalg.map { arith.muli } ins(%a, %b : tensor<5xi8>, tensor<5xi8>) outs(%e : tensor<5xi8>)
  %x = tensor.expand_shape %a [[0, 1]] output_shape [1, 5] : tensor<5xi8> into tensor<1x5xi8>
  return %r, %x : tensor<5xi8>, tensor<1x5xi8>
}
"""


@pytest.mark.vulkan
@pytest.mark.skipif(not device_available(TARGETS["vulkan"]), reason="needs a Vulkan device (lavapipe is enough)")
def test_a_vulkan_i8_bug_is_found_on_a_program_outside_the_model(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "i8.mlir"
    path.write_text(I8_PRODUCT)
    code = main(["check", str(path), "--targets", "llvm-cpu,vmvx,vulkan", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {(f["kind"], f["target"]) for f in report["findings"]} == {("miscompile", "vulkan")}
    # Found by the differential where the model does not reach, by the numpy reference where it now does.
    assert all("differs from the 2 cells that agree" in f["message"] or "exact compare" in f["message"]
               for f in report["findings"])
