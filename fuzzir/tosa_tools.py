"""The TOSA reference model (the `tosa-tools` package): finding it, serializing a program, running it.

`tosa-tools` ships native binaries beside its Python code (`bin/` of the distribution):
`tosa-opt` turns TOSA MLIR into the flatbuffer the reference model reads
(`--tosa-serialize`; the graph's inputs and outputs are then named `TosaInput_<i>` and
`TosaOutput_<j>`, in argument and result order), and `tosa_reference_model` runs it on
numpy files. The console scripts on PATH are Python shims that start an interpreter per
call, so the distribution's native binaries come first; PATH is the fallback (a build of
the tools elsewhere). A machine without them gets a reason, never an import error.

The reference model exits 0 for a valid graph, 1 when the spec calls the result
UNPREDICTABLE (an integer overflow a REQUIRE forbids, for example), 2 when the graph is
an ERROR (an ERROR_IF of the spec holds); a FATAL_ERROR aborts it (and it runs gdb for a
backtrace first). Each call runs in fuzzir's sandbox (`fuzzir.sandbox.run_tool`): own
process group, timeout, memory limit.

Precise mode (`-p 1`) computes floating point in FP64: the reference value the TOSA
spec's compliance rules measure an implementation against. Asked for a tensor's
compliance mode (`DOT_PRODUCT`), the model also evaluates the graph a second time in
its bounds mode and writes `bounds_<file>`: the spec's error bound magnitudes.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import re
import shutil
from dataclasses import dataclass, field

import numpy as np

from fuzzir.sandbox import ToolResult, run_tool

__all__ = ["NOT_INSTALLED", "RefRun", "Tools", "find_tools", "first_error", "run_reference", "search_path",
           "serialize"]

NOT_INSTALLED = "tosa-tools not installed"
_OPT, _REFERENCE, _SCHEMA = "tosa-opt", "tosa_reference_model", "tosa.fbs"
#: Exit statuses of the reference model (its GraphStatus).
VALID, UNPREDICTABLE, ERROR = 0, 1, 2


@dataclass(frozen=True)
class Tools:
    """The two binaries and the flatbuffer schema the reference model needs."""

    opt: str
    reference: str
    schema: str


def search_path() -> str:
    """Where the tools are looked for: the installed distribution's native `bin/`, then PATH."""
    dirs = []
    try:
        dirs.append(str(importlib.metadata.distribution("tosa-tools").locate_file("bin")))
    except importlib.metadata.PackageNotFoundError:
        pass
    return os.pathsep.join([*dirs, os.environ.get("PATH", "")])


@functools.cache
def _locate(path: str) -> Tools | str:
    opt = shutil.which(_OPT, path=path)
    reference = shutil.which(_REFERENCE, path=path)
    if not opt or not reference:
        return NOT_INSTALLED
    # The schema sits beside the native reference model in the distribution; a shim on PATH has none
    # beside it, so every directory searched is tried.
    for d in [os.path.dirname(reference), *path.split(os.pathsep)]:
        if d and os.path.isfile(os.path.join(d, _SCHEMA)):
            return Tools(opt, reference, os.path.join(d, _SCHEMA))
    return f"{NOT_INSTALLED} (no {_SCHEMA} beside {reference})"


def find_tools() -> Tools | str:
    """The tools, or why there are none (starting with `NOT_INSTALLED`)."""
    return _locate(search_path())


_LOCATION = re.compile(r"^(FATAL ERROR|ERROR|WARNING) AT \S+ .*:$")


def first_error(result: ToolResult) -> str:
    """The tool's first error line, for a person: `error:` lines of tosa-opt, the reference's messages."""
    if result.timed_out:
        return f"timed out after {result.seconds:.0f} s"
    lines = [ln.strip() for ln in (result.stderr + "\n" + result.stdout).splitlines()]
    for i, line in enumerate(lines):
        if "error:" in line:
            return line[line.index("error:"):]
        m = _LOCATION.match(line)
        if m and m.group(1) != "WARNING":
            following = next((ln for ln in lines[i + 1:] if ln), "")
            return f"{m.group(1).lower()}: {following}"
    for line in lines:  # a warning that explains a failure, else the graph status line
        m = _LOCATION.match(line)
        if m:
            return f"warning: {next((ln for ln in lines[lines.index(line) + 1:] if ln), '')}"
    named = next((ln for ln in lines if ln.startswith("Graph result:")), "")
    if named:
        return named
    if result.signal:
        return f"killed by signal {result.signal}"
    return f"exit status {result.returncode}"


def serialize(tools: Tools, text: str, work: str, timeout: float) -> str:
    """Write `text` (TOSA MLIR, one function `@main`) as a flatbuffer in `work`; "" or the first error."""
    src = os.path.join(work, "reference.mlir")
    with open(src, "w") as f:
        f.write(text)
    res = run_tool([tools.opt, "--tosa-serialize", "--tosa-flatbuffer-filename=reference.tosa", "reference.mlir",
                    "-o", os.devnull], timeout=timeout, cwd=work)
    if not res.ok or not os.path.isfile(os.path.join(work, "reference.tosa")):
        return f"tosa-opt could not serialize it: {first_error(res)}"
    return ""


@dataclass
class RefRun:
    """One run of the reference model: its outputs (FP64 for floats in precise mode), bounds where asked."""

    status: int | None  # VALID, UNPREDICTABLE, ERROR, or None when it crashed or timed out
    outputs: list[np.ndarray] = field(default_factory=list)
    bounds: dict[int, np.ndarray] = field(default_factory=dict)  # output index -> the spec's bound magnitudes
    error: str = ""  # the first error line when it did not give outputs


def _save(path: str, value: np.ndarray) -> None:
    # bf16 (ml_dtypes) is saved as two-byte void elements: the reference model reads `<V2` as BF16.
    np.save(path, np.ascontiguousarray(value))


def run_reference(tools: Tools, work: str, inputs: list[np.ndarray], n_outputs: int, timeout: float, *,
                  precise: bool = True, bounds: dict[int, tuple[str, list[int]]] | None = None) -> RefRun:
    """Run `work/reference.tosa` (see `serialize`) on `inputs`.

    `bounds` maps output index -> (TOSA data type name, shape) of the outputs whose dot-product
    error bounds the model must also compute (needs `precise`)."""
    desc: dict = {
        "tosa_file": "reference.tosa",
        "ifm_name": [f"TosaInput_{i}" for i in range(len(inputs))],
        "ifm_file": [f"input{i}.npy" for i in range(len(inputs))],
        "ofm_name": [f"TosaOutput_{j}" for j in range(n_outputs)],
        "ofm_file": [f"output{j}.npy" for j in range(n_outputs)],
    }
    if bounds and precise:
        # The mode's parameters (ksb, abs_bound) only matter to the model's own verifier; fuzzir
        # applies the bound itself, so they are given as placeholders.
        tensors = {f"TosaOutput_{j}": {"mode": "DOT_PRODUCT", "data_type": dtype, "shape": shape,
                                       "dot_product_info": {"s": 0, "ksb": 1, "abs_bound": 2,
                                                            "variance_error_bound": 1.0}}
                   for j, (dtype, shape) in bounds.items()}
        desc["meta"] = {"compliance": {"version": "0.1", "tensors": tensors}}
        desc["test_requirements"] = {"bounds_file_required": True}
    for i, value in enumerate(inputs):
        _save(os.path.join(work, f"input{i}.npy"), value)
    for name in [*desc["ofm_file"], *(f"bounds_{f}" for f in desc["ofm_file"])]:
        if os.path.exists(os.path.join(work, name)):
            os.remove(os.path.join(work, name))
    with open(os.path.join(work, "desc.json"), "w") as f:
        json.dump(desc, f)
    argv = [tools.reference, "--operator_fbs", tools.schema, "--test_desc", "desc.json"]
    if precise:
        argv.append("--precise_mode=1")
    res = run_tool(argv, timeout=timeout, cwd=work)
    status = res.returncode if res.returncode in (VALID, UNPREDICTABLE, ERROR) else None
    if status != VALID:
        return RefRun(status, error=first_error(res))
    run = RefRun(status)
    try:
        for j in range(n_outputs):
            run.outputs.append(np.load(os.path.join(work, f"output{j}.npy")))
        for j in bounds or {}:
            run.bounds[j] = np.load(os.path.join(work, f"bounds_output{j}.npy"))
    except (OSError, ValueError) as exc:
        return RefRun(None, error=f"cannot read the reference's outputs: {exc}")
    return run
