"""The metamorphic rewrite: constants that reach an op's destination become arguments.

For the constant-as-argument oracle. On the input-phase IR (`lowering`), every
tensor `arith.constant` and every load of an immutable `util.global` whose value
reaches the destination (`outs`) of a destination-style op (linalg,
iree_linalg_ext, `tensor.insert_slice`), through reshapes, casts and slices, is
replaced by a new trailing argument of the entry function; the caller passes the
constant's value there. A destination computed from constants only (the broadcast of a
constant bias a TOSA `conv2d` accumulates into, `constant_destinations.constant_sources`)
is a constant too: IREE may evaluate it at compile time and hand the op a constant, so
every tensor constant it is computed from becomes an argument. The rewritten program computes the same function, but
IREE can no longer treat those values as constants: no decoupling, no inlining
into dispatches, no copy-on-write. Mutable globals are left alone (not constants).
`util.unfoldable_constant` and `flow.tensor.dynamic_constant` (the forms IREE's own tests
use) are constants here too, and calls are inlined first, so a helper's constant counts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from fuzzir.constant_destinations import constant_sources
from fuzzir.dtypes import ELEMENT_TYPES, numpy_dtype
from fuzzir.mlir_walk import OPAQUE_CONSTANTS, inline_text, module_globals
from fuzzir.source import destinations, resource_array, resource_name

from .lowering import entry_function

#: What the rewrite says when no constant reaches a destination (blame reads it: nothing to change).
NO_CONSTANT = "no constant reaches an op's destination"

_MOVES = ("tensor.expand_shape", "tensor.collapse_shape", "tensor.cast", "tensor.extract_slice",
          "tensor.reshape", "util.optimization_barrier")


@dataclass(frozen=True)
class Rewritten:
    """The rewritten program and the values of its new arguments, or why there is none."""

    text: str = ""
    values: tuple[np.ndarray, ...] = ()
    names: tuple[str, ...] = ()  # what each new argument was: "arith.constant at file:line:col", "@global"
    problem: str = ""


def _source_op(ir: object, value: object, globals_: dict[str, object]) -> object | None:
    """The constant op (or immutable global load) a destination's data comes from, if any."""
    for _ in range(64):
        owner = value.owner
        if isinstance(owner, ir.Block):
            return None
        name = owner.operation.name
        if name in _MOVES:
            value = owner.operands[0]
        elif name in ("arith.constant", *OPAQUE_CONSTANTS):
            return owner if isinstance(owner.results[0].type, ir.RankedTensorType) else None
        elif name == "util.global.load":
            glob = globals_.get(ir.FlatSymbolRefAttr(owner.attributes["global"]).value)
            ok = glob is not None and "is_mutable" not in glob.attributes and "initial_value" in glob.attributes
            return owner if ok else None
        else:
            return None
    return None


def _value(ir: object, attr: object, t: object, text: str) -> np.ndarray | None:
    rt = ir.RankedTensorType(t)
    if not rt.has_static_shape and isinstance(attr, ir.DenseElementsAttr):
        rt = ir.RankedTensorType(attr.type)  # a dynamic constant: its value has the attribute's shape
    dtype, shape = str(rt.element_type), tuple(int(d) for d in rt.shape)
    if dtype not in ELEMENT_TYPES or not rt.has_static_shape:
        return None
    if isinstance(attr, ir.DenseElementsAttr):
        if attr.is_splat:
            return np.full(shape, attr.get_splat_value().value, dtype=numpy_dtype(dtype))
        return np.asarray(np.array(attr), dtype=numpy_dtype(dtype)).reshape(shape)
    name = resource_name(attr)
    if name is not None:
        return resource_array(text, name, dtype, shape)
    return None


def _where(ir: object, op: object) -> str:
    try:
        loc = ir.FileLineColLoc(op.location)
    except ValueError:
        return op.operation.name
    return f"{op.operation.name} at {loc.filename}:{loc.start_line}:{loc.start_col}"


@functools.lru_cache(maxsize=8)
def constants_to_args(text: str, function: str) -> Rewritten:
    """`text` (input-phase IR) with the constants that reach a destination turned into arguments."""
    from iree.compiler import ir

    text, why = inline_text(text, function)  # a constant in a private helper reaches a destination too
    if why:
        return Rewritten(problem=f"the input-phase IR could not be inlined: {why}")
    with ir.Context():
        try:
            module = ir.Module.parse(text)
            entry = entry_function(ir, module, function)
        except Exception as e:  # noqa: BLE001 - unreadable IR: nothing to rewrite
            return Rewritten(problem=f"the input-phase IR could not be read: {str(e).splitlines()[0][:200]}")
        globals_ = module_globals(ir, module)
        block = entry.regions[0].blocks[0]
        found: list[object] = []
        for op in block.operations:
            for dest in destinations(ir, op):
                src = _source_op(ir, dest, globals_)
                for c in [src] if src is not None else constant_sources(ir, dest, globals_):
                    if all(c.operation != f.operation for f in found):
                        found.append(c)
        if not found:
            return Rewritten(problem=NO_CONSTANT)
        values, names = [], []
        for op in found:
            if op.operation.name != "util.global.load":
                attr, what = op.attributes["value"], _where(ir, op)
            else:
                sym = ir.FlatSymbolRefAttr(op.attributes["global"]).value
                attr, what = globals_[sym].attributes["initial_value"], f"@{sym}"
            value = _value(ir, attr, op.results[0].type, text)
            if value is None:
                return Rewritten(problem=f"the value of {what} cannot be passed as an argument")
            values.append(value)
            names.append(what)
        ftype = ir.FunctionType(ir.TypeAttr(entry.attributes["function_type"]).value)
        for op in found:
            arg = block.add_argument(op.results[0].type, op.location)
            op.results[0].replace_all_uses_with(arg)
            op.operation.erase()
        inputs = list(ftype.inputs) + [a.type for a in list(block.arguments)[len(ftype.inputs):]]
        entry.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(inputs, list(ftype.results)))
        if "arg_attrs" in entry.attributes:
            old = list(ir.ArrayAttr(entry.attributes["arg_attrs"]))
            entry.attributes["arg_attrs"] = ir.ArrayAttr.get(
                old + [ir.DictAttr.get({})] * (len(inputs) - len(old)))
        if not module.operation.verify():
            return Rewritten(problem="the rewritten program does not verify")
        return Rewritten(module.operation.get_asm(enable_debug_info=True), tuple(values), tuple(names))
