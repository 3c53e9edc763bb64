"""`fuzzir check` on any program: read it, model it where the model reaches, say what each oracle did.

Reading never fails for want of a model: the MLIR must parse and have an entry
function (else `SourceError`, exit 2), and the model (`fuzzir.parse`) is a
bonus: a program outside it is judged by the oracles that need no model, and
the reason it is outside is what the model's oracles give for abstaining.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fuzzir.judge import CaseResult
from fuzzir.model import Program
from fuzzir.parse import ParseError, parse_program
from fuzzir.source import DEFAULT_DIM, Source, SourceError, read_source

__all__ = ["Loaded", "SourceError", "cells_json", "load_program", "oracle_summary", "parse_dims"]


@dataclass(frozen=True)
class Loaded:
    source: Source
    program: Program | None
    unmodelled: str  # why `program` is None ("" when it is not)


def parse_dims(specs: list[str]) -> dict[tuple[int, int], int]:
    """`--dim` values: `N` sizes every dynamic dimension, `ARG:DIM=N` one of them (ARG, DIM from 0)."""
    dims: dict[tuple[int, int], int] = {}
    for spec in specs:
        where, _, size = spec.rpartition("=")
        try:
            n = int(size)
            if where:
                arg, _, dim = where.partition(":")
                key = (int(arg), int(dim))
            else:
                key = (-1, -1)
        except ValueError:
            raise ValueError(f"bad --dim {spec!r}: use N or ARG:DIM=N (e.g. --dim 8 or --dim 0:1=16)") from None
        if n < 0 or min(key) < -1:
            raise ValueError(f"bad --dim {spec!r}: sizes and positions are not negative")
        dims[key] = n
    return dims


def load_program(text: str, filename: str, *, function: str | None = None,
                 dims: dict[tuple[int, int], int] | None = None) -> Loaded:
    """The program read with the bindings, and its model when it has one; `SourceError` if unreadable."""
    source = read_source(text, filename=filename, function=function, dims=dims, default_dim=DEFAULT_DIM)
    if source.function != "main":
        return Loaded(source, None, f"fuzzir's model covers only @main (the entry is @{source.function})")
    try:
        program = parse_program(text, filename=filename, dims=dims)
    except ParseError as e:
        return Loaded(source, None, f"fuzzir's model does not cover it: {e}")
    return Loaded(source, program, "")


def cells_json(case: CaseResult) -> list[dict]:
    """Per cell: target, variant, flags, whether it ran, and what each oracle did (judged / abstained: why)."""
    return [c.to_json() for c in case.checked]


def oracle_summary(case: CaseResult) -> str:
    """One line: each oracle, in how many cells it judged, and its most common reason to abstain."""
    judged: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = {}
    for c in case.checked:
        for name, what in (c.oracles or {}).items():
            if what == "judged":
                judged[name] += 1
            else:
                reasons.setdefault(name, Counter())[what.removeprefix("abstained: ")] += 1
    parts = []
    for name in sorted(set(judged) | set(reasons)):
        n = judged[name]
        part = f"{name} judged {n}/{len(case.checked)}"
        if name in reasons:
            why, _ = reasons[name].most_common(1)[0]
            part += f" (abstained: {why})" if not n else f" (else abstained: {why})"
        parts.append(part)
    return "oracles: " + ("; ".join(parts) if parts else "none ran (nothing compiled)")
