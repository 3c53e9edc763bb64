"""A program outside the model gets the cause keys its linalg form gets.

A StableHLO op has no destination; the constant it writes becomes one only when IREE lowers
it. `fuzzir.frontend_facts.refine` reads that from the input-phase IR, so a StableHLO scatter
into a constant and the `iree_linalg_ext.scatter` it becomes are one cause (the minimizer
reduces a StableHLO finding through its lowered form and relies on it). A user's op names are
classified as the pass's matcher classifies them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzir.any_program import load_program
from fuzzir.findings import group
from fuzzir.frontend_facts import refine
from fuzzir.judge import Settings, judge_program
from fuzzir.oracles.lowering import lower, lower_frontend
from fuzzir.pass_matcher import pass_matcher
from fuzzir.targets import TARGETS, Cell

INPUTS = Path(__file__).parent / "data" / "inputs"


@pytest.mark.parametrize(("op", "constant", "expected"), [
    ("linalg.matmul", "nonsplat", "detach"), ("linalg.batch_matmul_transpose_b", "nonsplat", "detach"),
    ("linalg.conv_2d_nhwc_fhwc", "nonsplat", "detach"), ("linalg.pooling_nchw_max", "nonsplat", "detach"),
    ("linalg.reduce", "nonsplat", "no-interface"), ("linalg.generic", "nonsplat", "no-interface"),
    ("tensor.insert_slice", "splat", "not-linalg"), ("iree_linalg_ext.scatter", "splat", "splat-fill"),
    ("linalg.matmul", "global", "no-lookthrough"),
])
def test_a_users_op_names_are_classified_as_the_pass_matches_them(op: str, constant: str, expected: str) -> None:
    assert pass_matcher(op, constant) == expected


def test_a_frontend_op_takes_the_facts_of_the_op_it_becomes() -> None:
    text = (INPUTS / "stablehlo_defect.mlir").read_text()
    source = load_program(text, "s.mlir").source
    (scatter,) = [op for op in source.ops_at.values() if op.name == "stablehlo.scatter"]
    assert scatter.init_kind == "none" and scatter.family == "stablehlo.scatter"
    refined = refine(source, lower(text, "s.mlir").text)
    (scatter,) = [op for op in refined.ops_at.values() if op.name == "stablehlo.scatter"]
    assert (scatter.family, scatter.init_kind, scatter.dtype) == ("iree_linalg_ext.scatter", "large", "i32")
    assert refined.producers[0].family == "iree_linalg_ext.scatter" and refined.producers[0].init_kind == "large"
    plain = load_program((INPUTS / "reduce_defect.mlir").read_text(), "r.mlir").source
    assert refine(plain, "module {}") is plain  # no frontend op: nothing to refine


@pytest.mark.parametrize("form", ["stablehlo", "tosa"])
def test_a_frontend_program_and_its_input_phase_ir_show_one_cause(form: str) -> None:
    target = "llvm-cpu" if form == "stablehlo" else "vmvx"
    cell = Cell(TARGETS[target], "with", ())
    settings = Settings(targets=(cell.target,), variants=("with",))
    text = (INPUTS / f"{form}_defect.mlir").read_text()
    keys = []
    for program in (text, lower_frontend(text, f"{form}.mlir").text):
        loaded = load_program(program, f"{form}.mlir")
        case = judge_program(None, program, 0, settings, cells=[cell], source=loaded.source,
                             unmodelled=loaded.unmodelled)
        keys.append({f.key for f in group(case.observations)})
    assert keys[0] == keys[1] and all(k.startswith("written-constant|") for k in keys[0]), keys
