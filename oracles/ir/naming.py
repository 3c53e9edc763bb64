"""How a finding names its op and constant, so reports match the emitter's names.

The emitter's name locations are preferred; IREE sometimes moves them (a
re-created constant gets its user's location, a dispatch's fused location names
constants cloned into it), so the op writing the binding wins over the dispatch's
own location, and a constant whose name was lost is looked up in a phase from
before dispatch formation. Without names, the dispatch entry point and the
constant's global symbol or tensor type stand in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iree.compiler import ir
from iree.compiler.dialects import linalg

from .locations import parse_loc
from .phase import PhaseIR, op_name, walk
from .trace import Const, trace_tensor_const

# Phases whose IR still holds the source program's constants with their own
# locations; used to name a constant that IREE re-materialized (e.g. reshaped).
_SOURCE_PHASES = ("global-optimization", "preprocessing", "abi", "input")


@dataclass(frozen=True)
class OpLabel:
    label: str
    names: tuple[str, ...]
    entry: str
    where: str  # file:line:col of the dispatch, or ""


# (kind, op label, constant name, one-line message, the constant traced)
Report = Callable[..., None]


def op_label(
    dispatch: ir.OpView, entry_name: str, writer: tuple[str, ...], const_names: tuple[str, ...]
) -> OpLabel:
    """Name a dispatch by the op writing the binding, else its own location, else its entry point."""
    loc = parse_loc(dispatch.location)
    # The op writing the binding is the source op even when IREE gave a
    # re-created constant that op's location; the dispatch's own (possibly fused)
    # location may also name constants cloned into it.
    names = writer or tuple(n for n in loc.names if n not in const_names) or loc.names
    short_entry = entry_name.split("::")[-1]
    label = names[0] if names else short_entry
    return OpLabel(label, names, short_entry, loc.files[0] if loc.files else "")


def const_label(const: Const, op_names: tuple[str, ...], recovered: str | None, tensor_type: str | None = None) -> str:
    """Name loc, else recovered source name, else user global symbol, else tensor type.

    Stream constants are untyped resources; ``tensor_type`` (the dispatch binding's
    tensor) keeps their fallback name equal to the flow phase's, so they dedupe.
    """
    names = [n for n in const.loc.names if n not in op_names]
    if names:
        return names[0]
    if recovered:
        return recovered
    if const.symbol and not const.symbol.startswith("__"):
        return f"@{const.symbol}"
    if isinstance(const.type, (ir.RankedTensorType, ir.UnrankedTensorType)):
        return str(const.type)
    return tensor_type or const.symbol or str(const.type)


def _destinations(op: ir.OpView) -> list[ir.Value]:
    """The destination (``outs``) operands of a linalg op, by its typed view's accessor."""
    if isinstance(op, linalg.PackOp):
        return [op.dest]
    if op_name(op).startswith("linalg.") and hasattr(op, "outputs"):  # every structured op's view has it
        return list(op.outputs)
    return []


class SourceNames:
    """Lazily maps source op names to the names of their constant destinations.

    IREE re-creates a constant when it collapses its shape (the new one carries the
    op's location); the pre-dispatch phase still has the original constant.
    """

    def __init__(self, phase_ir: dict[str, str], ctx: ir.Context) -> None:
        self._phase_ir = phase_ir
        self._ctx = ctx
        self._map: dict[str, str] | None = None

    def lookup(self, op_names: tuple[str, ...]) -> str | None:
        if not op_names:
            return None
        if self._map is None:
            self._map = self._build()
        for name in op_names:
            if name in self._map:
                return self._map[name]
        return None

    def _build(self) -> dict[str, str]:
        result: dict[str, str] = {}
        phase = next((p for p in _SOURCE_PHASES if p in self._phase_ir), None)
        if phase is None:
            return result
        mod = PhaseIR.parse(phase, self._phase_ir[phase], self._ctx)
        for fn in mod.funcs:
            for op in walk(fn):
                inits = _destinations(op)
                if not inits:
                    continue
                op_names = parse_loc(op.location).names
                for init in inits:
                    const = trace_tensor_const(mod, init)
                    if const is None:
                        continue
                    label = const_label(const, op_names, None)
                    for n in op_names:
                        result.setdefault(n, label)
        return result
