"""Known-issue filters on programs outside fuzzir's model (a `Source`, refined by the input-phase IR).

The two Vulkan miscompiles the frontend references found (`tests/test_vulkan_accumulate.py` runs them
on the device) were triaged by experiment to known causes; the filters must recognise them by the
same rule as in the model: an int8 program on the default Vulkan target, and a miscompile downstream
of a scatter that accumulates with a non-idempotent combiner. Here: the rule, on the real programs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzir import filters
from fuzzir.any_program import load_program
from fuzzir.findings import Observation
from fuzzir.frontend_facts import refine
from fuzzir.generators.stablehlo import generate
from fuzzir.oracles.lowering import lower

SCATTER_ADD = ("      %r = stablehlo.add %lhs, %rhs : tensor<f32>\n      stablehlo.return %r : tensor<f32>\n"
               "  }) {scatter")


def tag(text: str, name: str, op: str, target: str = "vulkan") -> str:
    loaded = load_program(text, name)
    assert loaded.program is None  # outside the model: the filter sees the Source
    source = refine(loaded.source, lower(text, name).text)
    seen = Observation("miscompile", "with", target, (), "run", "result 0 differs", op_name=op)
    return filters.tag(source, [seen])[0].known


def test_the_stablehlo_seed_21_miscompile_is_the_scatter_accumulate_cause() -> None:
    text = generate(21)  # `fuzzir gen --frontend stablehlo --seed 21`: a scatter-add, then a reduce_window
    assert SCATTER_ADD in text
    assert tag(text, "s21.mlir", "stablehlo.reduce_window") == "vulkan-scatter-accumulate"
    assert tag(text, "s21.mlir", "stablehlo.reduce_window", target="llvm-cpu") == ""


@pytest.mark.parametrize("body", ["      stablehlo.return %rhs : tensor<f32>\n  }) {scatter",
                                  "      %r = stablehlo.maximum %lhs, %rhs : tensor<f32>\n"
                                  "      stablehlo.return %r : tensor<f32>\n  }) {scatter"])
def test_an_overwriting_or_idempotent_scatter_upstream_is_not_that_cause(body: str) -> None:
    # Both are right on Vulkan (the filter's docstring): a miscompile there must stay a finding of its own.
    assert tag(generate(21).replace(SCATTER_ADD, body), "s21.mlir", "stablehlo.reduce_window") == ""


def test_the_tosa_int8_conv_on_vulkan_is_the_baseline_i8_emulation() -> None:
    path = Path(__file__).parent / "data" / "tosa" / "conv2d_i8_vulkan.mlir"
    assert tag(path.read_text(), path.name, "tosa.conv2d") == "vulkan-baseline-i8-emulation"
    assert tag(path.read_text(), path.name, "tosa.conv2d", target="llvm-cpu") == ""
