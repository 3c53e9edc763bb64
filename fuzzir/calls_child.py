"""Child process: load a module once, call one function several times in one context, write every result.

Run as a script (``python calls_child.py REQUEST.json``), never imported by fuzzir's
own process: a dispatch that writes a constant mapped from the module's read-only
data faults, and a fault must take down this child, not fuzzir (`fuzzir.runner.run_calls`
starts it under `fuzzir.sandbox.run_tool`'s timeout and memory limit).

It imports numpy and IREE's native runtime extension only. `iree.runtime` itself
is avoided on purpose: it imports `ml_dtypes`, which costs about a second of CPU
per process (measured on 3.13), more than the calls themselves, and this child
runs once per cell of every program. Values therefore travel as raw bytes with
their HAL element type name, so bf16 and f8 need no dtype here; results are
compared byte for byte by the parent.

The module is loaded with ``VmModule.copy_buffer`` (a writable copy of the
module's data): a dispatch that writes a constant in place then gives the right
result on the first call and a different one on the next, which is what the
parent looks for. (Loaded with ``VmModule.mmap`` the same program faults on the
first call instead, checked on 3.13, and no result is seen.)

Request (JSON): ``runtime`` (directory holding the ``_runtime`` extension), ``paths`` (for numpy),
``module``, ``driver``, ``function``, ``calls``, ``out`` (directory), and
``inputs``: one entry per argument, ``{"file", "shape", "etype"}`` for a tensor
(raw bytes in ``file``) or ``{"scalar": "int"|"float", "value"}``. Output: after
each completed call, one JSON line on stdout, ``{"call": k, "results": [...]}``,
each result ``{"file", "shape", "etype"}`` (raw bytes written to ``out``) or
``{"scalar": repr}``; a Python error ends the child with ``{"call": k, "error": ...}``
and exit status 3 (a fault ends it by its signal, after the lines already printed).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

# Started with `python -I -S` (no site: ~30 ms less per child, and this child runs for every
# cell); the request names the directory numpy is imported from. Set in `main`.
np: Any = None


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


def main(argv: list[str]) -> int:
    global np
    with open(argv[1]) as f:
        req = json.load(f)
    sys.path[:0] = req.get("paths", [])
    import numpy

    np = numpy
    rt = _load_runtime(req["runtime"])
    device = rt.get_cached_hal_driver(req["driver"]).create_default_device()
    instance = rt.VmInstance()
    with open(req["module"], "rb") as f:
        module = rt.VmModule.copy_buffer(instance, f.read())
    context = rt.VmContext(instance, modules=[rt.create_hal_module(instance, device), module])
    _KEEP.extend([rt, device, instance, module, context])
    function = module.lookup_function(req["function"])
    if function is None:
        _emit({"call": 0, "error": f"no function @{req['function']} in the module"})
        return 3
    memory = int(rt.MemoryType.DEVICE_LOCAL)
    usage = int(rt.BufferUsage.DEFAULT)
    for k in range(1, int(req["calls"]) + 1):
        try:
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
                etype = getattr(rt.HalElementType, spec["etype"])
                width = rt.HalElementType.dense_byte_count(etype)
                carrier = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[width]  # same width, any type
                raw = np.fromfile(os.path.join(req["out"], spec["file"]), dtype=carrier)
                view = device.allocator.allocate_buffer_copy(
                    memory_type=memory, allowed_usage=usage, device=device,
                    buffer=raw.reshape(spec["shape"]), element_type=etype)
                args.push_ref(view.ref)
            rets = rt.VmVariantList(8)
            context.invoke(function, args, rets)
            results = []
            for j in range(len(rets)):
                value = rets.get_variant(j)
                if isinstance(value, bool | int | float):
                    results.append({"scalar": float(value).hex() if isinstance(value, float) else str(value)})
                    continue
                view = rets.get_as_object(j, rt.HalBufferView)
                results.append(_write(rt, device, view, req["out"], f"call{k}-result{j}.bin"))
        except Exception as exc:  # noqa: BLE001 - any runtime error is the answer, reported to the parent
            _emit({"call": k, "error": f"{exc.__class__.__name__}: {exc}"})
            return 3
        _emit({"call": k, "results": results})
    return 0


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
    data = staging.map().asarray([max(source.byte_length(), 1)], np.dtype(np.uint8))[:size]
    data.tofile(os.path.join(out, name))
    return {"file": name, "shape": list(view.shape), "etype": _etype_name(rt, view.element_type)}


if __name__ == "__main__":
    # No interpreter teardown (see `_KEEP`): everything the parent needs is written by now.
    status = main(sys.argv)
    sys.stdout.flush()
    os._exit(status)
