"""From a judged case to stored findings: one record, one reproducer, one save per finding."""

from __future__ import annotations

from pathlib import Path

from fuzzir import __version__, commands, repro
from fuzzir.findings import Finding, group
from fuzzir.judge import CaseResult
from fuzzir.model import Program
from fuzzir.pipeline import iree_compiler_version
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.store import DirectoryStore, NewFinding
from fuzzir.targets import TARGETS


def new_record(finding: Finding, case: CaseResult, program: Program, *, seed: int | None,
               elapsed: float | None, commands: list[list[str]], source: str) -> FindingRecord:
    """The record of `finding`, seen while judging `case` (whose program is `program`)."""
    o = finding.repro_observation()
    return FindingRecord(
        kind=finding.kind, signature=finding.signature, signature_key=finding.key,
        repro_cell=CellRecord(o.target, o.variant, o.flags), status="open", message=o.message,
        variants=finding.variants, targets=finding.targets, flags=finding.flag_sets, op=o.op,
        ops=[op.name for op in program.ops], families=sorted({op.family for op in program.ops}),
        init_kinds=[str(program.init_kind(op)) for op in program.ops], element_types=program.dtypes(),
        exact=case.expectation.exact, iree_version=iree_compiler_version(), fuzzir_version=__version__,
        seed=seed, source=source, found_after_seconds=None if elapsed is None else round(elapsed, 2),
        size_ops=len(program.ops), size_elements=program.num_elements(), hits=1,
        observations=list(finding.observations),
        checked_cells=list(case.checked),
        removed_pass=case.pass_name, commands=commands,
    )


def finding_files(finding: Finding, case: CaseResult, program: Program, *, seed: int | None,
                  elapsed: float | None, source: str, iree_version: str | None = None) -> NewFinding:
    """Record, program, inputs, expected outputs and repro.sh of one finding of `case`.

    repro.sh and `record.commands` show the compile argv the judge ran in the reproducer
    cell (`case.commands`), not a rebuilt copy that could differ; only a case judged
    without recording them (none of fuzzir's) gets the chain from the same builder.
    """
    o = finding.repro_observation()
    compiles = case.commands.get((o.target, o.variant, tuple(o.flags)))
    if compiles is None:
        compiles = commands.compile_steps(TARGETS[o.target], o.variant, o.flags, pass_name=case.pass_name)
    script, argvs = repro.build(
        finding, compiles=compiles, inputs=case.inputs, expected=case.expectation.outputs,
        exact=case.expectation.exact, tolerances=case.expectation.tolerances,
        iree_version=iree_version or iree_compiler_version())
    record = new_record(finding, case, program, seed=seed, elapsed=elapsed, commands=argvs, source=source)
    return NewFinding(record, case.text, case.inputs, case.expectation.outputs, script)


def store_case(out: Path, case: CaseResult, *, seed: int | None, elapsed: float | None,
               source: str) -> list[tuple[Finding, Path, str]]:
    """Write each finding of a judged case; returns (finding, directory, outcome) per finding."""
    store = DirectoryStore(out)
    stored = []
    for finding in group(case.observations):
        path, outcome = store.save(finding_files(finding, case, case.program, seed=seed, elapsed=elapsed,
                                                 source=source))
        stored.append((finding, path, outcome))
    return stored
