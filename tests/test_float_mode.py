"""General-float mode: the derived tolerance must not call a correct IREE result wrong.

Programs drawn with uniform floats in [-1, 1] are compiled and run on llvm-cpu; any
miscompile reported here is either a real IREE bug (then it must be a known one) or a
tolerance that is too tight, which is the false positive this test exists to catch.
"""

from __future__ import annotations

import pytest

from fuzzir.emit import emit
from fuzzir.generators.programs import generate
from fuzzir.judge import Settings, judge_program
from fuzzir.targets import parse_targets

KINDS = ("elementwise", "reduction", "matmul", "batch_matmul", "matvec", "contraction_generic", "conv")


@pytest.mark.parametrize("seed", range(8))
def test_float_programs_are_judged_without_false_positives(seed: int) -> None:
    program = generate(seed, dtypes=("f32", "f16"), op_kinds=KINDS, values="float", max_ops=3)
    settings = Settings(targets=parse_targets("llvm-cpu"), flag_sets=((),), values="float")
    case = judge_program(program, emit(program), seed, settings)
    assert not case.expectation.exact  # float inputs are never called exact
    wrong = [o for o in case.observations if o.kind == "miscompile" and not o.known]
    assert not wrong, [o.message for o in wrong]
