"""How a constant reaches a dispatch, read from flow IR: the explanation, not the verdict.

On flow IR a constant tied to a dispatch is still visible as such: it is an operand
of ``flow.dispatch`` that a result is tied to, or that the entry function binds
``readwrite``. Tracing the operand back finds the constant. Whether memory is then
written is decided later: the stream phase materializes a splat destination with a
fill into a fresh resource, so a flow tie alone is no written constant. These
observations are only appended to a stream-level violation (`fuzzir.oracles.ir`).
"""

from __future__ import annotations

from iree.compiler.dialects import flow

from .bindings import readwrite_args, writer_names
from .naming import Report, SourceNames, const_label, op_label
from .phase import PhaseIR, walk
from .trace import trace_tensor_const
from .violations import READWRITE_CONSTANT


def check_flow(mod: PhaseIR, sources: SourceNames, report: Report) -> None:
    """A flow.dispatch whose result is tied to (or binds readwrite) a constant operand."""
    for fn in mod.funcs:
        for op in walk(fn):
            if isinstance(op, flow.DispatchOp):
                _check_dispatch(mod, op, sources, report)


def _check_dispatch(mod: PhaseIR, op: flow.DispatchOp, sources: SourceNames, report: Report) -> None:
    args = list(op.arguments)
    tied = op.tied_operands  # per result: index into ``arguments``, or -1
    written = {t.value for t in tied if t.value >= 0} if tied is not None else set()
    entry_name, entry = mod.entry(op.entry_points[0])
    written |= readwrite_args(entry)
    for i in sorted(written):
        if i >= len(args):
            continue
        const = trace_tensor_const(mod, args[i])
        if const is None:
            continue
        label = op_label(op, entry_name, writer_names(entry, i), const.loc.names)
        cname = const_label(const, label.names, sources.lookup(label.names))
        report(
            READWRITE_CONSTANT,
            label,
            cname,
            f"constant {cname} reaches dispatch {label.entry} ({label.label}) through a readwrite binding",
            const,
        )
