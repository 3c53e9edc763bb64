"""Run a compiled module with ``iree-run-module`` in a sandboxed subprocess.

Runtime faults (device hangs, driver crashes) must not take fuzzir down, so the
module never runs in-process. Checked with iree-run-module 3.13:

* inputs and outputs as ``.npy`` work for f32, f16, i8, i32, i1 (numpy bool)
  and 0-d tensors (``tensor<f32>`` <-> shape ``()`` arrays);
* several results need one ``--output=@outK.npy`` per result, and the count
  must match exactly (too many is an OUT_OF_RANGE error), so the result count
  is read first from the module's exported signature (``iree-dump-module``);
* bf16 has no numpy dtype, and writing a bf16 result to ``.npy`` fails
  ("unsupported data encoding"): bf16 values go through raw ``.bin`` files and
  ``ml_dtypes.bfloat16`` instead.

All paths in ``RunResult.command`` are relative to workdir (the command runs
with ``cwd=workdir``) except ``--module=``, which is absolute; argv[0] is the
bare tool name.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

import numpy as np

from fuzzir.compiler import classify
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import Target, driver_memory_limit

# Zero-tolerance "approximate" compare: |actual - expected| <= 0 per element.
# This is an exact *value* compare that, unlike --equality_mode=exact (a byte
# compare), treats -0.0 == 0.0 and NaN == NaN: the sign of a zero depends on
# summation order, which is not a bug when inputs are small integers.
EXACT_VALUE_FLAGS: tuple[str, ...] = (
    "--equality_mode=approximate",
    "--expected_f16_threshold=0",
    "--expected_bf16_threshold=0",
    "--expected_f32_threshold=0",
    "--expected_f64_threshold=0",
    "--expected_rtol=0",
)
BYTE_EXACT_FLAGS: tuple[str, ...] = ("--equality_mode=exact",)

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
    mode = BYTE_EXACT_FLAGS if byte_exact else EXACT_VALUE_FLAGS
    return [*mode, *(f"--expected_output=@{p}" for p in paths)]


def _is_bf16(array: np.ndarray) -> bool:
    return array.dtype.name == "bfloat16"


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


def _bf16_shape(type_text: str) -> tuple[int, ...] | None:
    m = re.fullmatch(r"tensor<((?:\d+x)*)bf16>", type_text)
    if not m:
        return None
    return tuple(int(d) for d in m.group(1).split("x") if d)


def run_module(
    vmfb: str,
    target: Target,
    inputs: list[np.ndarray],
    *,
    workdir: str,
    timeout: float = 60.0,
    function: str = "main",
) -> RunResult:
    """Run ``function`` of vmfb on target's device; never raises on runtime failure."""
    os.makedirs(workdir, exist_ok=True)
    start = time.monotonic()
    vmfb = os.path.abspath(vmfb)
    sig = _signature(vmfb, function)
    if sig is None:
        return RunResult(
            "error",
            stderr=f"error: cannot read the signature of @{function} from {vmfb}",
            seconds=time.monotonic() - start,
        )
    n_out, out_types = sig
    argv = [
        "iree-run-module",
        f"--device={target.driver}",
        f"--module={vmfb}",
        f"--function={function}",
    ]
    for k, array in enumerate(inputs):
        array = np.asarray(array)
        if _is_bf16(array):
            name = f"in{k}.bin"
            array.tofile(os.path.join(workdir, name))
            dims = "".join(f"{d}x" for d in array.shape)
            argv.append(f"--input={dims}bf16=@{name}")
        else:
            name = f"in{k}.npy"
            np.save(os.path.join(workdir, name), array)
            argv.append(f"--input=@{name}")
    out_files: list[tuple[str, tuple[int, ...] | None]] = []
    for k in range(n_out):
        bf16 = _bf16_shape(out_types[k]) if out_types else None
        name = f"out{k}.bin" if bf16 is not None else f"out{k}.npy"
        path = os.path.join(workdir, name)
        if os.path.exists(path):
            os.unlink(path)
        argv.append(f"--output=@{name}")
        out_files.append((name, bf16))
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
        for name, bf16 in out_files:
            path = os.path.join(workdir, name)
            if bf16 is None:
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
