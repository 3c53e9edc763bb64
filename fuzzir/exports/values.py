"""A finding's inputs and outputs as text: iree-run-module's `4xf32=1 2 3 4` and MLIR constants.

MLIR literals come from `fuzzir.mlir_values` (shared with the emitter), element
types from `fuzzir.dtypes`; this module adds iree-run-module's text form and the
array-level helpers the formats use.
"""

from __future__ import annotations

import numpy as np

from fuzzir import mlir_values
from fuzzir.dtypes import ELEMENT_TYPES, mlir_name
from fuzzir.exports.finding import ExportError

#: Literals with more elements than this are written as hex bytes in check tests.
NESTED_LITERAL_LIMIT = 4096


def element_type(array: np.ndarray) -> str:
    """The MLIR element type of an array."""
    name = mlir_name(array.dtype)
    if name is None:
        raise ExportError(f"arrays of dtype {array.dtype} cannot be exported")
    return name


def is_float(array: np.ndarray) -> bool:
    return ELEMENT_TYPES[element_type(array)].is_float


def tensor_body(array: np.ndarray) -> str:
    """'4x32xi32' (the inside of tensor<...>, and the prefix of iree-run-module's text form)."""
    return "".join(f"{d}x" for d in array.shape) + element_type(array)


def tensor_type(array: np.ndarray) -> str:
    return f"tensor<{tensor_body(array)}>"


def _float_text(value: object) -> str:
    # Every f16/bf16 value is exact in f32, and str(np.float32) is its shortest round-trip text:
    # iree-run-module parses through f32, so no double rounding can creep in.
    text = str(np.float32(value)) if np.dtype(type(value)).itemsize <= 4 else repr(float(value))
    return text.lower()


def run_value(array: np.ndarray) -> str:
    """iree-run-module's textual form: '4xf32=1 2 3 4' ('f32=1' for 0-d; i1 as hex bytes)."""
    etype = element_type(array)
    flat = array.reshape(-1)
    if etype == "i1":
        words = [f"{int(v):02x}" for v in flat]
    elif ELEMENT_TYPES[etype].is_float:
        words = [_float_text(v) for v in flat]
    else:
        words = [str(int(v)) for v in flat]
    return f"{tensor_body(array)}=" + " ".join(words)


def dense_literal(array: np.ndarray) -> str:
    """`dense<...>` holding exactly these values (hex bytes over NESTED_LITERAL_LIMIT elements)."""
    return mlir_values.dense(array, element_type(array), max_nested_bytes=NESTED_LITERAL_LIMIT * array.itemsize)
