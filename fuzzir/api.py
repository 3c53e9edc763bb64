"""The public Python surface: judge a program from your own code or hypothesis tests.

    from hypothesis import given, settings
    import fuzzir

    @settings(max_examples=5, deadline=None)
    @given(fuzzir.programs(families=("reduction",), init_kinds=("nonsplat",), dtypes=("i32",)))
    def test_reductions_into_constants(program):
        fuzzir.assert_clean(program, targets=("llvm-cpu",))

`check` runs every oracle in the cells asked for and returns a `Verdict`;
`assert_clean` raises `FindingsError` (an AssertionError, so pytest and
hypothesis treat it as a test failure and shrink) when there is any defect, a
finding IREE as shipped (`with` the pass) shows. Asked to compile `without` the
pass too, symptoms seen only there are `guarded` (what the pass prevents) or
`latent` findings, which do not fail `assert_clean` (`about="pass"` makes them).
Everything else in fuzzir is internal and may change between versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fuzzir.any_program import SourceError, load_program
from fuzzir.emit import emit
from fuzzir.findings import DEFECT, GUARDED, SHIPPED, VARIANTS, Finding, Observation, group
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.model import Program
from fuzzir.pipeline import DETACH_PASS
from fuzzir.record import CellRecord
from fuzzir.targets import parse_targets


@dataclass(frozen=True)
class Verdict:
    """What fuzzir found in one program: findings grouped by signature, and what each cell did."""

    program: Program | None  # None for a program outside fuzzir's model (checked without it)
    findings: list[Finding]  # defects and latent findings, not what the pass guards
    observations: list[Observation]
    cells: list[CellRecord] = field(default_factory=list)  # target, variant, flags, ran, oracles
    exact: bool = True
    guarded: list[Finding] = field(default_factory=list)  # seen only without the pass, which prevents it
    about: str = SHIPPED

    @property
    def defects(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict(self.about) == DEFECT]

    @property
    def clean(self) -> bool:
        return not self.defects

    def summary(self) -> str:
        if not self.findings:
            return f"clean in {len(self.cells)} cells"
        lines = [f"{len(self.defects)} defect(s) in {len(self.cells)} cells:"]
        for f in self.findings:
            o = f.first
            lines.append(f"  {f.verdict(self.about)} {f.kind} ({', '.join(f.variants)}; {', '.join(f.targets)}) "
                         f"{o.op}: {o.message}")
        return "\n".join(lines)


class FindingsError(AssertionError):
    """`assert_clean` found something; `.verdict` holds the details."""

    def __init__(self, verdict: Verdict, text: str) -> None:
        super().__init__(f"{verdict.summary()}\nprogram:\n{text}")
        self.verdict = verdict


def check(program: Program | str, *, targets: Sequence[str] = ("llvm-cpu",),
          variants: Sequence[str] = ("with",), flags: Sequence[str] = (), seed: int = 0,
          values: str = "exact", pass_name: str = DETACH_PASS, compile_timeout: float = 60.0,
          run_timeout: float = 30.0, about: str = SHIPPED) -> Verdict:
    """Judge `program` (a model or MLIR text) in every (target, variant) cell with `flags`.

    `variants` defaults to the stock compiler (`with`); add `"without"` to also compile
    with the decoupling pass (`pass_name`) removed. Raises ValueError on bad arguments
    or MLIR fuzzir cannot read."""
    text = program if isinstance(program, str) else emit(program)
    source, unmodelled = None, ""
    if isinstance(program, str):  # any program IREE accepts; the model is a bonus
        try:
            loaded = load_program(program, "<input>")
        except SourceError as e:
            raise ValueError(str(e)) from None
        model, source, unmodelled = loaded.program, loaded.source, loaded.unmodelled
    else:
        model = program
    if not set(variants) <= set(VARIANTS) or not variants:
        raise ValueError(f"variants must be among {', '.join(VARIANTS)}")
    settings = Settings(targets=parse_targets(",".join(targets)), flag_sets=(tuple(flags),),
                        variants=tuple(variants), matrix="full", pass_name=pass_name,
                        compile_timeout=compile_timeout, run_timeout=run_timeout, values=values)
    case = judge_program(model, text, seed, settings, cells=plan_cells(settings, 0), source=source,
                         unmodelled=unmodelled)
    found = group(case.observations)
    return Verdict(model, [f for f in found if f.verdict(about) != GUARDED], case.observations, case.checked,
                   case.exact, [f for f in found if f.verdict(about) == GUARDED], about)


def assert_clean(program: Program | str, **kwargs: Any) -> Verdict:
    """`check`, raising FindingsError when anything is found."""
    verdict = check(program, **kwargs)
    if not verdict.clean:
        raise FindingsError(verdict, program if isinstance(program, str) else emit(program))
    return verdict
