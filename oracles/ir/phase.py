"""One compile phase's IR, parsed with IREE's own MLIR bindings, and its symbol tables.

The checks need the same three lookups on every phase (immutable globals, dispatch
entry points by ``exe::fn`` symbol, host functions), so they are built once here.
Importing the dialect modules registers their typed op views, so walking the module
yields ``flow.DispatchOp``, ``stream.CmdCopyOp`` ... with named operand accessors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from iree.compiler import ir
from iree.compiler.dialects import (  # noqa: F401  (imported to register their op views)
    arith,
    flow,
    func,
    iree_tensor_ext,
    linalg,
    scf,
    stream,
    tensor,
    util,
)

# IREE types the bindings have no Python class for; compared as parsed types.
STREAM_BINDING = "!stream.binding"
CONSTANT_RESOURCE = "!stream.resource<constant>"


class IRParseError(ValueError):
    """A phase's IR file could not be read or parsed."""


def new_context() -> ir.Context:
    """A context for one check: large constants are uniqued for its lifetime, so never reuse it."""
    ctx = ir.Context()
    ctx.allow_unregistered_dialects = True
    return ctx


def is_type(t: ir.Type, asm: str) -> bool:
    """Whether ``t`` is the IREE type spelled ``asm`` (no Python type class exists for IREE's types)."""
    return t == ir.Type.parse(asm, t.context)


def op_name(op: ir.OpView) -> str:
    """The op's registered name (typed views shadow ``.name`` with an attribute of that name)."""
    return op.operation.name


def walk(op: ir.OpView) -> Iterator[ir.OpView]:
    """Pre-order walk of all nested operations, as their typed views."""
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child
                yield from walk(child)


def symbol_path(ref: ir.Attribute) -> str:
    """``@a::@b`` -> ``a::b``, ``@a`` -> ``a``."""
    return "::".join(ir.SymbolRefAttr(ref).value)


@dataclass
class PhaseIR:
    """One parsed phase with symbol tables for globals and executable entry points."""

    phase: str
    module: ir.Module
    globals: dict[str, util.GlobalOp] = field(default_factory=dict)
    stored_globals: set[str] = field(default_factory=set)
    entries: dict[str, func.FuncOp] = field(default_factory=dict)  # "exe::fn" -> func.func
    funcs: list[ir.OpView] = field(default_factory=list)  # host functions / initializers

    @classmethod
    def parse(cls, phase: str, path: str, ctx: ir.Context) -> PhaseIR:
        try:
            text = Path(path).read_text()
        except OSError as e:
            raise IRParseError(f"{phase}: cannot read {path}: {e.strerror}") from e
        try:
            module = ir.Module.parse(text, ctx)
        except Exception as e:  # MLIRError carries a multi-line diagnostic
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise IRParseError(f"{phase}: cannot parse {path}: {first}") from e
        self = cls(phase, module)
        for op in module.body.operations:
            if isinstance(op, util.GlobalOp):
                self.globals[op.sym_name.value] = op
            elif isinstance(op, (flow.ExecutableOp, stream.ExecutableOp)):
                self._index_executable(op)
            elif isinstance(op, (util.FuncOp, func.FuncOp, util.InitializerOp)):
                self.funcs.append(op)
        for fn in self.host_funcs():
            for op in walk(fn):
                if isinstance(op, util.GlobalStoreOp):
                    self.stored_globals.add(op.global_.value)
        return self

    def host_funcs(self) -> Iterator[ir.OpView]:
        """Host functions other than initializers (which may store to immutable globals)."""
        return (fn for fn in self.funcs if not isinstance(fn, util.InitializerOp))

    def entry(self, entry_point: ir.Attribute) -> tuple[str, func.FuncOp | None]:
        """The ``exe::fn`` name of a dispatch's entry point and its function, if present."""
        name = symbol_path(entry_point)
        return name, self.entries.get(name)

    def _index_executable(self, exe: flow.ExecutableOp | stream.ExecutableOp) -> None:
        exe_name = exe.sym_name.value
        for op in walk(exe):
            if isinstance(op, func.FuncOp):
                self.entries[f"{exe_name}::{op.sym_name.value}"] = op
