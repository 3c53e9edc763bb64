"""The decoupling pass breaks max/min pooling into a non-splat constant."""

from __future__ import annotations

from fuzzir.filters import miscompiled_op, register, upstream_ops
from fuzzir.findings import Observation
from fuzzir.model import Program


@register("detach-pass-minmax-pooling")
def detached_minmax_pooling(program: Program, o: Observation) -> bool:
    """Max/min pooling into a non-splat constant, miscompiled by the decoupling pass.

    `iree-global-opt-detach-elementwise-from-named-ops` rewrites the op as
    fill(0) -> pooling -> `addf`(constant), i.e. max(c, x) as max(0, x) + c: the
    global-optimization IR shows it, and the program is right without the pass.
    It is target-independent, so every target's copy is this one finding. Any layout
    (NHWC, NCHW, NDHWC...) is the same rewrite: a user's pooling op is modelled by its
    generic form (family `convolution` or `pooling`, a max/min body).
    """
    i = miscompiled_op(program, o, variant="with")
    if i is None:
        return False
    # The wrong values flow on: an op reading the pooling's result (even a plain copy) shows them.
    return any(_minmax_pooling_into_constant(program, k) for k in upstream_ops(program, i))


def _minmax_pooling_into_constant(program: Program, i: int) -> bool:
    op = program.ops[i]
    if str(program.init_kind(op)) not in ("nonsplat", "large", "global"):
        return False
    if op.name in ("linalg.pooling_nhwc_max", "linalg.pooling_nhwc_min"):
        return True
    body = getattr(op, "body", None)
    return (op.family in ("pooling", "convolution") and "reduction" in tuple(getattr(op, "iterators", ()))
            and getattr(body, "op", "") in _MINMAX)


_MINMAX = frozenset({"maximumf", "minimumf", "maxnumf", "minnumf", "maxsi", "minsi", "maxui", "minui"})
