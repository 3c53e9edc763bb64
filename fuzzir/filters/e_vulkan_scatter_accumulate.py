"""Vulkan's scatter that accumulates into its destination is wrong, whatever the destination."""

from __future__ import annotations

from fuzzir.filters import miscompiled_op, register
from fuzzir.findings import Observation
from fuzzir.model import SCATTER, Program

_IDEMPOTENT = frozenset({"maxsi", "minsi", "maxui", "minui", "maximumf", "minimumf", "maxnumf", "minnumf"})


@register("vulkan-scatter-accumulate")
def vulkan_scatter_accumulate(program: Program, o: Observation) -> bool:
    """An `iree_linalg_ext.scatter` whose combiner adds the update to the original computes a
    wrong element on the Vulkan target (lavapipe, IREE 3.13), with or without the pass.

    Established by hand (2026-12-02): one i32 update added at one index gives 48 where 6 is
    right, into a splat constant, a non-splat constant and a plain function argument alike,
    and for i32 as for i64 (so it is not the i64 emulation it was first filed as); llvm-cpu
    is right on all of them, and the same scatter with an overwrite or a max combiner is right
    on Vulkan. One cause, whatever the destination or integer type."""
    i = miscompiled_op(program, o, target="vulkan")
    if i is None:
        return False
    op = program.ops[i]
    return op.family == SCATTER and op.reads_out and op.body.op not in _IDEMPOTENT
