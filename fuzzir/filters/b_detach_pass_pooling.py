"""The decoupling pass breaks max/min pooling into a non-splat constant."""

from __future__ import annotations

from fuzzir.filters import register
from fuzzir.findings import Observation
from fuzzir.model import Program


@register("detach-pass-minmax-pooling")
def detached_minmax_pooling(program: Program, o: Observation) -> bool:
    """Max/min pooling into a non-splat constant, miscompiled by the decoupling pass.

    `iree-global-opt-detach-elementwise-from-named-ops` rewrites the op as
    fill(0) -> pooling -> `addf`(constant), i.e. max(c, x) as max(0, x) + c: the
    global-optimization IR shows it, and the program is right without the pass.
    It is target-independent, so every target's copy is this one finding.
    """
    i = o.op_index
    if o.kind != "miscompile" or o.variant != "with" or i is None or i >= len(program.ops):
        return False
    op = program.ops[i]
    return (op.name in ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min")
            and str(program.init_kind(op)) in ("nonsplat", "large", "global"))
