"""Walking a module with IREE's MLIR Python bindings: its ops in order, its globals, file locations.

Shared by the readers of programs fuzzir did not write (`fuzzir.source`, `fuzzir.frontend_facts`,
the constant-as-argument rewrite): each walked the same regions and built the same tables.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["file_loc", "module_globals", "walk_ops"]


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
