"""Run a StableHLO program on XLA's CPU backend (jaxlib), in a child process, once.

The reference for `oracles.xla_reference`. XLA runs in `xla_child` under the
sandbox's timeout and memory limit, so a crash, abort or hang in XLA costs one
child, never fuzzir; jax is never imported into fuzzir's own process (it costs
more than a second of CPU). Whether jax is installed is asked of the import
system without importing it (`xla_installed`), so a machine without it gets a
reason, not an ImportError.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fuzzir.sandbox import run_tool

__all__ = ["NOT_INSTALLED", "XlaResult", "run_xla", "xla_installed"]

NOT_INSTALLED = "jax not installed"
_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xla_child.py")
#: XLA's CPU client reserves more address space than IREE's tools (its thread pools and allocator).
_MEM_LIMIT_MB = 8192


@dataclass
class XlaResult:
    """XLA's outputs (`ok`), or why there are none: `error` is one line."""

    outputs: list[np.ndarray] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.error


def xla_installed() -> bool:
    """Whether jax and jaxlib can be imported (asked without importing them)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in ("jax", "jaxlib"))
    except (ImportError, ValueError):
        return False


def run_xla(text: str, function: str, inputs: Sequence[np.ndarray], *, workdir: str,
            timeout: float = 60.0) -> XlaResult:
    """Compile `text` on XLA's CPU backend and call `function` with `inputs` once; never raises on XLA's failure."""
    start = time.monotonic()
    if not xla_installed():
        return XlaResult(error=NOT_INSTALLED)
    os.makedirs(workdir, exist_ok=True)
    workdir = os.path.abspath(workdir)
    program = os.path.join(workdir, "xla_program.mlir")
    with open(program, "w") as f:
        f.write(text)
    specs = []
    for k, value in enumerate(inputs):
        array = np.ascontiguousarray(np.asarray(value))
        name = f"xla_input{k}.bin"
        array.tofile(os.path.join(workdir, name))
        specs.append({"file": name, "shape": list(array.shape), "dtype": array.dtype.name})
    request = {"program": program, "function": function, "out": workdir, "inputs": specs}
    with open(os.path.join(workdir, "xla_request.json"), "w") as f:
        json.dump(request, f)
    res = run_tool([sys.executable, "-I", _CHILD, os.path.join(workdir, "xla_request.json")], timeout=timeout,
                   mem_limit_mb=_MEM_LIMIT_MB, cwd=workdir)
    seconds = time.monotonic() - start
    report: dict = {}
    for line in res.stdout.splitlines():
        try:
            report = json.loads(line)
        except ValueError:
            continue
    if "results" in report:
        outputs = []
        for r in report["results"]:
            with open(os.path.join(workdir, r["file"]), "rb") as f:
                data = f.read()
            outputs.append(np.frombuffer(data, dtype=_dtype(r["dtype"])).reshape(r["shape"]))
        return XlaResult(outputs, seconds=seconds)
    if "error" in report:
        return XlaResult(error=str(report["error"]), seconds=seconds)
    if res.timed_out:
        return XlaResult(error=f"XLA timed out after {timeout:.0f} s", seconds=seconds)
    how = f"signal {res.signal}" if res.signal else f"exit status {res.returncode}"
    last = (res.stderr.strip().splitlines() or [""])[-1][:200]
    return XlaResult(error=f"XLA's child process died ({how}){': ' + last if last else ''}", seconds=seconds)


def _dtype(name: str) -> np.dtype:
    try:
        return np.dtype(name)
    except TypeError:
        import ml_dtypes

        return np.dtype(getattr(ml_dtypes, name))
