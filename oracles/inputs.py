"""Input drawing: small integers that keep float arithmetic exact.

Inputs are drawn from the program's signature alone, with a seed. The value
range shrinks (8, 4, 2, 1, as IREE's own e2e tests use small integers) until
the reference reports the program exact; only a program that stays inexact at
range 1 (long chains of products in f16, say) is judged with the derived
tolerance. bf16 holds integers exactly only up to 2**8: its inputs start at 2.
In ``float`` mode inputs are uniform in [-1, 1] and always judged
with the derived tolerance.
"""

from __future__ import annotations

import numpy as np

from fuzzir.model import NUMPY_DTYPE, Program, is_float
from fuzzir.oracles.reference import Expectation, expect

RANGES = {"f32": (8, 4, 2, 1), "f16": (4, 2, 1), "bf16": (2, 1), "i32": (8,), "i8": (8,), "i64": (8,), "i16": (8,)}


def draw_inputs(program: Program, seed: int, values: str = "exact") -> tuple[list[np.ndarray], Expectation]:
    """Inputs for `program` and what IREE must return for them."""
    if values not in ("exact", "float"):
        raise ValueError(f"unknown value mode {values!r}; use 'exact' or 'float'")
    # The narrowest float decides, a float computed inside a body (between casts) included.
    dtypes = {t.dtype for t in program.args} | set(program.body_dtypes())
    floats = [d for d in ("bf16", "f16", "f32") if d in dtypes]
    ranges = (RANGES[floats[0]] if floats else (8,)) if values == "exact" else (1,)
    last: tuple[list[np.ndarray], Expectation] | None = None
    for r in ranges:
        rng = np.random.default_rng(seed)
        inputs = []
        for t in program.args:
            if values == "float" and is_float(t.dtype):
                x = rng.uniform(-1, 1, size=t.shape)
            else:
                x = rng.integers(-r, r + 1, size=t.shape)
            inputs.append(np.asarray(x, dtype=NUMPY_DTYPE[t.dtype]))
        expectation = expect(program, inputs)
        last = (inputs, expectation)
        if expectation.exact:
            break
    assert last is not None
    return last
