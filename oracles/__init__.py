"""Oracles: each judges one compiled cell, or abstains and says why.

An oracle gets the evidence of one cell (the program when fuzzir models it, the
MLIR source read without a model, the compile result with its phase IR, the run
result when the target ran, and the numpy expectation or the established
exactness of each output) and returns observations (an empty list means it
judged the cell clean) or an `Abstain` with a one-line reason. The judge
(`fuzzir.judge`) asks every registered oracle about every cell and records who
judged and who abstained.

Two scopes, one registry: a *cell* oracle has `judge(evidence)`; a *case*
oracle, which compares cells (differential testing), has
`judge_case(evidences)` and answers once per cell after the program's last
cell. Adding an oracle is adding a module to this package that calls `register`
with an object that has a `name` and one of those methods: modules are
discovered at import time, so no list elsewhere needs editing (copy
`written_constants.py`, or `differential.py` for a case oracle).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from fuzzir.compiler import CompileResult
from fuzzir.findings import Observation
from fuzzir.model import Program
from fuzzir.oracles.reference import Expectation
from fuzzir.oracles.value_facts import Facts
from fuzzir.pipeline import DETACH_PASS
from fuzzir.runner import RunResult
from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB
from fuzzir.source import Source
from fuzzir.targets import Cell


@dataclass(frozen=True)
class Limits:
    """What an oracle that compiles and runs more must respect: the judge's timeouts and removed pass."""

    compile_timeout: float = 60.0
    run_timeout: float = 30.0
    pass_name: str = DETACH_PASS
    rss_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB


@dataclass(frozen=True)
class Evidence:
    """What one cell produced; `program` and `expectation` are None when fuzzir cannot model it."""

    cell: Cell
    compiled: CompileResult
    program: Program | None = None
    inputs: list[np.ndarray] | None = None
    expectation: Expectation | None = None
    run: RunResult | None = None  # None when the target has no device here or nothing was compiled
    source: Source | None = None  # the program read without a model (always set for `fuzzir check`)
    facts: Facts | None = None  # without a model: which outputs are exact, whether inputs are valid
    unmodelled: str = ""  # why fuzzir's model does not cover the program
    lowered: str = ""  # the program's input-phase IR (linalg level), when it was made
    work: str = ""  # the cell's work directory: an oracle may compile and run more below it
    limits: Limits = Limits()


@dataclass(frozen=True)
class Abstain:
    """An oracle's refusal to judge, with the reason a person reads."""

    reason: str


@dataclass(frozen=True)
class Judged:
    """A judgement with notes: facts a person should read that are no finding (a copy of a constant the
    program's semantics require, say). Returning a plain list is the same judgement without notes."""

    observations: list[Observation]
    notes: tuple[str, ...] = ()


Verdict = list[Observation] | Judged | Abstain


class Oracle(Protocol):
    """A cell oracle (`judge`) or a case oracle (`judge_case`, one verdict per cell, in order)."""

    name: str

    def judge(self, evidence: Evidence) -> Verdict: ...


class CaseOracle(Protocol):
    name: str

    def judge_case(self, evidences: list[Evidence]) -> list[Verdict]: ...


ORACLES: dict[str, Oracle | CaseOracle] = {}


def register(oracle: Oracle | CaseOracle) -> Oracle | CaseOracle:
    if oracle.name in ORACLES:
        raise ValueError(f"two oracles named {oracle.name!r}")
    ORACLES[oracle.name] = oracle
    return oracle


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_discover()
