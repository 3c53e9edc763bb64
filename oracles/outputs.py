"""Naming the op behind an output, and comparing two runs' outputs, for the value oracles.

With a model the op is the model's (index, name, family, init kind); without one
it is the source op that computes the entry function's result (`Source.producers`):
its op name stands for the family, and its destination's kind for the init kind.
"""

from __future__ import annotations

import numpy as np

from fuzzir.model import dtype_class
from fuzzir.oracles import Evidence
from fuzzir.oracles.reference import compare

Facts = tuple[int | None, str, str, str, str]  # op index, op name, family, init kind, dtype class


def result_facts(ev: Evidence, j: int) -> Facts:
    """(op index, op name, family, init kind, dtype class) of the op producing output j."""
    program = ev.program
    if program is not None:
        ref = program.results[j]
        if ref.kind != "op":
            return None, f"result{j}", "none", str(ref.kind), dtype_class(program.type_of(ref).dtype)
        op = program.ops[ref.index]
        return (ref.index, op.name, op.family, program.init_label(op, ref.result),
                dtype_class(op.result_types[ref.result].dtype))
    dclass = "unknown"
    if ev.source is not None and j < len(ev.source.results):
        dtype = ev.source.results[j].dtype
        dclass = dtype_class(dtype) if dtype else "unknown"
    if ev.source is None or j >= len(ev.source.producers) or not ev.source.producers[j].op:
        return None, f"result{j}", "none", "none", dclass
    p = ev.source.producers[j]
    return None, p.op, p.family, p.init_kind, dclass


def tolerance(ev: Evidence, j: int) -> np.ndarray | None | str:
    """How output j of two runs may differ: None (bit for bit), an absolute bound, or why it cannot be judged."""
    if ev.expectation is not None:
        tol = ev.expectation.tolerances[j]
        if tol is None:
            return None
        if np.all(np.isinf(tol)):
            return ev.expectation.why or "no error bound can be derived for it"
        return 2 * tol  # each run within tol of the exact value
    if ev.facts is None:
        return "nothing is known of its values"
    if ev.facts.invalid:
        return ev.facts.invalid
    if j >= len(ev.facts.why):
        return "its exactness was not analysed"
    return None if not ev.facts.why[j] else f"it is not established exact: {ev.facts.why[j]}"


def differ(a: np.ndarray, b: np.ndarray, tol: np.ndarray | None) -> str | None:
    """None when `b` agrees with `a` (exactly: -0.0 == 0.0, NaN == NaN; else within `tol`)."""
    return compare(np.asarray(a), np.asarray(b), tol)
