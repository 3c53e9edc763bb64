"""The written-constant verdict, made on stream IR, where memory is decided.

By the stream phase a written constant is no longer a dispatch operand: IREE
copies the ``!stream.resource<constant>`` (``stream.cmd.copy``) into a transient
resource that a ``stream.cmd.dispatch`` binds read-write, or binds the constant's
own resource read-write and writes it in place. Matching each copy's target byte
range against the read-write bindings of the same function finds the first;
a constant resource bound read-write directly is the second.

A copy is only a missed decoupling when it was avoidable. The writing dispatch's
body says whether it was (`bindings.binding_access`): a dispatch that reads the
copy's old values (the constant is its accumulator) could have read the constant
through a readonly binding and written a fresh result; one that overwrites every
copied byte without reading needed no copy at all. A dispatch that reads nothing
and overwrites only part of the copy (an ``insert_slice``, a strided insert into a
constant that must keep its other values) needs the copy: that is reported as a
`REQUIRED_COPY` note, never as a defect. A splat destination that stream
materializes with ``stream.cmd.fill`` into a fresh resource involves no constant
resource at all, so it is clean here whatever the flow IR tied.
"""

from __future__ import annotations

from dataclasses import dataclass

from iree.compiler import ir
from iree.compiler.dialects import func, stream

from .bindings import Access, binding_access, binding_arg, binding_span, binding_tensor_type, writer_names
from .naming import OpLabel, Report, SourceNames, const_label, op_label
from .phase import CONSTANT_RESOURCE, PhaseIR, is_type, walk
from .trace import Const, Range, const_index, resource_root, stream_const
from .violations import CONSTANT_COPY, READWRITE_CONSTANT, REQUIRED_COPY

_READ_WRITE = stream.ResourceAccessBitfield.Read | stream.ResourceAccessBitfield.Write


@dataclass(frozen=True)
class _RwUse:
    range: Range
    dispatch: stream.CmdDispatchOp
    entry_name: str
    entry: func.FuncOp | None
    binding: int
    access: Access
    base: int | None  # the binding's byte offset in ``range.root``

    def overwrites(self, target: Range) -> bool:
        """Whether one whole-tensor store of the dispatch covers every byte of ``target``."""
        if self.base is None or target.offset is None or target.length is None:
            return False
        lo, hi = target.offset, target.offset + target.length
        return any(self.base + off <= lo and hi <= self.base + off + n for off, n in self.access.overwritten)


def check_stream(mod: PhaseIR, sources: SourceNames, report: Report) -> None:
    """A constant copied into a resource that a dispatch then binds read-write.

    Only the first dispatch after the copy that binds it read-write is the copy's writer: a later
    one writes the first one's result in place (ordinary chaining, as for any intermediate), so
    reporting it too would report one copy-on-write twice, at an op that never saw the constant."""
    for fn in mod.host_funcs():
        events: list[tuple[Const, Range] | _RwUse] = []  # copies and read-write uses, in program order
        for op in walk(fn):
            if isinstance(op, stream.CmdDispatchOp):
                events.extend(_check_dispatch(mod, op, sources, report))
            elif isinstance(op, stream.CmdCopyOp):
                if is_type(op.target.type, CONSTANT_RESOURCE):
                    continue  # constant-to-constant staging during initialization
                const = stream_const(mod, op.source)
                if const is None:
                    continue
                root, offset = resource_root(op.target, const_index(op.target_offset))
                events.append((const, Range(root, offset, const_index(op.length))))
        for k, event in enumerate(events):
            if isinstance(event, _RwUse):
                continue
            const, target = event
            writer = next((u for u in events[k + 1:] if isinstance(u, _RwUse) and u.range.overlaps(target)), None)
            if writer is not None:
                _report_copy(writer, const, target, sources, report)


def _check_dispatch(
    mod: PhaseIR, op: stream.CmdDispatchOp, sources: SourceNames, report: Report
) -> list[_RwUse]:
    """The dispatch's read-write bindings; a constant bound read-write is reported at once."""
    uses: list[_RwUse] = []
    entry_name, entry = mod.entry(op.entry_points[0])
    bindings = zip(op.resources, op.resource_offsets, op.resource_lengths, op.resource_accesses, strict=True)
    for i, (res, offset, length_value, access) in enumerate(bindings):
        if stream.ResourceAccessBitfield(ir.IntegerAttr(access).value) & _READ_WRITE != _READ_WRITE:
            continue  # only read-write bindings: write-only is a plain result
        root, binding_base = resource_root(res, const_index(offset))
        base, length = binding_base, const_index(length_value)
        span = binding_span(entry, i)
        if span is not None and base is not None:
            base, length = base + span[0], span[1]
        uses.append(_RwUse(Range(root, base, length), op, entry_name, entry, i, binding_access(entry, i),
                           binding_base))
        const = stream_const(mod, res)
        if const is not None:
            # No copy stands between the dispatch and the constant's storage: whatever it writes,
            # it writes into the constant itself (the next call sees the changed values).
            label, cname = _names(op, entry_name, entry, i, const, sources)
            report(
                READWRITE_CONSTANT,
                label,
                cname,
                f"constant {cname} is bound read-write by dispatch {label.entry} ({label.label}): "
                "it is written in place, in the constant's own storage",
                const,
            )
    return uses


def _report_copy(use: _RwUse, const: Const, target: Range, sources: SourceNames, report: Report) -> None:
    """Judge one copy of a constant by what its first writer does with it (see the module docstring)."""
    label, cname = _names(use.dispatch, use.entry_name, use.entry, use.binding, const, sources)
    head = f"constant {cname} is copied for dispatch {label.entry} ({label.label})"
    if use.access.reads is None:
        why = " to write it in place (the dispatch's body is not in the IR: taken as reading it)"
    elif use.access.reads:
        why = " to write it in place: the dispatch reads the copy's old values (the constant is its accumulator)"
    elif use.overwrites(target):
        why = ", which overwrites every copied value without reading any: the copy is wasted"
    else:
        report(
            REQUIRED_COPY,
            label,
            cname,
            f"{head}, which overwrites only part of it and reads none of it: the copy keeps the constant's "
            "other values, as the program requires (not a missed decoupling)",
            const,
        )
        return
    report(CONSTANT_COPY, label, cname, head + why, const)
    report(
        READWRITE_CONSTANT,
        label,
        cname,
        f"constant {cname} reaches dispatch {label.entry} ({label.label}) "
        "through a readwrite binding (after a copy-on-write)",
        const,
    )


def _names(
    dispatch: stream.CmdDispatchOp,
    entry_name: str,
    entry: func.FuncOp | None,
    binding: int,
    const: Const,
    sources: SourceNames,
) -> tuple[OpLabel, str]:
    """The op and constant names for a constant written through ``binding`` of ``dispatch``."""
    writer = writer_names(entry, binding_arg(entry, binding))
    label = op_label(dispatch, entry_name, writer, const.loc.names)
    cname = const_label(const, label.names, sources.lookup(label.names), binding_tensor_type(entry, binding))
    return label, cname
