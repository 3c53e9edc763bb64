"""The one table of element types: MLIR name, numpy dtype, width, and the bit pattern dtype.

Every module that maps MLIR element types to numpy (the model, the emitter, the
exports, the IR checks) reads it here, so a new type is added in one place.
`bf16` has no numpy dtype of its own; `ml_dtypes` provides one when installed.

`VALUE_TYPES` adds the types fuzzir passes, reads back and compares in programs it did
not write, but never generates or models: the f8 formats IREE's own tests use (through
`ml_dtypes`) and complex numbers. iree-run-module has no `.npy` form for them (nor for
bf16): their values travel as raw little-endian `.bin` files (`RAW_TYPES`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ElementType:
    name: str  # as MLIR prints it: "f32", "i8"
    numpy: str | None  # numpy dtype name; None when numpy has none (bf16 without ml_dtypes)
    bytes: int
    bits_dtype: str  # unsigned integer dtype of the same width, for hex bit patterns

    @property
    def is_float(self) -> bool:
        return self.name.startswith(("f", "bf"))


ELEMENT_TYPES: dict[str, ElementType] = {
    t.name: t
    for t in (
        ElementType("f64", "float64", 8, "uint64"),
        ElementType("f32", "float32", 4, "uint32"),
        ElementType("f16", "float16", 2, "uint16"),
        ElementType("bf16", "bfloat16", 2, "uint16"),
        ElementType("i64", "int64", 8, "uint64"),
        ElementType("i32", "int32", 4, "uint32"),
        ElementType("i16", "int16", 2, "uint16"),
        ElementType("i8", "int8", 1, "uint8"),
        ElementType("i1", "bool", 1, "uint8"),
    )
}
#: Element types of values fuzzir passes and compares but does not generate: MLIR name -> numpy dtype name
#: (the f8 ones from `ml_dtypes`).
VALUE_TYPES: dict[str, str] = {
    "f8E4M3FNUZ": "float8_e4m3fnuz", "f8E5M2FNUZ": "float8_e5m2fnuz", "f8E4M3FN": "float8_e4m3fn",
    "f8E5M2": "float8_e5m2", "complex<f32>": "complex64", "complex<f64>": "complex128",
}
#: Element types whose values go to and from iree-run-module as raw `.bin` files (it writes no `.npy` of them).
RAW_TYPES = ("bf16", *VALUE_TYPES)
#: numpy dtype name -> MLIR element type (unsigned arrays print as their signless width).
FROM_NUMPY: dict[str, str] = {
    **{t.numpy: t.name for t in ELEMENT_TYPES.values() if t.numpy},
    **{numpy: name for name, numpy in VALUE_TYPES.items()},
    "uint8": "i8", "uint16": "i16", "uint32": "i32", "uint64": "i64",
}


def numpy_dtype(name: str) -> np.dtype:
    """The numpy dtype of an MLIR element type (bf16 through ml_dtypes)."""
    t = ELEMENT_TYPES[name]
    if t.name == "bf16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    assert t.numpy is not None
    return np.dtype(t.numpy)


def value_dtype(name: str) -> np.dtype:
    """The numpy dtype of an element type fuzzir passes or reads back (`ELEMENT_TYPES` and `VALUE_TYPES`)."""
    if name in ELEMENT_TYPES:
        return numpy_dtype(name)
    numpy = VALUE_TYPES[name]
    if numpy.startswith("float8"):
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, numpy))
    return np.dtype(numpy)


def element_bytes(name: str) -> int | None:
    t = ELEMENT_TYPES.get(name)
    return t.bytes if t else None


def mlir_name(dtype: np.dtype) -> str | None:
    """The MLIR element type of a numpy dtype, or None when it has none."""
    return FROM_NUMPY.get(np.dtype(dtype).name)
