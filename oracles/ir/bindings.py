"""What a dispatch's entry function does with its bindings: which ops write them,
through which access mode, and which bytes.

Flow entry points take ``!iree_tensor_ext.dispatch.tensor<readwrite:...>`` arguments
directly; stream entry points take ``!stream.binding`` arguments (interleaved with
scalar ones) and view them through ``stream.binding.subspan``. The stream check
needs the written byte span to tell a copy-on-write target from its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from iree.compiler import ir
from iree.compiler.dialects import func, iree_tensor_ext, stream

from fuzzir.dtypes import element_bytes

from .locations import parse_loc
from .phase import STREAM_BINDING, is_type, walk
from .trace import const_index, defining_op

# No Python type class for !iree_tensor_ext.dispatch.tensor: access mode and tensor are read from its printed form.
_DISPATCH_TENSOR_RE = re.compile(r"^!iree_tensor_ext\.dispatch\.tensor<(readonly|writeonly|readwrite):(tensor<.*>)>$")

# A stream.binding.subspan and the tensor type it views.
_Subspan = tuple[stream.BindingSubspanOp, ir.RankedTensorType]


def dispatch_tensor(t: ir.Type) -> tuple[str, ir.RankedTensorType] | None:
    """(access, tensor type) of a ``!iree_tensor_ext.dispatch.tensor`` type, else None."""
    m = _DISPATCH_TENSOR_RE.match(str(t))  # no type class in the bindings (see above)
    if m is None:
        return None
    return m.group(1), ir.RankedTensorType(ir.Type.parse(m.group(2), t.context))


def entry_args(entry: func.FuncOp | None) -> Sequence[ir.BlockArgument]:
    """The entry function's arguments; none for a missing or external function."""
    if entry is None or entry.is_external:
        return ()
    return entry.arguments


def readwrite_args(entry: func.FuncOp | None) -> set[int]:
    """Indices of flow entry arguments bound ``readwrite``."""
    found: set[int] = set()
    for i, arg in enumerate(entry_args(entry)):
        view = dispatch_tensor(arg.type)
        if view is not None and view[0] == "readwrite":
            found.add(i)
    return found


def binding_arg(entry: func.FuncOp | None, binding: int) -> int:
    """Block argument index of the ``binding``-th !stream.binding argument."""
    seen = -1
    for i, arg in enumerate(entry_args(entry)):
        if is_type(arg.type, STREAM_BINDING):
            seen += 1
            if seen == binding:
                return i
    return binding


def writer_names(entry: func.FuncOp | None, arg_index: int) -> tuple[str, ...]:
    """Name locs of the ops in a dispatch that store into argument ``arg_index``."""
    args = entry_args(entry)
    if entry is None or arg_index >= len(args):
        return ()
    targets = {args[arg_index]}
    names: list[str] = []
    for op in walk(entry):
        if isinstance(op, stream.BindingSubspanOp) and op.binding in targets:
            targets.add(op.result)
        elif isinstance(op, iree_tensor_ext.DispatchTensorStoreOp) and op.target in targets:
            src = defining_op(op.value)
            if src is not None:
                names.extend(parse_loc(src.location).names)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Access:
    """What a dispatch does with one binding's old contents, read from its entry function's body.

    Whether a copy of a constant is a missed decoupling or something the program needs
    depends on this: a dispatch that reads the destination's old values (an accumulator)
    or overwrites all of them needed no writable copy of the constant; one that writes only
    part and reads nothing needs the rest of the constant kept around it.
    """

    reads: bool | None  # loads from the binding (or uses it other than as a store target); None: no body
    overwritten: tuple[tuple[int, int], ...]  # (offset, bytes) in the binding each whole-tensor store covers


def _nbytes(tensor: ir.RankedTensorType) -> int | None:
    elem = element_bytes(str(tensor.element_type))
    if elem is None or not tensor.has_static_shape:
        return None
    for d in tensor.shape:
        elem *= d
    return elem


def binding_access(entry: func.FuncOp | None, binding: int) -> Access:
    """How the dispatch's body uses its ``binding``-th !stream.binding (see `Access`).

    A store overwrites its subspan's whole tensor when its static sizes are the tensor's
    static shape (in bounds, that forces zero offsets and leaves strides irrelevant); dynamic
    sizes or shapes count as partial. A use of the subspan other than a load or as a store's
    target is counted as a read: it might be one.
    """
    args = entry_args(entry)
    index = binding_arg(entry, binding)
    if entry is None or index >= len(args):
        return Access(None, ())
    reads = False
    spans: list[tuple[int, int]] = []
    for op in walk(entry):
        if not (isinstance(op, stream.BindingSubspanOp) and op.binding == args[index]):
            continue
        view = dispatch_tensor(op.result.type)
        for use in op.result.uses:
            user = use.owner
            if isinstance(user, iree_tensor_ext.DispatchTensorStoreOp) and use.operand_number == 1:
                offset = const_index(op.byte_offset)
                size = _nbytes(view[1]) if view is not None else None
                if offset is not None and size is not None and list(user.static_sizes) == list(view[1].shape):
                    spans.append((offset, size))
            else:
                reads = True  # a load, or a use we cannot see through
    return Access(reads, tuple(spans))


def _written_subspans(entry: func.FuncOp | None, binding: int) -> list[_Subspan]:
    """The non-readonly subspans of the ``binding``-th !stream.binding, with their tensor types."""
    args = entry_args(entry)
    index = binding_arg(entry, binding)
    if entry is None or index >= len(args):
        return []
    found: list[_Subspan] = []
    for op in walk(entry):
        if isinstance(op, stream.BindingSubspanOp) and op.binding == args[index]:
            view = dispatch_tensor(op.result.type)
            if view is not None and view[0] != "readonly":
                found.append((op, view[1]))
    return found


def binding_tensor_type(entry: func.FuncOp | None, binding: int) -> str | None:
    """The tensor type a dispatch writes through its ``binding``-th !stream.binding."""
    spans = _written_subspans(entry, binding)
    return str(spans[0][1]) if spans else None


def binding_span(entry: func.FuncOp | None, binding: int) -> tuple[int, int] | None:
    """(offset, bytes) a dispatch writes in its ``binding``-th !stream.binding, if static."""
    spans: list[tuple[int, int]] = []
    for subspan, tensor in _written_subspans(entry, binding):
        offset = const_index(subspan.byte_offset)
        elem = element_bytes(str(tensor.element_type))
        if offset is None or elem is None or not tensor.has_static_shape:
            return None
        size = elem
        for d in tensor.shape:
            size *= d
        spans.append((offset, offset + size))
    if not spans:
        return None
    lo = min(s for s, _ in spans)
    return lo, max(e for _, e in spans) - lo
