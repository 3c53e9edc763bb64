"""Child process: load a module, call one function several times in one context, write every result.

Run as a script, never imported by fuzzir's own process: a dispatch that writes a
constant mapped from the module's read-only data faults, and a fault must take down
this child, not fuzzir. Two modes:

- one-shot, ``python calls_child.py REQUEST.json``: one request, then exit (started by
  `fuzzir.runner.run_calls` under `fuzzir.sandbox.run_tool`'s timeout and memory limit);
- warm, ``python calls_child.py --serve``: request file paths on stdin, one per line
  (`fuzzir.warm_calls`). Starting the child is most of its cost: loading IREE's
  runtime extension imports numpy (0.13 s of a one-shot child's 0.16 s, measured
  on 3.13), while the three calls of a small program take milliseconds, and the
  run-twice oracle calls once per cell of every program.

It imports IREE's native runtime extension only: `iree.runtime` itself imports
`ml_dtypes`, about a second of CPU per process (measured on 3.13). Values therefore
travel as raw bytes with their HAL element type name (bf16 and f8 need no dtype
here): into the runtime as buffer views made from bytes, out of it through the
mapped staging buffer's buffer protocol; the parent compares results byte for byte.

The module is loaded with ``VmModule.copy_buffer`` (a writable copy of the
module's data): a dispatch that writes a constant in place then gives the right
result on the first call and a different one on the next, which is what the
parent looks for. (Loaded with ``VmModule.mmap`` the same program faults on the
first call instead, checked on 3.13, and no result is seen.)

Request (JSON): ``runtime`` (directory holding the ``_runtime`` extension), ``paths`` (prepended to
sys.path), ``module``, ``driver``, ``function``, ``calls``, ``out`` (directory), and
``inputs``: one entry per argument, ``{"file", "shape", "etype"}`` for a tensor
(raw bytes in ``file``) or ``{"scalar": "int"|"float", "value"}``. Output: after
each completed call, one JSON line on stdout, ``{"call": k, "results": [...]}``,
each result ``{"file", "shape", "etype"}`` (raw bytes written to ``out``) or
``{"scalar": repr}``; a Python error stops the request with ``{"call": k, "error": ...}``
(one-shot: exit status 3); a fault ends the child by its signal, after the lines
already printed. A warm child ends each request with ``{"done": status}``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

# Started with `python -I -S`: no site, ~30 ms less per child, and this child runs for every cell.

# The runtime's objects, kept alive until `os._exit`: destroyed in the wrong order when `main` returns
# (a device before the context using it), they fault (seen on 3.13).
_KEEP: list[Any] = []


def _load_runtime(directory: str) -> Any:
    """IREE's native runtime extension from `directory` (the release in use, not necessarily the installed one)."""
    name = next(f for f in sorted(os.listdir(directory)) if f.startswith("_runtime.") and f.endswith(".so"))
    spec = importlib.util.spec_from_file_location("_runtime", os.path.join(directory, name))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _emit(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()  # a later fault must not lose the calls already reported


def _argument(rt: Any, device: Any, raw: bytes, shape: list[int], etype: Any) -> Any:
    """A buffer view of `shape` holding `raw`: copied as plain bytes, then given its shape and type.

    (Shaped by a `memoryview`, a rank-0 argument reaches the module as shape [1], and a
    zero-size one cannot be shaped at all: checked on 3.13.)"""
    memory, usage = int(rt.MemoryType.DEVICE_LOCAL), int(rt.BufferUsage.DEFAULT)
    if raw:
        buffer = device.allocator.allocate_buffer_copy(memory_type=memory, allowed_usage=usage, device=device,
                                                       buffer=memoryview(raw))
    else:
        buffer = device.allocator.allocate_buffer(memory_type=memory, allowed_usage=usage, allocation_size=0)
    return rt.HalBufferView(buffer, shape, etype)


def _calls(rt: Any, device: Any, instance: Any, req: dict[str, Any]) -> int:
    """Load the request's module in a new context and call its function `calls` times, reporting each call.

    Returns 0, or 3 after reporting a runtime error. The context and module are dropped before
    returning (context first: it uses the module), so a warm child does not grow per request."""
    with open(req["module"], "rb") as f:
        module = rt.VmModule.copy_buffer(instance, f.read())
    context = rt.VmContext(instance, modules=[rt.create_hal_module(instance, device), module])
    try:
        function = module.lookup_function(req["function"])
        if function is None:
            _emit({"call": 0, "error": f"no function @{req['function']} in the module"})
            return 3
        for k in range(1, int(req["calls"]) + 1):
            try:
                results = _call(rt, device, context, function, req, k)
            except Exception as exc:  # noqa: BLE001 - any runtime error is the answer, reported to the parent
                _emit({"call": k, "error": f"{exc.__class__.__name__}: {exc}"})
                return 3
            _emit({"call": k, "results": results})
        return 0
    finally:
        del context
        del module


def _call(rt: Any, device: Any, context: Any, function: Any, req: dict[str, Any], k: int) -> list[dict[str, Any]]:
    # Fresh argument buffers for every call: an argument the module writes must not
    # carry one call's write into the next (the arguments are the same values each time).
    args = rt.VmVariantList(len(req["inputs"]))
    for spec in req["inputs"]:
        if "scalar" in spec:
            if spec["scalar"] == "float":
                args.push_float(float(spec["value"]))
            else:
                args.push_int(int(spec["value"]))
            continue
        with open(os.path.join(req["out"], spec["file"]), "rb") as f:
            view = _argument(rt, device, f.read(), list(spec["shape"]), getattr(rt.HalElementType, spec["etype"]))
        args.push_ref(view.ref)
    rets = rt.VmVariantList(8)
    context.invoke(function, args, rets)
    results: list[dict[str, Any]] = []
    for j in range(len(rets)):
        value = rets.get_variant(j)
        if isinstance(value, bool | int | float):
            results.append({"scalar": float(value).hex() if isinstance(value, float) else str(value)})
            continue
        view = rets.get_as_object(j, rt.HalBufferView)
        results.append(_write(rt, device, view, req["out"], f"call{k}-result{j}.bin"))
    return results


def _runtime(req: dict[str, Any], cache: dict[tuple[str, str], tuple[Any, Any, Any]]) -> tuple[Any, Any, Any]:
    """(runtime extension, device, VM instance) for the request's runtime directory and driver, made once
    and kept until `os._exit` (see `_KEEP`)."""
    key = (req["runtime"], req["driver"])
    if key not in cache:
        sys.path[:0] = [p for p in req.get("paths", []) if p not in sys.path]
        rt = _load_runtime(req["runtime"])
        device = rt.get_cached_hal_driver(req["driver"]).create_default_device()
        instance = rt.VmInstance()
        cache[key] = (rt, device, instance)
        _KEEP.extend(cache[key])
    return cache[key]


def serve() -> int:
    """Warm mode: one request file path per line on stdin, until stdin ends (the parent is gone).

    Each request is answered as in one-shot mode, then `{"done": status}`. The runtime and the
    device are made once: that start-up (the extension imports numpy) is most of a one-shot
    child's time. A fault still ends this child; the parent starts another for the next request."""
    cache: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        with open(path) as f:
            req = json.load(f)
        rt, device, instance = _runtime(req, cache)
        _emit({"done": _calls(rt, device, instance, req)})
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--serve"]:
        return serve()
    with open(argv[1]) as f:
        req = json.load(f)
    rt, device, instance = _runtime(req, {})
    return _calls(rt, device, instance, req)


def _etype_name(rt: Any, etype: Any) -> str:
    """A result's HAL element type by name (the view gives a bare integer)."""
    names = {int(getattr(rt.HalElementType, n)): n for n in dir(rt.HalElementType) if n.isupper()}
    return names.get(int(etype), str(int(etype)))


def _write(rt: Any, device: Any, view: Any, out: str, name: str) -> dict[str, Any]:
    """Copy a result buffer view to the host (through a staging buffer) and write its bytes."""
    size = view.byte_length
    source = view.get_buffer()
    staging = device.allocator.allocate_buffer(
        memory_type=int(rt.MemoryType.HOST_LOCAL | rt.MemoryType.DEVICE_VISIBLE),
        allowed_usage=int(rt.BufferUsage.TRANSFER_TARGET | rt.BufferUsage.MAPPING_SCOPED),
        allocation_size=max(source.byte_length(), 1))
    if size:
        semaphore = device.create_semaphore(0)
        device.queue_copy(source, staging, wait_semaphores=rt.HalFence.create_at(semaphore, 0),
                          signal_semaphores=rt.HalFence.create_at(semaphore, 1))
        rt.HalFence.create_at(semaphore, 1).wait()
    with open(os.path.join(out, name), "wb") as f:
        f.write(memoryview(staging.map()).cast("B")[:size])
    return {"file": name, "shape": list(view.shape), "etype": _etype_name(rt, view.element_type)}


if __name__ == "__main__":
    # No interpreter teardown (see `_KEEP`): everything the parent needs is written by now.
    status = main(sys.argv)
    sys.stdout.flush()
    os._exit(status)
