"""Use-def tracing from a dispatch operand back to the constant it holds, and to the
resource (and byte range) a stream value aliases.

A written constant rarely reaches its dispatch directly: IREE hoists it into a
``util.global``, reshapes it, threads it through ``scf`` loops, and on stream IR
captures it into ``stream.cmd.execute`` regions and subviews. The checks only care
where the data came from, so these walks see through all of that.
"""

from __future__ import annotations

from dataclasses import dataclass

from iree.compiler import ir
from iree.compiler.dialects import arith, flow, iree_tensor_ext, scf, stream, tensor, util

from .locations import NO_LOC, Loc, parse_loc
from .phase import CONSTANT_RESOURCE, PhaseIR, is_type

_MAX_DEPTH = 64


@dataclass(frozen=True)
class Const:
    """A constant source found by tracing use-def chains."""

    loc: Loc
    symbol: str | None  # global symbol when held in a util.global
    type: ir.Type  # a tensor type, or !stream.resource<constant>


def defining_op(value: ir.Value) -> ir.OpView | None:
    """The op producing ``value``, or None for a block argument."""
    owner = value.owner
    return None if isinstance(owner, ir.Block) else owner


def const_index(value: ir.Value) -> int | None:
    """The value of an ``arith.constant`` index/integer, else None."""
    op = defining_op(value)
    if not isinstance(op, arith.ConstantOp) or not isinstance(op.value, ir.IntegerAttr):
        return None
    return op.value.value


def _is_tensor(t: ir.Type) -> bool:
    return isinstance(t, (ir.RankedTensorType, ir.UnrankedTensorType))


def global_const(mod: PhaseIR, load: util.GlobalLoadOp) -> Const | None:
    """The constant held by an immutable global (tensor initial value or constant resource)."""
    sym = load.global_.value
    glob = mod.globals.get(sym)
    if glob is None or sym in mod.stored_globals:
        return None
    gtype = glob.type_.value
    has_value = glob.initial_value is not None and _is_tensor(gtype)
    if not has_value and not is_type(gtype, CONSTANT_RESOURCE):
        return None
    glob_loc = parse_loc(glob.location)
    names = glob_loc.names + parse_loc(load.location).names
    return Const(Loc(tuple(dict.fromkeys(names)), glob_loc.files), sym, gtype)


def _moved_from(op: ir.OpView, result: ir.OpResult) -> ir.Value | None:
    """The operand whose data ``result`` is, reshaped or moved; None if ``op`` makes new data."""
    match op:
        case flow.TensorReshapeOp() | flow.TensorBitCastOp() | tensor.CastOp() | tensor.ReshapeOp():
            return op.source
        case flow.TensorTransferOp() | flow.TensorCloneOp():
            return op.operand
        case tensor.CollapseShapeOp() | tensor.ExpandShapeOp():
            return op.src
        case iree_tensor_ext.ComputeBarrierStartOp() | iree_tensor_ext.ComputeBarrierEndOp():
            return op.value
        case util.OptimizationBarrierOp():
            return op.operands_[result.result_number]
    return None


def trace_tensor_const(mod: PhaseIR, value: ir.Value, depth: int = 0) -> Const | None:
    """Follow a tensor SSA value back to a constant, through reshapes and scf values."""
    if depth > _MAX_DEPTH:
        return None
    op = defining_op(value)
    if op is None:
        return _trace_block_arg(mod, ir.BlockArgument(value), depth)
    if isinstance(op, (arith.ConstantOp, flow.TensorConstantOp)):
        return Const(parse_loc(op.location), None, value.type) if _is_tensor(value.type) else None
    if isinstance(op, util.GlobalLoadOp):
        return global_const(mod, op)
    result = ir.OpResult(value)
    if isinstance(op, scf.ForOp):
        return trace_tensor_const(mod, op.initArgs[result.result_number], depth + 1)
    if isinstance(op, scf.IfOp):
        for region in (op.thenRegion, op.elseRegion):
            for block in region.blocks:
                term = list(block.operations)[-1]
                if not isinstance(term, scf.YieldOp):
                    continue
                found = trace_tensor_const(mod, term.results_[result.result_number], depth + 1)
                if found:
                    return found
        return None
    source = _moved_from(op, result)
    return None if source is None else trace_tensor_const(mod, source, depth + 1)


def _trace_block_arg(mod: PhaseIR, arg: ir.BlockArgument, depth: int) -> Const | None:
    """An scf.for iter_arg starts as the loop's init value (argument 0 is the induction variable)."""
    parent = arg.owner.owner
    if isinstance(parent, scf.ForOp) and arg.arg_number >= 1:
        return trace_tensor_const(mod, parent.initArgs[arg.arg_number - 1], depth + 1)
    return None


# --------------------------------------------------------------------------- stream resources


@dataclass(frozen=True)
class Range:
    """A byte range of a root resource; None bounds mean unknown."""

    root: object  # the root ir.Value, or ("global", symbol)
    offset: int | None
    length: int | None

    def overlaps(self, other: Range) -> bool:
        if self.root != other.root:
            return False
        if self.offset is None or self.length is None or other.offset is None or other.length is None:
            return True
        a, b = self.offset, other.offset
        return a < b + other.length and b < a + self.length


def _alias_source(value: ir.Value) -> tuple[ir.Value, int | None] | None:
    """One step towards the resource ``value`` aliases: (source, byte offset added), or None at a root.

    A ``stream.cmd.execute`` block argument is its captured resource operand,
    ``stream.timepoint.await`` and ``util.optimization_barrier`` pass their resources through, and
    ``stream.resource.subview`` adds its offset (None when not a constant).
    """
    op = defining_op(value)
    if op is None:
        arg = ir.BlockArgument(value)
        parent = arg.owner.owner
        if isinstance(parent, stream.CmdExecuteOp):
            return parent.resource_operands[arg.arg_number], 0
        return None
    if isinstance(op, stream.TimepointAwaitOp):
        return op.resource_operands[ir.OpResult(value).result_number], 0
    if isinstance(op, stream.ResourceSubviewOp):
        return op.source, const_index(op.source_offset)
    if isinstance(op, util.OptimizationBarrierOp):  # `util.unfoldable_constant` keeps one on its resource
        return op.operands_[ir.OpResult(value).result_number], 0
    return None


def resource_root(value: ir.Value, offset: int | None) -> tuple[object, int | None]:
    """The resource a value aliases and its byte offset in it; a global load roots at the global."""
    for _ in range(_MAX_DEPTH):
        step = _alias_source(value)
        if step is None:
            op = defining_op(value)
            if isinstance(op, util.GlobalLoadOp):
                return ("global", op.global_.value), offset
            return value, offset
        value, added = step
        offset = None if offset is None or added is None else offset + added
    return value, offset


def stream_const(mod: PhaseIR, value: ir.Value) -> Const | None:
    """The constant a stream resource holds, when its type or root says it is one."""
    for _ in range(_MAX_DEPTH):
        step = _alias_source(value)
        if step is None:
            break
        value = step[0]
    op = defining_op(value)
    if isinstance(op, util.GlobalLoadOp):
        return global_const(mod, op)
    if is_type(value.type, CONSTANT_RESOURCE):
        return Const(parse_loc(op.location) if op is not None else NO_LOC, None, value.type)
    return None
