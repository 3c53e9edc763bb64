#!/usr/bin/env python3
"""Convert IREE's own end-to-end check tests into programs `fuzzir check` accepts, and establish
their verdicts with IREE's tools and numpy alone.

IREE's e2e tests (``tests/e2e/<suite>/*.mlir`` in an IREE checkout) are functions with no arguments
and no results that compute values and compare them with ``check.expect_*`` ops, run by
``iree-check-module`` (which the wheels do not ship). Each such function becomes one program here:
the check ops are dropped and the values they checked are returned instead, in order; every other
function of the file is kept, private, so calls still resolve; ``util.unfoldable_constant`` and
everything else stays as written. What each check expected is kept in ``manifest.json`` (the check,
its tolerance), so that the ``verdicts`` step can judge the program without fuzzir.

Two steps, no network::

    # write tests/data/iree_e2e/<suite>__<file>__<function>.mlir and manifest.json
    python scripts/convert_iree_e2e.py convert /path/to/iree --out tests/data/iree_e2e [--only LIST]
    # compile each at llvm-cpu and run it twice in one runtime context: expected.json
    python scripts/convert_iree_e2e.py verdicts tests/data/iree_e2e

Why the verdicts step does not use fuzzir: ``expected.json`` is what fuzzir's oracles are tested
against, so it is established with IREE's own compiler and runtime, numpy, and IREE's own expected
values (the checks' operands), plus a direct reading of the stream IR with IREE's Python bindings
for constants the program writes. A program's verdict is ``defect`` when IREE computes a value the
test did not expect, when a second call in the same context returns something else than the first
(a constant was written in place: the narrow-N matmul tests) or, with the module loaded by ``mmap``, a call
faults (a write into read-only constant memory), when a dispatch binds a constant's resource
read-write, or when a constant is copied into a resource whose first writer reads the old
values or overwrites all of them (an avoidable copy-on-write); otherwise ``clean``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

SUITES = ("stablehlo_ops", "linalg", "linalg_ext_ops", "tosa_ops", "tensor_ops")
CHECK_OPS = ("check.expect_eq", "check.expect_eq_const", "check.expect_almost_eq", "check.expect_almost_eq_const",
             "check.expect_true", "check.expect_false", "check.expect_all_true")
#: check.expect_almost_eq's defaults (IREE's CheckOps.td): atol 1e-4, rtol 0, as numpy.isclose.
DEFAULT_ATOL, DEFAULT_RTOL = 1e-4, 0.0
CPU_FLAGS = ["--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
             "--iree-llvmcpu-target-cpu=host"]


@dataclass
class Output:
    """One returned value and the check that compared it in IREE's test."""

    check: str  # the check op's name
    atol: float | None = None
    rtol: float | None = None


@dataclass
class Converted:
    name: str
    source: str  # tests/e2e/<suite>/<file>.mlir
    function: str
    outputs: list[Output] = field(default_factory=list)


# --------------------------------------------------------------------------- convert


def _test_functions(module) -> list:  # noqa: ANN001  (an ir.Module)
    """Public functions with no arguments and no results that hold check ops: IREE's tests."""
    from iree.compiler.dialects import func

    found = []
    for op in module.body.operations:
        if not isinstance(op, func.FuncOp) or op.is_external:
            continue
        ftype = op.type
        if ftype.inputs or ftype.results or "sym_visibility" in op.attributes:
            continue
        top = [o.operation.name in CHECK_OPS for o in op.entry_block.operations]
        nested = sum(o.operation.name in CHECK_OPS for o in _walk(op)) - sum(top)
        if any(top) and not nested:  # a check inside a region cannot become a result
            found.append(op.sym_name.value)
    return found


def _rewrite(text: str, function: str, paired: bool) -> tuple[str, list[Output]]:
    """The module with ``function`` returning what its checks compared (and, ``paired``, what they expected).

    Every other function is kept private; other test functions are dropped.
    """
    from iree.compiler import ir
    from iree.compiler.dialects import arith, func

    ctx = ir.Context()
    module = ir.Module.parse(text, ctx)
    tests = set(_test_functions(module))
    target = None
    for op in list(module.body.operations):
        if not isinstance(op, func.FuncOp):
            continue
        name = op.sym_name.value
        if name == function:
            target = op
        elif name in tests:
            op.operation.erase()
        elif not op.is_external:
            op.attributes["sym_visibility"] = ir.StringAttr.get("private", ctx)
    if target is None:
        raise ValueError(f"no test function @{function}")
    block = target.entry_block
    actual, expected, outputs = [], [], []
    with ctx, ir.Location.unknown(ctx):
        for op in list(block.operations):
            name = op.operation.name
            if name not in CHECK_OPS:
                continue
            attrs = op.operation.attributes
            atol = ir.FloatAttr(attrs["atol"]).value if "atol" in attrs else None
            rtol = ir.FloatAttr(attrs["rtol"]).value if "rtol" in attrs else None
            actual.append(op.operands[0])
            outputs.append(Output(name.removeprefix("check."), atol, rtol))
            if paired:
                with ir.InsertionPoint(op):
                    if name.endswith("_const"):
                        expected.append(arith.ConstantOp(attrs["value"].type, attrs["value"]).result)
                    elif len(op.operands) > 1:
                        expected.append(op.operands[1])
            op.operation.erase()
        ret = list(block.operations)[-1]
        if not isinstance(ret, func.ReturnOp) or ret.operands:
            raise ValueError(f"@{function} does not end in a plain return")
        values = actual + expected
        with ir.InsertionPoint(ret):
            func.ReturnOp(values)
        ret.operation.erase()
        target.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get([], [v.type for v in values]))
    return str(module), outputs


def convert(checkout: Path, out: Path, only: set[str] | None) -> list[Converted]:
    """Convert every test function of the suites (or those named in ``only``) into ``out``."""
    from iree.compiler import ir

    out.mkdir(parents=True, exist_ok=True)
    done: list[Converted] = []
    skipped: dict[str, str] = {}
    for suite in SUITES:
        for path in sorted((checkout / "tests" / "e2e" / suite).glob("*.mlir")):
            text = path.read_text()
            rel = str(path.relative_to(checkout))
            try:
                functions = _test_functions(ir.Module.parse(text, ir.Context()))
            except Exception as e:  # noqa: BLE001  (the bindings raise MLIRError and others)
                skipped[rel] = f"does not parse: {str(e).splitlines()[0][:120]}"
                continue
            for function in functions:
                name = f"{suite}__{path.stem}__{function}".replace("-", "_").replace(".", "_")
                if only is not None and name not in only:
                    continue
                try:
                    program, outputs = _rewrite(text, function, paired=False)
                except Exception as e:  # noqa: BLE001
                    skipped[f"{rel}@{function}"] = str(e).splitlines()[0][:120]
                    continue
                header = (f"// Converted from IREE's {rel} @{function} (Apache-2.0 WITH LLVM-exception) by\n"
                          "// scripts/convert_iree_e2e.py: its check.expect_* ops dropped, "
                          "the values they checked returned.\n")
                (out / f"{name}.mlir").write_text(header + program)
                done.append(Converted(name, rel, function, outputs))
    manifest = {c.name: {"source": c.source, "function": c.function,
                         "outputs": [asdict(o) for o in c.outputs]} for c in done}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    if skipped:
        print(f"skipped {len(skipped)}:", *(f"  {k}: {v}" for k, v in sorted(skipped.items())), sep="\n",
              file=sys.stderr)
    return done


# --------------------------------------------------------------------------- verdicts


def _stream_writes(stream_ir: str) -> list[str]:
    """Constants the stream IR writes: read with IREE's bindings, independently of fuzzir's IR checks.

    A ``!stream.resource<constant>`` bound ``rw`` by a ``stream.cmd.dispatch`` is written in place; a
    ``stream.cmd.copy`` out of one into a resource whose first read-write dispatch loads from that
    binding, or stores all of its tensor, is an avoidable copy-on-write. A first writer that loads
    nothing and stores part only (an insert into a constant) needs the copy: not reported.
    """
    from iree.compiler import ir
    from iree.compiler.dialects import arith, func, iree_tensor_ext, stream, util

    ctx = ir.Context()
    module = ir.Module.parse(stream_ir, ctx)
    constant = ir.Type.parse("!stream.resource<constant>", ctx)
    entries: dict[str, func.FuncOp] = {}
    hosts = []
    for op in module.body.operations:
        if isinstance(op, stream.ExecutableOp):
            for inner in _walk(op):
                if isinstance(inner, func.FuncOp):
                    entries[f"{op.sym_name.value}::{inner.sym_name.value}"] = inner
        elif isinstance(op, util.FuncOp):
            hosts.append(op)

    def root(v):  # noqa: ANN001, ANN202
        for _ in range(64):
            owner = v.owner
            if isinstance(owner, ir.Block):
                parent = owner.owner
                if isinstance(parent, stream.CmdExecuteOp):
                    v = parent.resource_operands[ir.BlockArgument(v).arg_number]
                    continue
                return v
            if isinstance(owner, stream.TimepointAwaitOp):
                v = owner.resource_operands[ir.OpResult(v).result_number]
                continue
            if isinstance(owner, util.OptimizationBarrierOp):
                v = owner.operands[ir.OpResult(v).result_number]
                continue
            if isinstance(owner, stream.ResourceSubviewOp):
                v = owner.source
                continue
            return v
        return v

    def const(v) -> int | None:  # noqa: ANN001
        owner = v.owner
        if isinstance(owner, arith.ConstantOp) and isinstance(owner.value, ir.IntegerAttr):
            return owner.value.value
        return None

    def usage(dispatch, index: int, copy_length: int | None) -> tuple[bool, bool]:  # noqa: ANN001
        """(loads the binding, one store writes every byte the copy wrote)."""
        entry = entries.get("::".join(ir.SymbolRefAttr(dispatch.entry_points[0]).value))
        if entry is None:
            return True, False
        bindings = [a for a in entry.arguments if str(a.type) == "!stream.binding"]
        length = const(dispatch.resource_lengths[index])
        at_zero = const(dispatch.resource_offsets[index]) == 0
        loads = whole = False
        for op in _walk(entry):
            if isinstance(op, stream.BindingSubspanOp) and op.binding == bindings[index]:
                tensor = ir.RankedTensorType(ir.Type.parse(str(op.result.type).split(":", 1)[1][:-1], ctx))
                nbytes = None
                width = getattr(tensor.element_type, "width", 0)  # complex: none, so never "whole"
                if tensor.has_static_shape and width and width % 8 == 0:
                    nbytes = width // 8
                    for d in tensor.shape:
                        nbytes *= d
                # the subspan is the whole binding, and the binding the whole copy
                full = at_zero and const(op.byte_offset) == 0 and nbytes is not None and nbytes == length == copy_length
                for use in op.result.uses:
                    if isinstance(use.owner, iree_tensor_ext.DispatchTensorStoreOp) and use.operand_number == 1:
                        whole |= full and list(use.owner.static_sizes) == list(tensor.shape)
                    else:
                        loads = True
        return loads, whole

    found: list[str] = []
    for fn in hosts:
        copied: dict = {}  # root of a copy's target -> the bytes copied (None: not constant)
        for op in _walk(fn):
            if isinstance(op, stream.CmdCopyOp) and op.source.type == constant and op.target.type != constant:
                copied[root(op.target)] = const(op.length) if const(op.target_offset) == 0 else None
            elif isinstance(op, stream.CmdDispatchOp):
                for i, (res, access) in enumerate(zip(op.resources, op.resource_accesses, strict=True)):
                    if ir.IntegerAttr(access).value & 3 != 3:  # Read | Write
                        continue
                    if root(res).type == constant or res.type == constant:
                        found.append("constant bound rw")
                    elif root(res) in copied:
                        loads, whole = usage(op, i, copied.pop(root(res)))
                        if loads or whole:
                            found.append("constant copied for a dispatch that " + ("reads it" if loads else
                                                                                   "overwrites all of it"))
    return found


def _tool(name: str) -> str:
    """An IREE tool next to this Python (a venv's bin) when there, else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.is_file() else name


def _walk(op):  # noqa: ANN001, ANN202
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield child
                yield from _walk(child)


def _run_twice(vmfb: str, queue, mmap: bool = False) -> None:  # noqa: ANN001
    """In a child process: call the entry twice in one context.

    Loaded by copy, a module that writes a constant in place returns something else on the
    second call (when the write changes the values); loaded by ``mmap``, its constants are
    read-only memory and the first such write faults (whatever it writes).
    """
    import iree.runtime as rt
    import numpy as np

    config = rt.Config("local-task")
    ctx = rt.SystemContext(config=config)
    if mmap:
        ctx.add_vm_module(rt.VmModule.mmap(ctx.instance, vmfb))
    else:
        ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, Path(vmfb).read_bytes()))
    module = ctx.modules.module
    names = [n for n in module.vm_module.function_names if not n.startswith("__")]
    fn = module[names[0]]
    calls = []
    for _ in range(2):
        out = fn()
        out = out if isinstance(out, (tuple, list)) else [out]
        calls.append([np.asarray(o.to_host() if hasattr(o, "to_host") else o) for o in out])
    queue.put(calls)


def verdict(directory: Path, name: str, meta: dict, work: Path) -> dict:
    """Compile ``name``'s paired form at llvm-cpu, run it twice, compare with IREE's expected values."""
    import numpy as np

    result: dict = {"verdict": "clean", "why": []}
    paired = directory / "paired" / f"{name}.mlir"
    if not paired.is_file():
        return {"verdict": "unknown", "why": ["no paired program (convert with --paired)"]}
    vmfb = work / f"{name}.vmfb"
    phases = work / f"{name}.phases"
    proc = subprocess.run([_tool("iree-compile"), str(paired), *CPU_FLAGS, f"--dump-compilation-phases-to={phases}",
                           "-o", str(vmfb)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        first = next((ln for ln in proc.stderr.splitlines() if "error" in ln), proc.stderr[:200])
        return {"verdict": "defect", "why": [f"compile error: {first.strip()[:200]}"]}
    writes = _stream_writes(next(phases.glob("*.stream.mlir")).read_text())
    if writes:
        result["verdict"] = "defect"
        result["why"] += sorted(set(writes))
    spawn = mp.get_context("spawn")
    queue: mp.Queue = spawn.Queue()
    child = spawn.Process(target=_run_twice, args=(str(vmfb), queue))
    child.start()
    child.join(120)
    if child.exitcode is None:
        child.kill()
        raise RuntimeError("the calls did not finish in 120 s")
    if child.exitcode != 0:
        return {"verdict": "defect", "why": result["why"] + [f"run failed (exit {child.exitcode})"]}
    first, second = queue.get(timeout=10)
    mapped_queue: mp.Queue = spawn.Queue()
    mapped = spawn.Process(target=_run_twice, args=(str(vmfb), mapped_queue, True))
    mapped.start()
    mapped.join(120)
    if mapped.exitcode is None:
        mapped.kill()
        raise RuntimeError("the mmap-loaded calls did not finish in 120 s")
    if mapped.exitcode < 0:  # killed by a signal: SIGSEGV writing the read-only constant
        result["verdict"] = "defect"
        result["why"].append(f"loaded by mmap (constants in read-only memory) a call faults (signal "
                             f"{-mapped.exitcode}): a constant is written in place")
    elif mapped.exitcode != 0:
        raise RuntimeError(f"the mmap-loaded calls failed (exit {mapped.exitcode})")
    n = len(meta["outputs"])
    actual, expected = first[:n], first[n:]
    checks = list(meta["outputs"])
    k = 0
    for i, (out, check) in enumerate(zip(actual, checks, strict=True)):
        kind = check["check"]
        if kind in ("expect_true", "expect_false", "expect_all_true"):
            ok = bool(np.all(out != 0)) if kind != "expect_false" else bool(np.all(out == 0))
        else:
            want = expected[k]
            k += 1
            if kind.startswith("expect_almost_eq"):
                atol = DEFAULT_ATOL if check["atol"] is None else check["atol"]
                rtol = DEFAULT_RTOL if check["rtol"] is None else check["rtol"]
                a, w = out.astype(np.float64), want.astype(np.float64)
                ok = bool(np.all((a == w) | (np.isfinite(w) & (np.abs(a - w) <= atol + rtol * np.abs(w)))))
            else:
                ok = out.shape == want.shape and out.tobytes() == want.tobytes()
        if not ok:
            result["verdict"] = "defect"
            result["why"].append(f"result {i} differs from what the test expects ({kind})")
    for i, (a, b) in enumerate(zip(first[:n], second[:n], strict=True)):
        if a.tobytes() != b.tobytes():
            result["verdict"] = "defect"
            result["why"].append(f"result {i} differs between two calls in one context: {a.tolist()} then "
                                 f"{b.tolist()}")
    return result


def verdicts(directory: Path, names: set[str] | None = None) -> dict:
    manifest = json.loads((directory / "manifest.json").read_text())
    if names is not None:
        manifest = {k: v for k, v in manifest.items() if k in names}
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, meta in sorted(manifest.items()):
            try:
                out[name] = verdict(directory, name, meta, Path(tmp))
            except Exception as e:  # noqa: BLE001
                out[name] = {"verdict": "unknown", "why": [f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"]}
            print(name, out[name]["verdict"], "; ".join(out[name]["why"]), file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("convert", help="convert an IREE checkout's e2e tests")
    c.add_argument("checkout", type=Path, help="an IREE source tree (its tests/e2e is read)")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--only", type=Path, help="a file listing the program names to write, one a line")
    c.add_argument("--paired", action="store_true",
                   help="also write paired/<name>.mlir (the checks' expected values returned too) for `verdicts`")
    v = sub.add_parser("verdicts", help="establish expected.json with IREE's tools and numpy")
    v.add_argument("directory", type=Path)
    v.add_argument("--only", type=Path, help="a file listing the program names to judge, one a line")
    v.add_argument("-o", "--output", type=Path, help="where to write (default: DIRECTORY/expected.json)")
    args = parser.parse_args(argv)
    if args.cmd == "convert":
        only = set(args.only.read_text().split()) if args.only else None
        done = convert(args.checkout, args.out, only)
        if args.paired:
            _write_paired(args.checkout, args.out, done)
        print(f"converted {len(done)} programs into {args.out}")
        return 0
    result = verdicts(args.directory, set(args.only.read_text().split()) if args.only else None)
    target = args.output or args.directory / "expected.json"
    target.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0


def _write_paired(checkout: Path, out: Path, done: list[Converted]) -> None:
    (out / "paired").mkdir(exist_ok=True)
    for c in done:
        text, _ = _rewrite((checkout / c.source).read_text(), c.function, paired=True)
        (out / "paired" / f"{c.name}.mlir").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
