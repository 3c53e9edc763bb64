"""What the IR checks report: one written constant per (kind, op, constant).

Kept apart from the checks so the judge and tests can import the result types
without the MLIR walking code's dependencies on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

READWRITE_CONSTANT = "readwrite-constant"
CONSTANT_COPY = "constant-copy"
#: Not a verdict: a copy of a constant the program's semantics require (its writer overwrites only
#: part of it and reads none of it), kept as an informational note.
REQUIRED_COPY = "required-copy"


@dataclass(frozen=True)
class IRViolation:
    """One constant that a compiled program writes (or copies in order to write)."""

    kind: str  # "readwrite-constant" or "constant-copy" (a verdict), "required-copy" (a note)
    op: str  # source op's name loc, else dispatch entry point
    constant: str  # constant's name loc, else global symbol, else its type
    phase: str  # "stream" for verdicts and notes; "flow" for the flow-level explanations
    message: str  # one line
    where: str = ""  # file:line:col of the dispatch (the source op, for programs fuzzir did not write)
    constant_files: tuple[str, ...] = ()  # the constant's file:line:col locations, callee first
    constant_symbol: str = ""  # the global holding the constant, if any
