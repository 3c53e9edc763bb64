"""Whether a program's input-phase IR has a constant in a destination: what frontend generators steer toward.

A frontend program (StableHLO, TOSA) has no destinations; IREE's input conversion
makes them, and the programs worth fuzzing are those where it makes a constant one
(a scatter or `dynamic_update_slice` into a constant buffer). This reads the input
phase (`oracles.lowering.lower`) with the bindings and names each destination of a
linalg, `iree_linalg_ext` or `tensor.insert_slice` op that is a constant (`source.init_kind`:
splat, nonsplat, large, global), or a value computed from constants only: no function
argument reaches it, and a tensor constant does (a `linalg.fill` of a scalar is not one:
that is how every reduction's init is written). The constant-as-argument oracle passes those
constants (`constant_sources`) as arguments.
"""

from __future__ import annotations

from fuzzir.mlir_walk import OPAQUE_CONSTANTS, module_globals, walk_ops
from fuzzir.source import destinations, init_kind

__all__ = ["CONSTANT_KINDS", "constant_destinations", "constant_sources"]

CONSTANT_KINDS = ("splat", "nonsplat", "large", "global")


def constant_sources(ir: object, value: object, globals_: dict[str, object]) -> list[object]:
    """The tensor constants `value` is computed from when it is computed from constants only: the
    tensor `arith.constant`, `util.unfoldable_constant` / `flow.tensor.dynamic_constant` ops and loads
    of immutable initialized globals, in the order met; [] when a function argument, a region's value
    or a mutable global reaches it, or no tensor constant does (a `linalg.fill` of a scalar)."""
    seen: set[object] = set()
    stack = [value]
    found: list[object] = []
    while stack:
        v = stack.pop()
        owner = v.owner
        if isinstance(owner, ir.Block):
            return []  # a function argument, or a value of a loop or region
        op = owner.operation
        if op in seen:
            continue
        seen.add(op)
        tensor = isinstance(v.type, ir.RankedTensorType)
        if op.name == "util.global.load":
            glob = globals_.get(ir.FlatSymbolRefAttr(op.attributes["global"]).value)
            if glob is None or "is_mutable" in glob.attributes or "initial_value" not in glob.attributes:
                return []  # state, not a constant
            found.extend([owner] if tensor else [])
            continue
        if op.name in ("arith.constant", *OPAQUE_CONSTANTS) and tensor:
            found.append(owner)
        stack.extend(_captured(op))  # a value a body uses from above
        stack.extend(op.operands)
    return found


def _captured(op: object) -> list[object]:
    """The values `op`'s regions use but do not define."""
    inner: list[object] = []
    used: list[object] = []
    for nested in _nested(op):
        inner.extend(nested.results)
        for region in nested.regions:
            for block in region.blocks:
                inner.extend(block.arguments)
        used.extend(nested.operands)
    for region in op.regions:
        for block in region.blocks:
            inner.extend(block.arguments)
    return [v for v in used if not any(v == w for w in inner)]


def _nested(op: object) -> list[object]:
    """Every op nested in `op`'s regions."""
    out = []
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                out.append(child)
                out.extend(_nested(child))
    return out


def constant_destinations(lowered: str) -> list[str]:
    """`op name: kind` for each destination of the input-phase IR `lowered` that is a constant or computed from
    constants only (kind `computed`); [] when there is none or the text does not parse."""
    from iree.compiler import ir

    found: list[str] = []
    with ir.Context():
        try:
            module = ir.Module.parse(lowered)
        except ir.MLIRError:
            return found
        globals_ = module_globals(ir, module)
        for op in walk_ops(module):
            for dest in destinations(ir, op):
                kind = init_kind(ir, dest, globals_)
                if kind in CONSTANT_KINDS:
                    found.append(f"{op.operation.name}: {kind}")
                elif constant_sources(ir, dest, globals_):
                    found.append(f"{op.operation.name}: computed")
    return found
