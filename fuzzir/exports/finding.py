"""A finding as the exports see it: the stored record, program and values, validated once.

Findings are read only through `fuzzir.store.read_entry`, so the exports agree
with replay and minimize on what a meta.json means; every problem becomes a
one-line ExportError naming the directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fuzzir import names
from fuzzir.dtypes import numpy_dtype
from fuzzir.entry_check import entry_problem
from fuzzir.findings import Observation
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.store import StoreError, read_entry
from fuzzir.targets import TARGETS, Target

_TENSOR = re.compile(r"tensor<([^<>]*)>")


class ExportError(ValueError):
    """A finding that cannot be exported: one line, naming the directory (`fuzzir.exports` re-exports it)."""


@dataclass
class FindingData:
    """Everything an export reads from a finding directory."""

    path: Path
    record: FindingRecord
    program: str
    inputs: list[np.ndarray]
    expected: list[np.ndarray]
    target: Target

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def cell(self) -> CellRecord:
        return self.record.repro_cell

    @property
    def variant(self) -> str:
        return self.cell.variant

    @property
    def function(self) -> str:
        """The entry function the recorded run called (`main` for fuzzir's programs and older records)."""
        for argv in self.record.commands:
            for a in argv:
                if a.startswith("--function="):
                    return a.split("=", 1)[1]
        return "main"

    @property
    def flags(self) -> list[str]:
        return list(self.cell.flags)

    @property
    def exact(self) -> bool:
        return self.record.exact

    @property
    def removed_pass(self) -> str:
        return self.record.removed_pass

    def observation(self) -> Observation | None:
        """The observation of the repro cell (else the first one), if any is stored."""
        obs = self.record.observations
        cell = self.cell.key()
        return next((o for o in obs if (o.target, o.variant, o.flags) == cell), obs[0] if obs else None)

    def op_index_and_name(self) -> tuple[int | None, str]:
        """The op the reproducer's observation concerns: (index in the program, MLIR name)."""
        o = self.observation()
        if o is not None:
            return o.op_index, o.op_name
        parsed = names.parse_op_loc(self.record.op)
        return (parsed.index, parsed.name) if parsed else (None, "")

    @property
    def stage(self) -> str:
        o = self.observation()
        return o.stage if o is not None else "compile"


def load_finding(path: Path) -> FindingData:
    """Read and validate a finding directory; every failure is an ExportError."""
    if not path.is_dir():
        raise ExportError(f"no such finding directory: {path}")
    try:
        entry = read_entry(path)
    except StoreError as e:
        raise ExportError(str(e)) from None
    try:
        program, inputs, expected = entry.program(), entry.inputs(), entry.expected()
    except StoreError as e:
        raise ExportError(f"{path}: cannot read the finding: {str(e).removeprefix(f'{path}: ')}") from None
    problem = entry_problem(path)  # a corrupt entry exports no test that would pass for the finding
    if problem:
        raise ExportError(f"{path}: {problem}")
    record = entry.record
    target = TARGETS.get(record.repro_cell.target)
    if target is None:
        raise ExportError(f"{path}: meta.json repro_cell names target {record.repro_cell.target!r}; "
                          f"known targets: {', '.join(TARGETS)}")
    arg_types, result_types = signature_types(program)
    return FindingData(path, record, program, _typed(inputs, arg_types), _typed(expected, result_types), target)


def header(f: FindingData, prefix: str) -> list[str]:
    """Comment lines naming the finding, the cell and what was seen (lit and check tests)."""
    r = f.record
    off = "removed (compiled in three steps)" if f.variant == "without" else "on (stock compiler)"
    flags = " ".join(f.flags) or "(none)"
    seen = r.message.splitlines()[0] if r.message.strip() else "?"
    return [
        f"{prefix} fuzzir finding {r.signature}: {f.kind} on {f.target.name}, IREE {r.iree_version or '?'}.",
        f"{prefix} Decoupling pass {off}; extra flags: {flags}.",
        f"{prefix} Seen: {seen}",
    ]


# ---------------------------------------------------------------- types of @main


def _split_type(body: str) -> tuple[list[int], str]:
    """'4x32xi32' -> ([4, 32], 'i32'); 'f32' -> ([], 'f32')."""
    parts = body.split("x")
    return [int(p) for p in parts[:-1] if p.isdigit()], parts[-1]


def signature_types(program: str) -> tuple[list[str], list[str]]:
    """Argument and result tensor types of @main, read from its signature (best effort)."""
    m = re.search(r"func\.func\s+(?:public\s+)?@main\s*\(", program)
    if not m:
        return [], []
    depth, i = 1, m.end()
    while i < len(program) and depth:
        depth += {"(": 1, ")": -1}.get(program[i], 0)
        i += 1
    args = program[m.end():i - 1]
    rest = program[i:]
    brace = rest.find("{")
    results = rest[:brace if brace >= 0 else len(rest)].split("attributes", 1)[0]
    return _TENSOR.findall(args), _TENSOR.findall(results)


def _typed(arrays: list[np.ndarray], types: list[str]) -> list[np.ndarray]:
    """Give raw 2-byte arrays (how bf16 survives .npy) their bf16 dtype when the signature says so."""
    out = []
    for i, a in enumerate(arrays):
        if i < len(types) and _split_type(types[i])[1] == "bf16" and a.dtype.kind == "V" and a.itemsize == 2:
            a = a.view(numpy_dtype("bf16"))
        out.append(a)
    return out
