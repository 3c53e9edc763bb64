"""Vulkan's scatter that accumulates into its destination is wrong, whatever the destination."""

from __future__ import annotations

from fuzzir.filters import miscompiled_op, register, upstream_ops, upstream_source_ops
from fuzzir.findings import Observation
from fuzzir.model import SCATTER, Program
from fuzzir.source import Source

_IDEMPOTENT = frozenset({"maxsi", "minsi", "maxui", "minui", "maximumf", "minimumf", "maxnumf", "minnumf"})


@register("vulkan-scatter-accumulate")
def vulkan_scatter_accumulate(program: Program | Source, o: Observation) -> bool:
    """An `iree_linalg_ext.scatter` whose combiner adds the update to the original computes a
    wrong element on the Vulkan target (lavapipe, IREE 3.13), with or without the pass; the
    wrong values flow on, so a miscompile at an op downstream of such a scatter is its.

    Established by hand (2026-12-02): one i32 update added at one index gives 48 where 6 is
    right, into a splat constant, a non-splat constant and a plain function argument alike,
    and for i32 as for i64 (so it is not the i64 emulation it was first filed as); llvm-cpu
    is right on all of them, and the same scatter with an overwrite or a max combiner is right
    on Vulkan. One cause, whatever the destination or integer type.

    Again (2026-12-03) for a StableHLO program outside the model (`fuzzir gen --frontend
    stablehlo --seed 21`: a f32 scatter-add into a constant, then a dot, an add and a
    `reduce_window` whose output XLA shows wrong): the scatter's own result has its two
    updated elements wrong on Vulkan, each update added 8 times (-1 + 8 * -7 = -57 where -8 is
    right: the 48 = 8 * 6 above); with an overwrite or a max combiner, or without the scatter,
    the program is right on Vulkan; with a multiply combiner, with the destination a function
    argument, and with `--iree-vulkan-target=rdna3` it is wrong alike. So f32 and multiply too."""
    if isinstance(program, Source):
        return (o.kind == "miscompile" and o.target == "vulkan"
                and any(op.combiner.rpartition(".")[2] not in _IDEMPOTENT
                        for op in upstream_source_ops(program, o) if op.combiner))
    i = miscompiled_op(program, o, target="vulkan")
    if i is None:
        return False
    return any(_accumulates(program, k) for k in upstream_ops(program, i))


def _accumulates(program: Program, k: int) -> bool:
    op = program.ops[k]
    return op.family == SCATTER and op.reads_out and op.body.op not in _IDEMPOTENT
