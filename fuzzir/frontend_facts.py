"""A frontend program's ops, with the facts IREE's input conversion gives them.

A StableHLO or TOSA op has no destination operand: the constant it writes into becomes
a destination only when IREE lowers it (`stablehlo.scatter` into a constant becomes an
`iree_linalg_ext.scatter` whose destination is that constant). The input-phase IR keeps
the user's locations, so each frontend op is matched with the linalg op it becomes.
"""

from __future__ import annotations

import dataclasses

from fuzzir.mlir_walk import file_loc, module_globals, scatter_combiner, walk_ops
from fuzzir.source import Source, SourceOp, destination_facts, destinations

__all__ = ["FRONTEND_DIALECTS", "LINALG", "frontend_of", "refine"]

#: Dialects of ops that have no destination until IREE's input conversion gives them one.
FRONTEND_DIALECTS = ("stablehlo", "chlo", "tosa", "torch")
#: The frontend a dialect belongs to (chlo is StableHLO's client dialect).
_FRONTEND_OF = {"stablehlo": "stablehlo", "chlo": "stablehlo", "tosa": "tosa", "torch": "torch"}
#: What a program with no frontend op is written in.
LINALG = "linalg"
_CONSTANT_INITS = ("global", "large", "nonsplat", "splat")


def frontend_of(op_names: frozenset[str] | set[str]) -> str:
    """The frontend a program is written in, by the dialects of its ops (`linalg` when none is a frontend's)."""
    dialects = {name.partition(".")[0] for name in op_names}
    return next((_FRONTEND_OF[d] for d in FRONTEND_DIALECTS if d in dialects), LINALG)


def refine(source: Source, lowered: str) -> Source:
    """`source` with each frontend op's facts (destination kind, element type, the op it becomes)
    taken from the input-phase IR (`lowered`, printed with debug locations, which point into the
    user's file): a StableHLO scatter into a constant is the `iree_linalg_ext.scatter` it lowers
    to, so the same cause gets the same key in either form. Messages still name the user's op."""
    frontend = {k: op for k, op in source.ops_at.items() if op.name.partition(".")[0] in FRONTEND_DIALECTS}
    if not frontend or not lowered:
        return source
    from iree.compiler import ir

    at: dict[tuple[int, int], SourceOp] = {}
    with ir.Context():
        try:
            module = ir.Module.parse(lowered)
        except ir.MLIRError:
            return source
        globals_ = module_globals(ir, module)
        for op in walk_ops(module):
            loc = file_loc(ir, op.location)
            if loc not in frontend or not destinations(ir, op):
                continue
            kinds, dtype = destination_facts(ir, op, globals_)
            old = at.get(loc)
            # Of the ops one frontend op becomes (a fill, then the op filling into it ...), the
            # one writing into a constant, else the last with a destination.
            if old is None or not set(old.init_kind.split(",")) & set(_CONSTANT_INITS):
                at[loc] = SourceOp(frontend[loc].name, kinds, dtype, op.operation.name, scatter_combiner(op))
    if not at:
        return source
    ops_at = {**source.ops_at, **at}
    producers = []
    for prod in source.producers:
        low = at.get(_line_col(prod.where))
        producers.append(dataclasses.replace(prod, init_kind=low.init_kind, lowered=low.lowered) if low else prod)
    return dataclasses.replace(source, ops_at=ops_at, producers=tuple(producers))


def _line_col(where: str) -> tuple[int, int] | None:
    """(line, col) of `file:line:col`."""
    _, line, col = (":" + where).rsplit(":", 2)
    return (int(line), int(col)) if line.isdigit() and col.isdigit() else None

