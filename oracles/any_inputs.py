"""Inputs for a program fuzzir did not write, and what its outputs' exactness is for them.

As for generated programs (`inputs`), arguments get small integers, the range
shrinking (8, 4, 2, 1; narrower for f16 and bf16) until every output is
established exact (`value_facts`); booleans get 0/1; scatter indices that are
arguments are drawn in bounds and without repeats; an argument that becomes an
offset or index (`Facts.ranges`) is drawn, every element, within the interval
that keeps each of its uses in bounds. Scalar arguments are numpy scalars
(`commands.is_scalar`), tensors arrays. Where validity cannot be established (an
argument used as an index in a way not bounded, a signature fuzzir cannot pass,
a divisor that may be zero), `Facts.invalid` says why: no input is drawn, the
program is compiled but not run, and the value oracles abstain.
"""

from __future__ import annotations

import numpy as np

from fuzzir.dtypes import numpy_dtype, value_dtype
from fuzzir.source import Arg, Source

from .lowering import Lowered
from .value_facts import Facts, IndexSpec, facts_for

RANGES = {"f16": (4, 2, 1), "bf16": (2, 1)}
DEFAULT_RANGES = (8, 4, 2, 1)


def _ranges(source: Source) -> tuple[int, ...]:
    dtypes = {a.dtype for a in (*source.args, *source.results)}
    for narrow in ("bf16", "f16"):
        if narrow in dtypes:
            return RANGES[narrow]
    return DEFAULT_RANGES


def _bounds(source: Source, r: int, facts: Facts | None) -> list[float]:
    out = []
    for k, a in enumerate(source.args):
        if facts is not None and k in facts.indices:
            out.append(float(max(facts.indices[k].highs, default=0)))
        elif facts is not None and k in facts.ranges:
            out.append(float(max(abs(x) for x in facts.ranges[k])))
        else:
            out.append(1.0 if a.dtype == "i1" else float(r))
    return out


def _index_values(rng: np.random.Generator, shape: tuple[int, ...], spec: IndexSpec, dtype: str) -> np.ndarray | None:
    """Unique in-bounds rows of scatter or gather indices (the last dimension is the index depth,
    or left out when the depth is 1), or None."""
    sizes = [h + 1 for h in spec.highs]
    total = int(np.prod(shape, dtype=np.int64))
    if not sizes or total % len(sizes) or total // len(sizes) > int(np.prod(sizes, dtype=np.int64)):
        return None
    rows = total // len(sizes)
    flat = rng.choice(int(np.prod(sizes, dtype=np.int64)), size=rows, replace=False)
    cols = np.stack(np.unravel_index(flat, sizes), axis=-1) if sizes else np.zeros((rows, 0))
    return cols.reshape(shape).astype(numpy_dtype(dtype))


def _typed(x: np.ndarray, a: Arg) -> np.ndarray | np.generic:
    """`x` as the argument's value: an array of its element type, or a numpy scalar for a scalar argument."""
    dtype = np.dtype(np.int64) if a.dtype == "index" else value_dtype(a.dtype)
    x = np.asarray(x).astype(dtype).reshape(a.shape)
    return x[()] if a.scalar else x


def draw_any_inputs(source: Source, lowered: Lowered,
                    seed: int) -> tuple[list[np.ndarray | np.generic] | None, Facts]:
    """Inputs for `source` (None when fuzzir cannot pass its arguments) and its outputs' `Facts`."""
    nothing = tuple("" for _ in source.results)
    if source.runnable:
        return None, Facts(nothing, invalid=source.runnable)
    if lowered.problem:
        return None, Facts(nothing, invalid=lowered.problem)
    for r in _ranges(source):
        facts = facts_for(lowered.text, source.function, _bounds(source, r, None))
        if facts.indices or facts.ranges:
            facts = facts_for(lowered.text, source.function, _bounds(source, r, facts))
        if facts.invalid or all(facts.exact):
            break
    if facts.invalid:  # out-of-bounds indices or a zero divisor are undefined behaviour, not bugs: never run
        return None, facts
    indices = facts.indices
    rng = np.random.default_rng(seed)
    inputs: list[np.ndarray | np.generic] = []
    for k, a in enumerate(source.args):
        if k in indices:
            x = _index_values(rng, a.shape, indices[k], a.dtype)
            if x is None:
                return None, Facts(facts.why, invalid=f"argument #{k}: scatter indices cannot be drawn in "
                                                      "bounds without repeats", indices=indices)
        elif k in facts.ranges:
            lo, hi = facts.ranges[k]
            x = rng.integers(lo, hi + 1, size=a.shape)
        elif a.dtype == "i1":
            x = rng.integers(0, 2, size=a.shape).astype(bool)
        elif a.dtype.startswith("complex"):  # small integers in both parts
            x = rng.integers(-r, r + 1, size=a.shape) + 1j * rng.integers(-r, r + 1, size=a.shape)
        else:
            x = rng.integers(-r, r + 1, size=a.shape)
        inputs.append(_typed(x, a))
    return inputs, facts
