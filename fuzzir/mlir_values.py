"""MLIR literal text for values: the one printer of scalars and `dense<...>` attributes.

The emitter (constants of generated programs) and the exports (a finding's inputs
and expected outputs as constants) both need text that parses back to exactly the
same bits, so both print through here:

- integers as decimal, i1 as `true`/`false`;
- finite floats as the `repr` of their exact double value, which MLIR parses
  without double rounding; a mantissa always has a `.` (MLIR reads `1e+20` as
  the integer 1 followed by garbage, so it is printed `1.0e+20`);
- non-finite floats (inf, NaN with its payload) as hex bit patterns, which MLIR
  takes for float types;
- large data as hex bytes (`dense<"0x...">`, little-endian), which MLIR parses
  far faster than a nested list. i1 is never hex: MLIR reads its hex form packed.

Element types are MLIR names (`f32`, `bf16`, `i8`, `i1`) from `fuzzir.dtypes`.
"""

from __future__ import annotations

import math

import numpy as np

from fuzzir.dtypes import ELEMENT_TYPES, numpy_dtype


def format_scalar(value: object, etype: str) -> str:
    """An MLIR literal that parses back to exactly this value of element type `etype`."""
    t = ELEMENT_TYPES[etype]
    if etype == "i1":
        return "true" if bool(value) else "false"
    if not t.is_float:
        return str(int(value))  # type: ignore[call-overload]
    v = np.asarray(value, dtype=numpy_dtype(etype))
    f = float(v)
    if not math.isfinite(f):
        bits = v.reshape(1).view(np.dtype(t.bits_dtype))[0]
        return f"0x{int(bits):0{t.bytes * 2}X}"
    mantissa, e, exponent = repr(f).partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


def nested(data: np.ndarray, etype: str) -> str:
    """The nested-list form of `data` ('[[1, 2], [3, 4]]'); a bare scalar for 0-d data."""
    if data.ndim == 0:
        return format_scalar(data[()], etype)
    return "[" + ", ".join(nested(x, etype) for x in data) + "]"


def hex_bytes(data: np.ndarray) -> str:
    """`dense<"0x...">`: the raw little-endian bytes of `data`."""
    raw = np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tobytes()
    return f'dense<"0x{raw.hex().upper()}">'


def dense(data: np.ndarray, etype: str, *, max_nested_bytes: int | None = None) -> str:
    """`dense<...>` holding exactly `data`: nested, or hex bytes when over `max_nested_bytes`."""
    if max_nested_bytes is not None and data.nbytes > max_nested_bytes and etype != "i1" and data.ndim:
        return hex_bytes(data)
    return f"dense<{nested(data, etype)}>"
