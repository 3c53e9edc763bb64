"""Child process: compile StableHLO text on XLA's CPU backend, run it once, write every result.

Run as a script (``python xla_child.py REQUEST.json``), never imported by fuzzir's own
process: importing jax costs more than a second of CPU, and an XLA crash, hang or
abort must take down this child, not fuzzir (`fuzzir.xla_run` starts it under
`fuzzir.sandbox.run_tool`'s timeout and memory limit).

XLA is reached through jaxlib's client API: the CPU client's `compile_and_load`
takes the StableHLO module as text, and its executable runs on arrays put on the
device by jax (jaxlib has no public way to make a device array without jax). 64-bit
types are enabled, so i64 and f64 stay what the program says.

Request (JSON): ``program`` (the MLIR file), ``function`` (the entry function), ``out``
(directory), and ``inputs``: one ``{"file", "shape", "dtype"}`` per argument (raw bytes,
numpy or ml_dtypes dtype name). Output: one JSON line on stdout, ``{"results": [...]}``
with one ``{"file", "shape", "dtype"}`` per result (raw bytes written to ``out``), or
``{"error": "..."}`` (first line of XLA's message) and exit status 3; ``{"error": "jax not
installed"}`` and exit status 4 when jax cannot be imported.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def _dtype(np: Any, name: str) -> Any:
    try:
        return np.dtype(name)
    except TypeError:
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, name))


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return (lines[0] if lines else "XLA failed")[:300]


def main(argv: list[str]) -> int:
    with open(argv[1]) as f:
        request = json.load(f)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # XLA's info lines on stderr say nothing we read
    try:
        import jax
        import numpy as np
        from jaxlib import xla_client
    except ImportError:
        _emit({"error": "jax not installed"})
        return 4
    jax.config.update("jax_enable_x64", True)
    with open(request["program"]) as f:
        text = f.read()
    try:
        device = jax.devices("cpu")[0]
        client = device.client
        options = xla_client.CompileOptions()
        executable = client.compile_and_load(text, xla_client.DeviceList((device,)), options)
        args = []
        for spec in request["inputs"]:
            dtype = _dtype(np, spec["dtype"])
            with open(os.path.join(request["out"], spec["file"]), "rb") as f:
                value = np.frombuffer(f.read(), dtype=dtype).reshape(spec["shape"])
            args.append(jax.device_put(value, device))
        results = executable.execute_sharded(args)
        arrays = [np.asarray(shards[0]) for shards in results.disassemble_into_single_device_arrays()]
    except Exception as e:  # noqa: BLE001 - any XLA failure is reported as its first line
        _emit({"error": _first_line(e)})
        return 3
    out = []
    for k, array in enumerate(arrays):
        name = f"xla_result{k}.bin"
        with open(os.path.join(request["out"], name), "wb") as f:
            f.write(np.ascontiguousarray(array).tobytes())
        out.append({"file": name, "shape": list(array.shape), "dtype": array.dtype.name})
    _emit({"results": out})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
