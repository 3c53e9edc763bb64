"""The outputs of a multi-result op whose destinations are one value interfere."""

from __future__ import annotations

from fuzzir.filters import miscompiled_op, register, upstream_ops
from fuzzir.findings import Observation
from fuzzir.model import Program, Ref


@register("multi-result-shared-init")
def multi_result_shared_init(program: Program, o: Observation) -> bool:
    """A miscompile at (or downstream of) a multi-result op two of whose destinations are the
    same value: `outs(%c, %c)`, or `outs(%c, %r)` where %r was itself written into %c.

    In tensor semantics each output starts from its own copy of the value; IREE 3.13 gives both
    outputs one buffer, so one output reads the other's partial results. Established by hand
    (2026-12-02, llvm-cpu with `--iree-flow-inline-constants-max-byte-length=0`): a sum and a min
    reduced into one `dense<1.0>` constant give the sum for the min; the same op into two
    constants of different values is right. With the pass a splat init is two separate fills
    and the outputs come out right (a `latent` finding); a global or non-splat init is shared
    with the pass too (a `defect`). Seen on llvm-cpu and vmvx, for any init kind and type:
    one cause, whichever target, init or element type shows it."""
    i = miscompiled_op(program, o)
    if i is None:
        return False
    return any(_shares_a_destination(program, k) for k in upstream_ops(program, i))


def _root(program: Program, ref: Ref) -> Ref:
    """The value a destination starts from: an op's result is its own destination's root."""
    for _ in range(len(program.ops) + 1):
        if ref.kind != "op":
            return ref
        ref = program.ops[ref.index].inits[ref.result]
    return ref


def _shares_a_destination(program: Program, k: int) -> bool:
    op = program.ops[k]
    if not op.more:
        return False
    roots = [_root(program, r) for r in op.inits]
    return len(set(roots)) < len(roots)
