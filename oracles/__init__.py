"""Oracles: each judges one compiled cell, or abstains and says why.

An oracle gets the evidence of one cell (the program when fuzzir models it, the
compile result with its phase IR, the run result when the target ran, and the
numpy expectation when there is one) and returns observations (an empty list
means it judged the cell clean) or an `Abstain` with a one-line reason. The
judge (`fuzzir.judge`) asks every registered oracle about every cell and
records who judged and who abstained.

Adding an oracle is adding a module to this package that calls `register`
with an object that has a `name` and a `judge` method: modules are discovered
at import time, so no list elsewhere needs editing (copy `written_constants.py`).
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
from fuzzir.runner import RunResult
from fuzzir.targets import Cell


@dataclass(frozen=True)
class Evidence:
    """What one cell produced; `program` and `expectation` are None when fuzzir cannot model it."""

    cell: Cell
    compiled: CompileResult
    program: Program | None = None
    inputs: list[np.ndarray] | None = None
    expectation: Expectation | None = None
    run: RunResult | None = None  # None when the target has no device here or nothing was compiled


@dataclass(frozen=True)
class Abstain:
    """An oracle's refusal to judge, with the reason a person reads."""

    reason: str


class Oracle(Protocol):
    name: str

    def judge(self, evidence: Evidence) -> list[Observation] | Abstain: ...


ORACLES: dict[str, Oracle] = {}


def register(oracle: Oracle) -> Oracle:
    if oracle.name in ORACLES:
        raise ValueError(f"two oracles named {oracle.name!r}")
    ORACLES[oracle.name] = oracle
    return oracle


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_discover()
