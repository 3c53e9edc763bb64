"""The public Python surface: judge a program from your own code or hypothesis tests.

    from hypothesis import given, settings
    import fuzzir

    @settings(max_examples=5, deadline=None)
    @given(fuzzir.programs(families=("reduction",), init_kinds=("nonsplat",), dtypes=("i32",)))
    def test_reductions_into_constants(program):
        fuzzir.assert_clean(program, targets=("llvm-cpu",))

`check` runs every oracle in the cells asked for and returns a `Verdict`;
`assert_clean` raises `FindingsError` (an AssertionError, so pytest and
hypothesis treat it as a test failure and shrink) when there is any finding.
Everything else in fuzzir is internal and may change between versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fuzzir.emit import emit
from fuzzir.findings import VARIANTS, Finding, Observation, group
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.model import Program
from fuzzir.parse import parse_program
from fuzzir.pipeline import DETACH_PASS
from fuzzir.record import CellRecord
from fuzzir.targets import parse_targets


@dataclass(frozen=True)
class Verdict:
    """What fuzzir found in one program: findings grouped by signature, and what each cell did."""

    program: Program
    findings: list[Finding]
    observations: list[Observation]
    cells: list[CellRecord] = field(default_factory=list)  # target, variant, flags, ran, oracles
    exact: bool = True

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        if self.clean:
            return f"clean in {len(self.cells)} cells"
        lines = [f"{len(self.findings)} finding(s) in {len(self.cells)} cells:"]
        for f in self.findings:
            o = f.first
            lines.append(f"  {f.kind} ({', '.join(f.variants)}; {', '.join(f.targets)}) {o.op}: {o.message}")
        return "\n".join(lines)


class FindingsError(AssertionError):
    """`assert_clean` found something; `.verdict` holds the details."""

    def __init__(self, verdict: Verdict, text: str) -> None:
        super().__init__(f"{verdict.summary()}\nprogram:\n{text}")
        self.verdict = verdict


def check(program: Program | str, *, targets: Sequence[str] = ("llvm-cpu",),
          variants: Sequence[str] = ("with",), flags: Sequence[str] = (), seed: int = 0,
          values: str = "exact", pass_name: str = DETACH_PASS, compile_timeout: float = 60.0,
          run_timeout: float = 30.0) -> Verdict:
    """Judge `program` (a model or MLIR text) in every (target, variant) cell with `flags`.

    `variants` defaults to the stock compiler (`with`); add `"without"` to also compile
    with the decoupling pass (`pass_name`) removed. Raises ValueError on bad arguments
    or MLIR fuzzir cannot read."""
    text = program if isinstance(program, str) else emit(program)
    model = parse_program(program) if isinstance(program, str) else program
    if not set(variants) <= set(VARIANTS) or not variants:
        raise ValueError(f"variants must be among {', '.join(VARIANTS)}")
    settings = Settings(targets=parse_targets(",".join(targets)), flag_sets=(tuple(flags),),
                        variants=tuple(variants), matrix="full", pass_name=pass_name,
                        compile_timeout=compile_timeout, run_timeout=run_timeout, values=values)
    case = judge_program(model, text, seed, settings, cells=plan_cells(settings, 0))
    return Verdict(model, group(case.observations), case.observations, case.checked, case.expectation.exact)


def assert_clean(program: Program | str, **kwargs: Any) -> Verdict:
    """`check`, raising FindingsError when anything is found."""
    verdict = check(program, **kwargs)
    if not verdict.clean:
        raise FindingsError(verdict, program if isinstance(program, str) else emit(program))
    return verdict
