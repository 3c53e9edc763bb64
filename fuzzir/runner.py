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
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fuzzir import commands as cmds
from fuzzir import warm_calls
from fuzzir.compiler import classify
from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB, ToolResult, run_tool, tool_path
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
    memory_limit_mb: int | None = None  # the resident-memory limit the run was killed above
    retried: str = ""  # a timeout retried with a generous limit: what became of it (`fuzzir.judge`)

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
    mem_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB,
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
        mem_limit_mb=driver_memory_limit(target.driver, mem_limit_mb),
        cwd=workdir,
    )
    result = RunResult(
        classify(res), stderr=res.stderr, signal=res.signal, seconds=res.seconds, command=argv,
        memory_limit_mb=res.memory_limit_mb,
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
            else:  # bf16, f8, complex: raw little-endian elements
                raw = np.fromfile(path, dtype=cmds.raw_dtype(t))
                result.outputs.append(raw.reshape(bf16))
    except (OSError, ValueError, ImportError) as exc:
        result.status = "error"
        result.outputs = []
        result.stderr += f"\nerror: cannot read outputs: {exc}"
    return result


# ------------------------------------------------------------------ calling a function several times
#: numpy dtype name -> IREE HAL element type name, as `iree.runtime` maps them (its `dtypes` module).
HAL_ELEMENT_TYPES = {
    "float16": "FLOAT_16", "float32": "FLOAT_32", "float64": "FLOAT_64", "bfloat16": "BFLOAT_16",
    "int8": "SINT_8", "uint8": "UINT_8", "int16": "SINT_16", "uint16": "UINT_16", "int32": "SINT_32",
    "uint32": "UINT_32", "int64": "SINT_64", "uint64": "UINT_64", "bool": "BOOL_8",
    "complex64": "COMPLEX_64", "complex128": "COMPLEX_128",
    "float8_e4m3fn": "FLOAT_8_E4M3_FN", "float8_e4m3fnuz": "FLOAT_8_E4M3_FNUZ", "float8_e5m2": "FLOAT_8_E5M2",
    "float8_e5m2fnuz": "FLOAT_8_E5M2_FNUZ", "float8_e8m0fnu": "FLOAT_8_E8M0_FNU",
}
#: HAL element type name -> numpy dtype name of a result, for showing it (the bytes are what is compared).
_RESULT_DTYPES = {
    **{hal: name for name, hal in HAL_ELEMENT_TYPES.items()},
    "INT_8": "int8", "INT_16": "int16", "INT_32": "int32", "INT_64": "int64",
}
_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls_child.py")
#: Where the child imports numpy from: it runs without `site` (`calls_child`).
_NUMPY_HOME = os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))


@dataclass(frozen=True)
class CallOutput:
    """One result of one call: a tensor's raw bytes with its shape and HAL element type, or a scalar's text."""

    shape: tuple[int, ...] = ()
    etype: str = ""
    data: bytes = b""
    scalar: str | None = None  # a scalar result (exact: a float as float.hex)

    def same(self, other: CallOutput) -> bool:
        """Bit for bit (NaN payloads and signed zeros included): bytes, not values, are compared."""
        return (self.shape, self.etype, self.data, self.scalar) == (other.shape, other.etype, other.data,
                                                                    other.scalar)

    def array(self) -> np.ndarray | str:
        """The value to show: an array of its own dtype where one is known, else the raw bytes in hex."""
        if self.scalar is not None:
            return self.scalar
        name = _RESULT_DTYPES.get(self.etype)
        try:
            if name is None:
                raise TypeError(self.etype)
            if name.startswith(("bfloat", "float8")):
                import ml_dtypes

                dtype = np.dtype(getattr(ml_dtypes, name))
            else:
                dtype = np.dtype(name)
            return np.frombuffer(self.data, dtype=dtype).reshape(self.shape)
        except (TypeError, ValueError, ImportError, AttributeError):
            return self.data.hex()


@dataclass
class CallsResult:
    """Outcome of calling one function several times in one runtime context (`run_calls`).

    `calls` holds the results of every call that completed, in order; `failed_call` is the
    call that did not (an error raised by the runtime, or the child's death), or None."""

    status: str  # "ok", or how the child ended: "error", "crash", "timeout", "oom"
    calls: list[list[CallOutput]] = field(default_factory=list)
    failed_call: int | None = None
    error: str = ""  # the runtime's message, or the child's stderr
    signal: int | None = None
    seconds: float = 0.0


def call_inputs(inputs: Sequence[np.ndarray]) -> list[dict] | str:
    """How `calls_child` receives each input, or why one cannot be passed (that input's type)."""
    specs: list[dict] = []
    for k, value in enumerate(inputs):
        if cmds.is_scalar(value):
            x = np.asarray(value)
            if x.dtype.name in ("float16", "bfloat16"):
                specs.append({"scalar": "int", "value": int(x.view(np.int16))})  # the VM has no 16-bit floats
            elif x.dtype == np.bool_ or np.issubdtype(x.dtype, np.integer):
                specs.append({"scalar": "int", "value": int(x)})
            elif x.dtype.name in ("float32", "float64"):
                specs.append({"scalar": "float", "value": float(x)})
            else:
                return f"argument {k} is a {x.dtype.name} scalar, which cannot be passed"
            continue
        array = np.require(value, requirements="C")  # (np.ascontiguousarray makes a rank-0 array rank 1)
        etype = HAL_ELEMENT_TYPES.get(array.dtype.name)
        if etype is None:
            return f"argument {k} has element type {array.dtype.name}, which cannot be passed"
        specs.append({"file": f"input{k}.bin", "shape": list(array.shape), "etype": etype, "array": array})
    return specs


def run_calls(vmfb: str, target: Target, inputs: Sequence[np.ndarray], *, workdir: str, timeout: float = 60.0,
              function: str = "main", calls: int = 2, warm: bool = True,
              mem_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB) -> CallsResult:
    """Call `function` of vmfb `calls` times with the same inputs, in one runtime context, in a child process.

    One child for all the calls (they must share the context: that is where state written by
    one call is seen by the next), under the sandbox's timeout and memory limit, so that a
    fault takes down the child only: this thread's warm child (`fuzzir.warm_calls`), or with
    `warm=False` a fresh one that runs this request alone. Inputs that cannot be passed
    (`call_inputs`) make a result with status "error" and no call. Never raises on a runtime failure."""
    start = time.monotonic()
    os.makedirs(workdir, exist_ok=True)
    workdir = os.path.abspath(workdir)
    specs = call_inputs(inputs)
    if isinstance(specs, str):
        return CallsResult("error", failed_call=1, error=specs)
    for spec in specs:
        array = spec.pop("array", None)
        if array is not None:
            array.tofile(os.path.join(workdir, spec["file"]))
    request = {"runtime": os.path.dirname(tool_path("iree-run-module")), "paths": [_NUMPY_HOME],
               "module": os.path.abspath(vmfb),
               "driver": target.driver, "function": function, "calls": calls, "out": workdir, "inputs": specs}
    with open(os.path.join(workdir, "calls.json"), "w") as f:
        json.dump(request, f)
    left = max(0.1, timeout - (time.monotonic() - start))
    limit = driver_memory_limit(target.driver, mem_limit_mb)
    if warm:
        res = warm_calls.request(os.path.join(workdir, "calls.json"), runtime=request["runtime"],
                                 driver=target.driver, timeout=left, mem_limit_mb=limit)
    else:
        res = run_tool([sys.executable, "-I", "-S", _CHILD, os.path.join(workdir, "calls.json")], timeout=left,
                       mem_limit_mb=limit, cwd=workdir)
    return _read_calls(res, workdir, calls)


def _read_calls(res: ToolResult, workdir: str, calls: int) -> CallsResult:
    """The calls `calls_child` reported on stdout, and how it ended."""
    out = CallsResult("ok", seconds=res.seconds, signal=res.signal)
    for line in res.stdout.splitlines():
        try:
            report = json.loads(line)
        except ValueError:
            continue
        if "error" in report:
            out.status, out.failed_call, out.error = "error", int(report["call"]), str(report["error"])
            return out
        outputs = []
        for r in report["results"]:
            if "scalar" in r:
                outputs.append(CallOutput(scalar=str(r["scalar"])))
                continue
            with open(os.path.join(workdir, r["file"]), "rb") as f:
                outputs.append(CallOutput(tuple(r["shape"]), str(r["etype"]), f.read()))
        out.calls.append(outputs)
    if len(out.calls) < calls:
        status = "timeout" if res.timed_out else "oom" if res.out_of_memory else "crash" if res.signal else "error"
        out.status, out.failed_call = status, len(out.calls) + 1
        out.error = (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1][:300]
    return out
