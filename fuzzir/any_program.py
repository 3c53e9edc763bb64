"""`fuzzir check` on any program: read it, model it where the model reaches, say what each oracle did.

Reading never fails for want of a model: the MLIR must parse and have an entry
function (else `SourceError`, exit 2), and the model (`fuzzir.parse`) is a
bonus: a program outside it is judged by the oracles that need no model, and
the reason it is outside is what the model's oracles give for abstaining.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from fuzzir.frontend_facts import FRONTEND_DIALECTS
from fuzzir.judge import CaseResult
from fuzzir.mlir_walk import plain_program
from fuzzir.model import Program, TensorType
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


def _check_dims(source: Source, dims: dict[tuple[int, int], int]) -> None:
    """A `--dim ARG:DIM=N` naming no argument or dimension of the entry function is the user's mistake:
    ignoring it would check the program with other sizes than asked for."""
    for arg, dim in sorted(dims):
        if (arg, dim) == (-1, -1):
            continue
        if arg >= len(source.args):
            raise ValueError(f"bad --dim {arg}:{dim}: @{source.function} has {len(source.args)} argument(s) "
                             f"(ARG counts from 0)")
        rank = len(source.args[arg].shape)
        if dim >= rank:
            raise ValueError(f"bad --dim {arg}:{dim}: argument {arg} of @{source.function} has rank {rank} "
                             f"(DIM counts from 0)")


def load_program(text: str, filename: str, *, function: str | None = None,
                 dims: dict[tuple[int, int], int] | None = None) -> Loaded:
    """The program read with the bindings, and its model when it has one; `SourceError` if unreadable.

    The model is of the program as written where it parses so; else of its plain form
    (`mlir_walk.plain_program`: private calls inlined, `util.unfoldable_constant` as the constant it
    holds, barriers gone, the entry whatever its name), and for StableHLO/TOSA of that form at IREE's
    input phase. Those forms compute what the program computes, so the numpy reference judges the
    program as written, which is what every cell compiles."""
    source = read_source(text, filename=filename, function=function, dims=dims, default_dim=DEFAULT_DIM)
    _check_dims(source, dims or {})
    first = ""
    if source.function == "main":
        try:
            program: Program | None = parse_program(text, filename=filename, dims=dims)
        except ParseError as e:
            first = str(e)
        else:
            return _sized(source, program)
    program, why = _plain_model(text, filename, source, dims)
    if program is not None:
        return _sized(source, program)
    return Loaded(source, None, f"fuzzir's model does not cover it: {first or why}")


#: The most points of one op's iteration space the numpy reference evaluates: it holds the whole
#: space as float64 arrays (a 3456x1024x2048 matmul from IREE's tests would need 54 GiB).
MAX_REFERENCE_POINTS = 1 << 22


#: The most reduction points the numpy reference folds one by one in one op (Python loops over them:
#: IREE's argmax test reduces 131072 points so, half a minute per evaluation).
MAX_SEQUENTIAL_POINTS = 1 << 14


def _sized(source: Source, program: Program) -> Loaded:
    """`program` as the model, unless the reference could not evaluate it in memory, or in time."""
    from fuzzir.oracles.reference import sequential_points

    for k, op in enumerate(program.ops):
        folds = sequential_points(op)
        if folds > MAX_SEQUENTIAL_POINTS:
            return Loaded(source, None, f"fuzzir's model does not cover it: op {k} ({op.name}) folds {folds} "
                                        f"reduction points one by one, over the {MAX_SEQUENTIAL_POINTS} the numpy "
                                        "reference evaluates")
        shapes = [getattr(op, "bounds", ())] + [t.shape for t in op.result_types]
        points = max(int(np.prod(s, dtype=np.int64)) for s in shapes)
        if points > MAX_REFERENCE_POINTS:
            return Loaded(source, None, f"fuzzir's model does not cover it: op {k} ({op.name}) spans {points} "
                                        f"points, over the {MAX_REFERENCE_POINTS} the numpy reference evaluates")
    return Loaded(source, program, "")


def _plain_model(text: str, filename: str, source: Source,
                 dims: dict[tuple[int, int], int] | None) -> tuple[Program | None, str]:
    """The model of the program's plain form (at the input phase for a frontend program), or why none."""
    from fuzzir.oracles.lowering import lower

    if any(name.partition(".")[0] in FRONTEND_DIALECTS for name in source.op_names):
        lowered = lower(text, filename)
        if lowered.problem:
            return None, lowered.problem
        text = lowered.text
    plain, why = plain_program(text, source.function)
    if why:
        return None, why
    try:
        program = parse_program(plain, filename=filename, dims=dims)
    except ParseError as e:
        return None, str(e)
    mismatch = _signature_mismatch(program, source)
    return (None, mismatch) if mismatch else (program, "")


def _signature_mismatch(program: Program, source: Source) -> str:
    """Why the model's signature is not the entry's as fuzzir passes and reads it ("" when it is)."""
    got = [(t.shape, t.dtype) for t in program.args]
    want = [(a.shape, a.dtype) for a in source.args]
    if got != want or any(a.scalar for a in source.args):
        return "the plain form's arguments are not the entry's"
    if len(program.result_types()) != len(source.results) or any(
            _as_written(t, r.type) != r.type for t, r in zip(program.result_types(), source.results, strict=True)):
        return "the plain form's results are not the entry's"
    return ""


def _as_written(t: TensorType, written: str) -> str:
    """`t` with `?` where the entry's result type `written` has a dynamic dim (`tensor<?x3xf32>`): a
    result whose size only the computation fixes (a topk of a dynamic k) has its static size in the model."""
    if not written.startswith("tensor<"):
        return t.mlir()
    dims = written[len("tensor<"):-1].split("x")[:len(t.shape)]
    return t.mlir(tuple(d for d, text in enumerate(dims) if text == "?"))


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
