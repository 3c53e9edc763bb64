"""IR checks: constants used as linalg destinations must never be written.

When IREE fails to decouple a linalg op whose ``outs`` operand is a constant, the
constant reaches a dispatch through a readwrite binding (flow: a ``flow.dispatch``
result tied to a constant operand) and the stream dialect inserts a copy-on-write
(``stream.cmd.copy`` from a ``!stream.resource<constant>`` into a resource that a
dispatch then binds ``rw``). These checks find both on the compiled IR of each
phase and name the source op and constant from the emitter's name locations.

The IR is parsed with IREE's own MLIR Python bindings and read through their typed
op views and location accessors.
"""

from __future__ import annotations

from .flow import check_flow
from .naming import OpLabel, Report, SourceNames
from .phase import IRParseError, PhaseIR, new_context
from .stream import check_stream
from .trace import Const
from .violations import CONSTANT_COPY, READWRITE_CONSTANT, IRViolation

__all__ = ["CONSTANT_COPY", "READWRITE_CONSTANT", "IRParseError", "IRViolation", "find_written_constants"]


def find_written_constants(phase_ir: dict[str, str]) -> list[IRViolation]:
    """Check the flow and stream phases of one compile for written constants.

    ``phase_ir`` maps a phase name ("flow", "stream", maybe "global-optimization",
    used only to recover constant names) to the file holding that phase's IR.
    Returns one violation per (kind, op, constant); flow findings come first.
    """
    ctx = new_context()
    sources = SourceNames(phase_ir, ctx)
    found: dict[tuple[str, str, str], IRViolation] = {}

    def report_for(phase: str) -> Report:
        def report(kind: str, label: OpLabel, constant: str, message: str, const: Const | None = None) -> None:
            key = (kind, label.label, constant)
            if key not in found:
                where = f" at {label.where}" if label.where else ""
                found[key] = IRViolation(kind, label.label, constant, phase, f"[{phase}] {message}{where}",
                                         label.where, const.loc.files if const else (),
                                         (const.symbol or "") if const else "")

        return report

    for phase, check in (("flow", check_flow), ("stream", check_stream)):
        if phase in phase_ir:
            check(PhaseIR.parse(phase, phase_ir[phase], ctx), sources, report_for(phase))
    return list(found.values())
