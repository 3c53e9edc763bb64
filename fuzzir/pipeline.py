"""Rebuild IREE's global-optimization phase as a textual pass pipeline.

IREE has no flag to disable ``iree-global-opt-detach-elementwise-from-named-ops``,
so the ``without`` variant runs the phase itself through ``iree-opt`` with that
one pass removed. The pipeline is *derived from the installed compiler* (never
hard-coded): a small probe program is compiled through the phase with
``--mlir-print-ir-after-all`` and the pass headers are read back:

* ``iree-op-pipeline-adaptor`` entries are IREE's function-like nesting
  wrappers; their nested passes are printed before them, once per function-like
  op. Each adaptor closes a group, re-emitted as ``util.initializer(...)`` and
  ``util.func(...)`` nests (the probe has one of each, so both nests are seen;
  stock IREE runs these passes on initializers too).
* The leading ``iree-hal-*`` device passes run before the phase proper and are
  dropped (they are idempotent on preprocessing output anyway).

Rebuilt with nothing removed, the pipeline run through ``iree-opt`` reproduces
``iree-compile --compile-to=global-optimization`` exactly (tested in
``tests/test_pipeline.py``). ``iree-opt`` prints a harmless "Cannot parse target
registry: unknown. Defaulting to global." for ``target-registry=unknown``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import tempfile

from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import Target

DETACH_PASS = "iree-global-opt-detach-elementwise-from-named-ops"
_CACHE_FORMAT = 1

# A util.func and a util.initializer that survives the whole phase (it calls an
# opaque external function, so neither fold-globals nor consteval can remove it),
# so every function-like nest shows up for both op kinds; a matmul into a
# constant gives the detach pass something to act on.
PROBE_PROGRAM = """\
util.func private @opaque(%x: tensor<4x16xf32>) -> tensor<4x16xf32>
util.global private mutable @g : tensor<4x16xf32>
util.initializer {
  %c = arith.constant dense<2.0> : tensor<4x16xf32>
  %v = util.call @opaque(%c) : (tensor<4x16xf32>) -> tensor<4x16xf32>
  util.global.store %v, @g : tensor<4x16xf32>
  util.return
}
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %cst = arith.constant dense<1.0> : tensor<4x16xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>)
                     outs(%cst : tensor<4x16xf32>) -> tensor<4x16xf32>
  %g = util.global.load @g : tensor<4x16xf32>
  %1 = arith.addf %0, %g : tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}
"""

_HEADER = re.compile(
    r"^// -----// IR Dump After (?P<cls>\S+): (?P<pass>.+?) "
    r"\('(?P<anchor>[^']+)' operation(?:: (?P<sym>@\S+))?\) //----- //$"
)

# Pipeline structure: a list of module-level pass strings and nests, where a nest
# is a list of [anchor, [pass strings]] pairs (one per function-like op kind).
Item = str | list[list[object]]


class PassNotFound(ValueError):
    """The requested pass does not run in the global-optimization phase."""


class PipelineError(RuntimeError):
    """The probe compile failed or its pass headers could not be read."""


def iree_compiler_version() -> str:
    """Version of the installed iree-base-compiler wheel (part of the cache key)."""
    try:
        return importlib.metadata.version("iree-base-compiler")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _pass_arg(pass_text: str) -> str:
    return pass_text.split("{", 1)[0]


def parse_pass_headers(dump: str) -> list[Item]:
    """Turn ``--mlir-print-ir-after-all`` headers into the pipeline structure."""
    items: list[Item] = []
    group: dict[str, list[str]] = {}
    first_op: dict[str, str | None] = {}
    leading = True

    def flush() -> None:
        if group:
            items.append([[anchor, passes] for anchor, passes in group.items()])
        group.clear()
        first_op.clear()

    for line in dump.splitlines():
        if not line.startswith("// -----// IR Dump After"):
            continue
        m = _HEADER.match(line)
        if m is None:
            raise PipelineError(f"cannot parse pass header: {line}")
        pass_text, anchor, sym = m["pass"], m["anchor"], m["sym"]
        arg = _pass_arg(pass_text)
        if anchor == "builtin.module":
            flush()
            if arg == "iree-op-pipeline-adaptor":
                leading = False
                continue
            if leading and arg.startswith("iree-hal-"):
                continue
            leading = False
            items.append(pass_text)
            continue
        leading = False
        # Nested passes print once per op; keep the sequence of the first op seen
        # for each anchor kind.
        if anchor not in first_op:
            first_op[anchor] = sym
            group[anchor] = []
        if first_op[anchor] == sym:
            group[anchor].append(pass_text)
    flush()
    return items


def render_pipeline(items: list[Item]) -> str:
    """Render the structure as an ``iree-opt --pass-pipeline`` string."""
    parts: list[str] = []
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        else:
            for anchor, passes in item:
                parts.append(f"{anchor}({','.join(passes)})")  # type: ignore[arg-type]
    return f"builtin.module({','.join(parts)})"


def remove_pass(items: list[Item], pass_name: str) -> list[Item]:
    """Copy of the structure without any occurrence of pass_name."""
    found = False
    out: list[Item] = []
    for item in items:
        if isinstance(item, str):
            if _pass_arg(item) == pass_name:
                found = True
            else:
                out.append(item)
            continue
        nest: list[list[object]] = []
        for anchor, passes in item:
            kept = [p for p in passes if _pass_arg(p) != pass_name]  # type: ignore[union-attr]
            found = found or len(kept) != len(passes)  # type: ignore[arg-type]
            if kept:
                nest.append([anchor, kept])
        if nest:
            out.append(nest)
    if not found:
        raise PassNotFound(f"pass {pass_name!r} is not in the global-optimization pipeline")
    return out


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "fuzzir")


def _cache_key(target: Target, extra_flags: tuple[str, ...]) -> str:
    compile_tool = tool_path("iree-compile")
    try:
        stamp = str(os.stat(compile_tool).st_mtime_ns)
    except OSError:
        stamp = ""
    blob = json.dumps(
        [
            _CACHE_FORMAT,
            iree_compiler_version(),
            os.path.realpath(compile_tool),
            stamp,
            list(target.compile_flags),
            list(extra_flags),
            PROBE_PROGRAM,
        ]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _write_atomic(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _derive(target: Target, extra_flags: tuple[str, ...]) -> list[Item]:
    compile_tool = tool_path("iree-compile")
    flags = [*target.compile_flags, *extra_flags]
    with tempfile.TemporaryDirectory(prefix="fuzzir-probe-") as tmp:
        src = os.path.join(tmp, "probe.mlir")
        pre = os.path.join(tmp, "probe.preprocessing.mlir")
        with open(src, "w") as f:
            f.write(PROBE_PROGRAM)
        first = run_tool(
            [compile_tool, *flags, "--compile-to=preprocessing", src, "-o", pre], timeout=120
        )
        if not first.ok:
            raise PipelineError(f"probe preprocessing failed: {first.stderr.strip()[:500]}")
        second = run_tool(
            [
                compile_tool,
                *flags,
                "--compile-from=preprocessing",
                "--compile-to=global-optimization",
                "--mlir-print-ir-after-all",
                "--mlir-print-ir-module-scope",
                "--mlir-disable-threading",
                pre,
                "-o",
                os.devnull,
            ],
            timeout=120,
            stderr_cap=None,
        )
        if not second.ok:
            raise PipelineError(f"probe global-optimization failed: {second.stderr[-500:]}")
        items = parse_pass_headers(second.stderr)
    if not items:
        raise PipelineError("probe printed no pass headers")
    return items


@functools.cache
def _structure(target: Target, extra_flags: tuple[str, ...]) -> tuple[str, ...]:
    key = _cache_key(target, extra_flags)
    path = os.path.join(_cache_dir(), f"global-opt-{key}.json")
    try:
        with open(path) as f:
            data = json.load(f)
        if data.get("format") == _CACHE_FORMAT:
            return (json.dumps(data["items"]),)
    except (OSError, ValueError, KeyError):
        pass
    items = _derive(target, extra_flags)
    record = {
        "format": _CACHE_FORMAT,
        "iree_compiler_version": iree_compiler_version(),
        "target_flags": list(target.compile_flags),
        "extra_flags": list(extra_flags),
        "items": items,
        "pipeline": render_pipeline(items),
    }
    try:
        _write_atomic(path, json.dumps(record, indent=1))
    except OSError:
        pass  # A read-only cache only costs a re-derivation next time.
    return (json.dumps(items),)


def _items(target: Target, extra_flags: tuple[str, ...]) -> list[Item]:
    return json.loads(_structure(target, tuple(extra_flags))[0])


def global_opt_pipeline(target: Target, extra_flags: tuple[str, ...] = ()) -> str:
    """The stock global-optimization phase for target + flags, as pipeline text."""
    return render_pipeline(_items(target, extra_flags))


def ablated_pipeline(
    target: Target,
    extra_flags: tuple[str, ...] = (),
    pass_name: str = DETACH_PASS,
) -> str:
    """The global-optimization phase with every run of pass_name removed."""
    return render_pipeline(remove_pass(_items(target, extra_flags), pass_name))
