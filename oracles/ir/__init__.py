"""IR checks: constants used as linalg destinations must never be written.

When IREE fails to decouple a linalg op whose ``outs`` operand is a constant, the
constant reaches a dispatch through a readwrite binding. Whether memory is then
actually written is decided at the stream level, so the verdict is made there: a
``!stream.resource<constant>`` bound ``rw`` by a ``stream.cmd.dispatch`` (written in
place), or copied (``stream.cmd.copy``) into a resource that a dispatch then writes
when the copy was avoidable (`stream`). Flow IR ties dispatches to constants that
stream later materializes fresh (a splat destination becomes a ``stream.cmd.fill``
into a new transient resource), so a flow observation is never a verdict by itself:
it only explains a stream violation (how the constant got to its dispatch).

The IR is parsed with IREE's own MLIR Python bindings and read through their typed
op views and location accessors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .flow import check_flow
from .naming import OpLabel, Report, SourceNames
from .phase import IRParseError, PhaseIR, new_context
from .stream import check_stream
from .trace import Const
from .violations import CONSTANT_COPY, READWRITE_CONSTANT, REQUIRED_COPY, IRViolation

__all__ = [
    "CONSTANT_COPY",
    "READWRITE_CONSTANT",
    "REQUIRED_COPY",
    "IRParseError",
    "IRViolation",
    "WrittenReport",
    "check_written_constants",
    "find_written_constants",
]


@dataclass(frozen=True)
class WrittenReport:
    """What one compile's IR says about written constants."""

    violations: list[IRViolation]  # the verdict, from the stream phase (flow's explanation appended)
    notes: list[IRViolation]  # copies of constants the program's semantics require: informational
    flow: list[IRViolation]  # what flow IR ties to a constant: an explanation, never a verdict
    judged: bool  # whether there was stream IR to judge


def check_written_constants(phase_ir: dict[str, str]) -> WrittenReport:
    """Check one compile's stream phase for written constants, explained by its flow phase.

    ``phase_ir`` maps a phase name ("stream", "flow", maybe "global-optimization",
    used only to recover constant names) to the file holding that phase's IR.
    Without a "stream" entry nothing is judged (``judged`` is False). One violation
    (or note) per (kind, op, constant).
    """
    ctx = new_context()
    sources = SourceNames(phase_ir, ctx)
    found: dict[str, dict[tuple[str, str, str], IRViolation]] = {"flow": {}, "stream": {}}

    def report_for(phase: str) -> Report:
        def report(kind: str, label: OpLabel, constant: str, message: str, const: Const | None = None) -> None:
            key = (kind, label.label, constant)
            if key not in found[phase]:
                where = f" at {label.where}" if label.where else ""
                found[phase][key] = IRViolation(kind, label.label, constant, phase, f"[{phase}] {message}{where}",
                                                label.where, const.loc.files if const else (),
                                                (const.symbol or "") if const else "")

        return report

    for phase, check in (("flow", check_flow), ("stream", check_stream)):
        if phase in phase_ir:
            check(PhaseIR.parse(phase, phase_ir[phase], ctx), sources, report_for(phase))
    flow = list(found["flow"].values())
    stream = [_explained(v, flow) for v in found["stream"].values()]
    return WrittenReport([v for v in stream if v.kind != REQUIRED_COPY],
                         [v for v in stream if v.kind == REQUIRED_COPY], flow, "stream" in phase_ir)


def find_written_constants(phase_ir: dict[str, str]) -> list[IRViolation]:
    """The verdicts of `check_written_constants`: stream-level written constants only."""
    return check_written_constants(phase_ir).violations


def _explained(v: IRViolation, flow: list[IRViolation]) -> IRViolation:
    """``v`` with how its constant reached the dispatch at flow level appended, when flow saw it."""
    how = next((f for f in flow if f.op == v.op and f.constant == v.constant), None) or next(
        (f for f in flow if f.constant == v.constant or f.op == v.op), None)
    if how is None:
        return v
    return replace(v, message=f"{v.message}; how it got there (flow): {how.message.removeprefix('[flow] ')}")
