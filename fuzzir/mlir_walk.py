"""Walking a module with IREE's MLIR Python bindings: its ops in order, its globals, file locations.

Shared by the readers of programs fuzzir did not write (`fuzzir.source`, `fuzzir.frontend_facts`,
the constant-as-argument rewrite): each walked the same regions and built the same tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["IDENTITIES", "OPAQUE_CONSTANTS", "file_loc", "function_ops", "inline_calls", "inline_text",
           "literal_elements", "module_globals", "plain_program", "scatter_combiner", "unwrap", "upstream_locations",
           "walk_ops"]


def module_globals(ir: object, module: object) -> dict[str, object]:
    """The module's `util.global` ops by symbol name."""
    return {ir.StringAttr(op.attributes["sym_name"]).value: op for op in module.body.operations
            if op.operation.name == "util.global"}


def walk_ops(module: object) -> Iterator[object]:
    """Every op of `module` in the order written: an op before the ops of its regions."""
    def visit(op: object) -> Iterator[object]:
        yield op
        for region in op.regions:
            for block in region.blocks:
                for child in block.operations:
                    yield from visit(child)

    for op in module.body.operations:
        yield from visit(op)


def file_loc(ir: object, location: object) -> tuple[int, int] | None:
    """(line, col) of a file location, also under a name location."""
    for cls in (ir.FileLineColLoc, ir.NameLoc):
        try:
            loc = cls(location)
        except ValueError:
            continue
        if cls is ir.NameLoc:
            return file_loc(ir, loc.child_loc)
        return int(loc.start_line), int(loc.start_col)
    return None


#: Ops whose result is their operand's value: a hint to the compiler, never a computation.
IDENTITIES = ("util.optimization_barrier", "flow.tensor.tie_shape")
#: Constants the compiler must not fold (`util.unfoldable_constant`, `flow.tensor.dynamic_constant`):
#: their value is known all the same.
OPAQUE_CONSTANTS = ("util.unfoldable_constant", "flow.tensor.dynamic_constant")
_FUNCS = ("func.func", "util.func")
_CALLS = ("func.call", "util.call")


def function_ops(ir: object, module: object) -> dict[str, object]:
    """The module's functions with a body (`func.func`, `util.func`), by symbol name."""
    return {ir.StringAttr(op.attributes["sym_name"]).value: op for op in module.body.operations
            if op.operation.name in _FUNCS and len(op.regions[0].blocks)}


def inline_calls(ir: object, module: object, function: str) -> str:
    """Inline every call in `module` and drop what `function` no longer uses; "" or why it failed.

    IREE's own tests call private helpers (`@generate_2D_source(%c128, %c256)`); the analyses
    read one function. Every function but `function` is made private first, so MLIR's
    `symbol-dce` drops the ones left unused; `canonicalize` then gives the shapes the inlined
    constants fix (a helper's `tensor<?x?xi32>` becomes `tensor<128x256xi32>`). Opaque constants
    and barriers are still in place here, so canonicalization folds no value the program computes.
    """
    from iree.compiler.passmanager import PassManager

    funcs = function_ops(ir, module)
    if function not in funcs:
        return f"no function @{function} with a body"
    calls = any(op.operation.name in _CALLS for op in walk_ops(module))
    dynamic = _expose_dynamic_constants(ir, module)
    if not calls and not dynamic and len(funcs) == 1:
        return ""
    for name, op in funcs.items():
        if name != function:
            op.attributes["sym_visibility"] = ir.StringAttr.get("private")
    pipeline = "inline, canonicalize, symbol-dce" if calls or dynamic else "symbol-dce"
    try:
        PassManager.parse(f"builtin.module({pipeline})").run(module.operation)
    except ir.MLIRError as e:
        return f"its calls could not be inlined: {' '.join(str(e).split())[:200]}"
    if any(op.operation.name in _CALLS for op in walk_ops(module)):
        return "a call is left after inlining (a recursive or external function)"
    return ""


def _ops_in(op: object) -> Iterator[object]:
    """Every op nested in `op`, in the order written."""
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child
                yield from _ops_in(child)


def _expose_dynamic_constants(ir: object, module: object) -> bool:
    """Each `flow.tensor.dynamic_constant` as its constant behind a barrier, cast to the dynamic type:
    canonicalization then gives its users the static shape, and still folds nothing of its value."""
    found = False
    for op in [op for op in walk_ops(module) if op.operation.name == "flow.tensor.dynamic_constant"]:
        attr = op.attributes["value"]
        with ir.InsertionPoint(op), op.location:
            const = ir.Operation.create("arith.constant", results=[attr.type], attributes={"value": attr})
            kept = ir.Operation.create("util.optimization_barrier", results=[attr.type], operands=const.results)
            cast = ir.Operation.create("tensor.cast", results=[op.results[0].type], operands=kept.results)
        op.results[0].replace_all_uses_with(cast.results[0])
        op.operation.erase()
        found = True
    return found


def unwrap(ir: object, module: object, function: str) -> str:
    """`function` with opaque constants as plain `arith.constant`s and barriers gone; "" or why not.

    What the compiler must not fold is still a value the program's reader knows: the value
    oracles read `util.unfoldable_constant` as the constant it holds, a
    `flow.tensor.dynamic_constant` as that constant cast to its dynamic type, and
    `util.optimization_barrier` / `flow.tensor.tie_shape` as their operands."""
    entry = function_ops(ir, module).get(function)
    if entry is None:
        return f"no function @{function} with a body"
    for op in list(_ops_in(entry)):
        name = op.operation.name
        if name in IDENTITIES:
            n = len(op.results)
            for result, operand in zip(op.results, list(op.operands)[:n], strict=True):
                result.replace_all_uses_with(operand)
            op.operation.erase()
        elif name in (*OPAQUE_CONSTANTS, "flow.tensor.constant"):  # the last: a dynamic constant at input
            try:
                attr = op.attributes["value"]
            except TypeError:  # the bindings read no complex attribute
                return f"the value of {name} cannot be read with the bindings"
            with ir.InsertionPoint(op), op.location:
                const = ir.Operation.create("arith.constant", results=[attr.type], attributes={"value": attr})
                value = const.results[0]
                if str(attr.type) != str(op.results[0].type):
                    value = ir.Operation.create("tensor.cast", results=[op.results[0].type],
                                                operands=[value]).results[0]
            op.results[0].replace_all_uses_with(value)
            op.operation.erase()
    return ""


def plain_program(text: str, function: str, *, rename: str = "main") -> tuple[str, str]:
    """(`text` with calls inlined, opaque constants and barriers unwrapped, `function` named `rename`
    and the only function left; "") or ("", why not). For the value oracles' readers only: the
    compiler still gets the program as written."""
    from iree.compiler import ir

    with ir.Context():
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            return "", f"invalid MLIR: {' '.join(str(e).split())[:200]}"
        why = inline_calls(ir, module, function) or unwrap(ir, module, function)
        if why:
            return "", why
        entry = function_ops(ir, module)[function]
        if rename != function:
            if any(ir.StringAttr(op.attributes["sym_name"]).value == rename for op in module.body.operations
                   if "sym_name" in op.attributes):
                return "", f"@{rename} is taken by another symbol"
            entry.attributes["sym_name"] = ir.StringAttr.get(rename)
        if not module.operation.verify():
            return "", "the unwrapped program does not verify"
        return module.operation.get_asm(enable_debug_info=True), ""


def inline_text(text: str, function: str) -> tuple[str, str]:
    """(`text` with its calls inlined into `function` and unused functions dropped, ""), or ("", why not);
    `text` itself when it calls nothing and has no dynamic constant (nothing to do)."""
    from iree.compiler import ir

    with ir.Context():
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            return "", f"invalid MLIR: {' '.join(str(e).split())[:200]}"
        if not any(op.operation.name in (*_CALLS, "flow.tensor.dynamic_constant") for op in walk_ops(module)):
            return text, ""
        why = inline_calls(ir, module, function)
        return ("", why) if why else (module.operation.get_asm(enable_debug_info=True), "")


def literal_elements(op: object) -> np.ndarray | None:
    """The elements of a constant op's `dense<...>` value read from its printed literal, or None.

    For what the bindings cannot read: a complex dense attribute (even fetching it raises
    `TypeError`), f8 elements. Nested lists of numbers or of `(re,im)` pairs (complex), or one
    of them for a splat; anything else (hex, non-finite values) is None."""
    import json

    text = str(op)
    start = text.find("dense<")
    end = text.rfind("> :")
    if start < 0 or end < start:
        return None
    literal = text[start + len("dense<"):end].replace("(", "[").replace(")", "]")
    try:
        pairs = np.asarray(json.loads(literal), dtype=np.float64)
    except (ValueError, TypeError):
        return None
    if "complex<" not in text[end:]:
        return pairs
    if pairs.ndim < 1 or pairs.shape[-1] != 2:
        return None
    return pairs[..., 0] + 1j * pairs[..., 1]


def upstream_locations(ir: object, value: object) -> frozenset[tuple[int, int]]:
    """Where in the file every op is whose results reach `value` through operands (wrong values flow on)."""
    seen: set[object] = set()
    found: set[tuple[int, int]] = set()
    stack = [value]
    while stack:
        owner = stack.pop().owner
        if isinstance(owner, ir.Block) or owner.operation in seen:
            continue
        seen.add(owner.operation)
        loc = file_loc(ir, owner.location)
        if loc is not None:
            found.add(loc)
        stack.extend(owner.operands)
    return frozenset(found)


def scatter_combiner(op: object) -> str:
    """The op an `iree_linalg_ext.scatter`'s body combines its update and the original element with
    (`arith.addi` for an accumulating scatter); "" for another op, a body that overwrites, or any
    other body."""
    if op.operation.name != "iree_linalg_ext.scatter" or not len(op.regions):
        return ""
    block = op.regions[0].blocks[0]
    args, ops = list(block.arguments), list(block.operations)
    if len(args) != 2 or len(ops) != 2 or len(ops[1].operands) != 1 or ops[1].operands[0] != ops[0].results[0]:
        return ""
    pair = list(ops[0].operands)
    both = len(pair) == 2 and ((pair[0] == args[0] and pair[1] == args[1])
                               or (pair[0] == args[1] and pair[1] == args[0]))
    return ops[0].operation.name if both else ""
