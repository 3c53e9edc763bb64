"""Run a compiled module with ``iree-run-module`` in a sandboxed subprocess.

Runtime faults (device hangs, driver crashes) must not take fuzzir down, so the
module never runs in-process. Checked with iree-run-module 3.13:

* inputs and outputs as ``.npy`` work for f32, f16, i8, i32, i1 (numpy bool)
  and 0-d tensors (``tensor<f32>`` <-> shape ``()`` arrays);
* several results need one ``--output=@outputK.npy`` per result, and the count
  must match exactly (too many is an OUT_OF_RANGE error): the caller passes the
  result types when it knows them (the judge does, from the program model);
  otherwise they are read from the module's exported signature with an extra
  ``iree-dump-module`` subprocess;
* scalar arguments (`i32`, `f16`, `index` ...) are values in the argv, not files, and
  scalar results come back as 0-d arrays of their VM type (see `commands.read_scalar`);
* bf16 has no numpy dtype, and writing a bf16 result to ``.npy`` fails
  ("unsupported data encoding"): bf16 values go through raw ``.bin`` files and
  ``ml_dtypes.bfloat16`` instead.

The argv comes from :mod:`fuzzir.commands` (the builder repro.sh uses too) and
runs with ``cwd=workdir``: inputs are written there as ``input<i>.npy``, outputs
read back from ``output<i>.npy``, and the module is named relative to workdir
when it lies inside it (``module.vmfb`` for a vmfb compiled there), else absolutely.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fuzzir import commands as cmds
from fuzzir.compiler import classify
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.source import SCALAR_TYPES
from fuzzir.targets import Target, driver_memory_limit

# Re-exported: the compare flags live with the command builder.
EXACT_VALUE_FLAGS = cmds.EXACT_VALUE_FLAGS
BYTE_EXACT_FLAGS = cmds.BYTE_EXACT_FLAGS

_EXPORT = re.compile(r"^\s*\[\s*\d+\]\s+(?P<name>[\w.$-]+)\((?P<args>.*)\) -> \((?P<res>.*)\)\s*$")
_DECL = re.compile(r"iree\.abi\.declaration: .*?func @(?P<name>[\w.$-]+)\(.*\) -> (?P<res>.*)$")
_RESULT_TYPE = re.compile(r"%output\d+: (tensor<[^>]*>|[a-z]\w*)")


@dataclass
class RunResult:
    """Outcome of one module invocation."""

    status: str
    outputs: list[np.ndarray] = field(default_factory=list)
    stderr: str = ""
    signal: int | None = None
    seconds: float = 0.0
    command: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the function ran and all outputs were read back."""
        return self.status == "ok"


def expected_output_args(paths: list[str], *, byte_exact: bool = False) -> list[str]:
    """``--expected_output=@path`` flags plus an exact compare mode.

    By default values must be equal (zero tolerance, -0.0 == 0.0);
    byte_exact=True asks for IREE's bitwise compare instead.
    """
    return [*cmds.compare_flags(exact=True, byte_exact=byte_exact), *(f"--expected_output=@{p}" for p in paths)]


def _signature(vmfb: str, function: str) -> tuple[int, list[str]] | None:
    """Number of results of function and their declared types (may be empty)."""
    res = run_tool([tool_path("iree-dump-module"), vmfb], timeout=30)
    if not res.ok:
        return None
    count: int | None = None
    types: list[str] = []
    for line in res.stdout.splitlines():
        m = _EXPORT.match(line)
        if m and m["name"] == function and count is None:
            body = m["res"].strip()
            count = len([p for p in body.split(",") if p.strip()]) if body else 0
            continue
        d = _DECL.search(line)
        if d and d["name"] == function and not types:
            types = _RESULT_TYPE.findall(d["res"])
    if count is None:
        return None
    return count, types if len(types) == count else []


def run_module(
    vmfb: str,
    target: Target,
    inputs: list[np.ndarray],
    *,
    workdir: str,
    timeout: float = 60.0,
    function: str = "main",
    result_types: Sequence[str] | None = None,
) -> RunResult:
    """Run ``function`` of vmfb on target's device; never raises on runtime failure.

    result_types: the MLIR types of the function's results (``tensor<4xf32>``), when the
    caller knows them; they give the ``--output`` count and which results are bf16, and
    save the ``iree-dump-module`` subprocess that otherwise reads them from the module.
    """
    os.makedirs(workdir, exist_ok=True)
    workdir = os.path.abspath(workdir)
    start = time.monotonic()
    vmfb = os.path.abspath(vmfb)
    types: list[str | None]
    if result_types is None:
        sig = _signature(vmfb, function)
        if sig is None:
            return RunResult(
                "error",
                stderr=f"error: cannot read the signature of @{function} from {vmfb}",
                seconds=time.monotonic() - start,
            )
        n_out, out_types = sig
        types = list(out_types) if out_types else [None] * n_out
    else:
        types = list(result_types)
    module = os.path.relpath(vmfb, workdir)
    if module.startswith(os.pardir):
        module = vmfb
    for k, array in enumerate(inputs):
        if cmds.is_scalar(array):
            continue  # passed as text in the argv
        array = np.asarray(array)
        path = os.path.join(workdir, cmds.array_file("input", k, array))
        if path.endswith(".bin"):
            array.tofile(path)
        else:
            np.save(path, array)
    out_files = cmds.output_files(types)
    for name, _ in out_files:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(workdir, name))
    argv = cmds.run_step(target, inputs, module=module, function=function) + cmds.output_args(types)
    remaining = max(0.1, timeout - (time.monotonic() - start))
    res = run_tool(
        [tool_path(argv[0]), *argv[1:]],
        timeout=remaining,
        mem_limit_mb=driver_memory_limit(target.driver),
        cwd=workdir,
    )
    result = RunResult(
        classify(res), stderr=res.stderr, signal=res.signal, seconds=res.seconds, command=argv
    )
    if result.status != "ok":
        return result
    try:
        for (name, bf16), t in zip(out_files, types, strict=True):
            path = os.path.join(workdir, name)
            if t in SCALAR_TYPES:
                result.outputs.append(cmds.read_scalar(np.load(path), t))
            elif bf16 is None:
                result.outputs.append(np.load(path))
            else:
                import ml_dtypes

                raw = np.fromfile(path, dtype=ml_dtypes.bfloat16)
                result.outputs.append(raw.reshape(bf16))
    except (OSError, ValueError, ImportError) as exc:
        result.status = "error"
        result.outputs = []
        result.stderr += f"\nerror: cannot read outputs: {exc}"
    return result
