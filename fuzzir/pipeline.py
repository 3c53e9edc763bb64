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
``tests/test_pipeline.py``), and every derivation checks that on the probe before
it is used or cached: a pipeline that does not reproduce the stock phase raises
`NotRebuildable` (cached too), and the `without` variant is not offered.
``iree-opt`` prints a harmless "Cannot parse target registry: unknown. Defaulting
to global." for ``target-registry=unknown``.

Older releases (`fuzzir.releases`; IREE 3.0.0 for one) print headers without pass
options (``XPass (pass-arg)``), and defaults are not what the phase runs (3.0.0's
``iree-global-opt-demote-contraction-inputs-to-bf16`` would demote every matmul to
bf16). Their options are read from ``iree-opt --dump-pass-pipeline`` of IREE's
registered ``iree-global-optimization-transformation-pipeline``, then verified as above.
The module is long because deriving, repairing and verifying the phase belong together.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import tempfile
from collections.abc import Callable

from fuzzir import scratch
from fuzzir.sandbox import depends_on_tools, run_tool, selected_iree, tool_path
from fuzzir.targets import Target

DETACH_PASS = "iree-global-opt-detach-elementwise-from-named-ops"
_CACHE_FORMAT = 2  # 2: verified against the stock phase; failures cached

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

# Two header formats: `XPass: pass-arg{options}` (IREE 3.13) and, in older releases (3.0.0),
# `XPass (pass-arg)`, which prints no options (see `_verify`).
_OLD_HEADER = re.compile(r"^// -----// IR Dump After \S+ \(", re.M)
_HEADER = re.compile(
    r"^// -----// IR Dump After (?P<cls>\S+)(?:: (?P<pass>.+?)| \((?P<arg>[^(){}]+)\)) "
    r"\('(?P<anchor>[^']+)' operation(?:: (?P<sym>@\S+))?\) //----- //$"
)

# Pipeline structure: a list of module-level pass strings and nests, where a nest
# is a list of [anchor, [pass strings]] pairs (one per function-like op kind).
Item = str | list[list[object]]


class PassNotFound(ValueError):
    """The requested pass does not run in the global-optimization phase."""


class PipelineError(RuntimeError):
    """The probe compile failed or its pass headers could not be read."""


class NotRebuildable(PipelineError):
    """The phase rebuilt from the compiler's pass headers does not reproduce the stock phase."""


@depends_on_tools
@functools.cache
def iree_opt_accepts(flag: str) -> bool:
    """Whether iree-opt knows flag: it rejects unknown options outright."""
    return run_tool([tool_path("iree-opt"), flag, "-"], timeout=30).ok


def iree_compiler_version() -> str:
    """Version of the iree-base-compiler in use (part of the cache key): the selected release's, else the installed."""
    root = selected_iree()
    if root is not None:
        return release_version(root)
    return bindings_version()


def bindings_version() -> str:
    """Version of the installed iree-base-compiler wheel, whose Python bindings fuzzir parses IR with."""
    try:
        return importlib.metadata.version("iree-base-compiler")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def release_version(root: str) -> str:
    """Version of the iree-base-compiler wheel unpacked at root (a release of `fuzzir.releases`)."""
    for dist in importlib.metadata.distributions(path=[root]):
        if (dist.metadata["Name"] or "").lower().replace("_", "-") == "iree-base-compiler":
            return dist.version
    return "unknown"


def foreign_compiler() -> str | None:
    """The version of the compiler in use when it is not the one the Python bindings come from, else None.

    IR printed by another release may not parse with the installed bindings; an IR oracle then abstains."""
    if selected_iree() is None:
        return None
    version = iree_compiler_version()
    return None if version == bindings_version() else version


def _pass_arg(pass_text: str) -> str:
    return pass_text.split("{", 1)[0]


def parse_pass_headers(dump: str) -> list[Item]:
    """Turn ``--mlir-print-ir-after-all`` headers into the pipeline structure."""
    items: list[Item] = []
    group: dict[str, list[str]] = {}
    first_op: dict[str, str | None] = {}
    current: list[tuple[str, str | None]] = []  # the (anchor, op) whose passes are printing
    leading = True

    def flush() -> None:
        if group:
            items.append([[anchor, passes] for anchor, passes in group.items()])
        group.clear()
        first_op.clear()
        current.clear()

    for line in dump.splitlines():
        if not line.startswith("// -----// IR Dump After"):
            continue
        m = _HEADER.match(line)
        if m is None:
            raise PipelineError(f"cannot parse pass header: {line}")
        pass_text, anchor, sym = m["pass"] or m["arg"], m["anchor"], m["sym"]
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
        # Without adaptor headers (older releases), a group ends when its first op of an
        # anchor kind prints again after another op did.
        if first_op.get(anchor, "") == sym and current and current[-1] != (anchor, sym):
            flush()
        if not current or current[-1] != (anchor, sym):
            current.append((anchor, sym))
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


def _tool(argv: list[str], what: str, **kwargs: object):
    res = run_tool([tool_path(argv[0]), *argv[1:]], timeout=120, **kwargs)  # type: ignore[arg-type]
    if not res.ok:
        raise PipelineError(f"{what} failed: {res.stderr.strip()[-500:]}")
    return res


_NAME = re.compile(r"[\w.-]+")


def pipeline_passes(text: str) -> list[str]:
    """Every `pass-arg{options}` of a textual pipeline, in order (anchors such as `util.func(` left out)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        m = _NAME.match(text, i)
        if m is None:
            i += 1
            continue
        end = m.end()
        if text.startswith("(", end):  # an anchor opens a nest
            i = end + 1
            continue
        depth = 0
        while end < len(text) and (depth or text[end] == "{"):  # options, braces nested
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        out.append(text[i:end])
        i = end
    return out


#: Where else pass options may be read when the compiler in use prints them nowhere: `fuzzir.releases`
#: adds one (the registered pipeline of the previous minor release). Each returns pass-arg -> spelled.
OPTION_SOURCES: list[Callable[[], dict[str, str]]] = []


def registered_options(pre: str, iree_opt: str | None = None) -> dict[str, str]:
    """pass-arg -> `pass-arg{options}` as IREE's registered global-optimization pipeline sets them.

    Older releases print no options in their pass headers (`XPass (pass-arg)`); `iree-opt
    --dump-pass-pipeline` of the registered `iree-global-optimization-transformation-pipeline`
    does, up to 3.10 (3.11 prints its nested passes as `iree-op-pipeline-adaptor`). A pass that
    pipeline gives two different option sets is left out (ambiguous). `pre`: any module the
    iree-opt reads (an empty one will do)."""
    res = run_tool([iree_opt or tool_path("iree-opt"), "--pass-pipeline=builtin.module(iree-global-optimization-"
                    "transformation-pipeline)", "--dump-pass-pipeline", pre, "-o", os.devnull], timeout=120)
    dump = res.stdout + res.stderr
    start = dump.find("builtin.module(")  # one line (3.0.0) or pretty-printed over many (3.7.0)
    text = "".join(ln.strip() for ln in dump[start:].splitlines()) if start >= 0 else ""
    seen: dict[str, set[str]] = {}
    for spelled in pipeline_passes(text):
        seen.setdefault(_pass_arg(spelled), set()).add(spelled)
    return {arg: next(iter(spelled)) for arg, spelled in seen.items() if len(spelled) == 1}


def _with_options(items: list[Item], options: dict[str, str]) -> list[Item]:
    def spell(p: str) -> str:
        return options.get(p, p) if "{" not in p else p

    return [spell(item) if isinstance(item, str) else
            [[anchor, [spell(p) for p in passes]] for anchor, passes in item]  # type: ignore[union-attr]
            for item in items]


def _verify(items: list[Item], extra_flags: tuple[str, ...], tmp: str) -> None:
    """The rebuilt stock pipeline must reproduce the stock phase on the probe, or `without` is not trustworthy."""
    opt_flags = [f for f in extra_flags if iree_opt_accepts(f)]
    try:
        _tool(["iree-opt", *opt_flags, f"--pass-pipeline={render_pipeline(items)}", "pre.mlir", "-o",
               "rebuilt.mlir"], "the rebuilt pipeline", cwd=tmp)
    except PipelineError as e:  # e.g. an option borrowed from another release that this one lacks
        raise NotRebuildable(f"IREE {iree_compiler_version()}: {str(e).splitlines()[0][:300]}") from None
    stock = _tool(["iree-opt", "stock.mlir"], "printing the stock phase", cwd=tmp).stdout
    rebuilt = _tool(["iree-opt", "rebuilt.mlir"], "printing the rebuilt phase", cwd=tmp).stdout
    if stock != rebuilt:
        line = next((i for i, (a, b) in enumerate(zip(stock.splitlines(), rebuilt.splitlines(), strict=False), 1)
                     if a != b), min(len(stock.splitlines()), len(rebuilt.splitlines())) + 1)
        raise NotRebuildable(f"IREE {iree_compiler_version()}: the global-optimization phase rebuilt from its "
                             f"pass headers does not reproduce the stock phase (probe differs at line {line})")


def _derive(target: Target, extra_flags: tuple[str, ...]) -> list[Item]:
    flags = [*target.compile_flags, *extra_flags]
    with scratch.temp_dir("probe") as tmp:
        with open(os.path.join(tmp, "probe.mlir"), "w") as f:
            f.write(PROBE_PROGRAM)
        _tool(["iree-compile", *flags, "--compile-to=preprocessing", "probe.mlir", "-o", "pre.mlir"],
              "probe preprocessing", cwd=tmp)
        second = _tool(["iree-compile", *flags, "--compile-from=preprocessing", "--compile-to=global-optimization",
                        "--mlir-print-ir-after-all", "--mlir-print-ir-module-scope", "--mlir-disable-threading",
                        "pre.mlir", "-o", "stock.mlir"], "probe global-optimization", cwd=tmp, stderr_cap=None)
        items = parse_pass_headers(second.stderr)
        if not items:
            raise PipelineError("probe printed no pass headers")
        if not _OLD_HEADER.search(second.stderr):
            _verify(items, extra_flags, tmp)
            return items
        options = registered_options(os.path.join(tmp, "pre.mlir"))
        try:
            _verify(_with_options(items, options), extra_flags, tmp)
            return _with_options(items, options)
        except NotRebuildable:
            if not OPTION_SOURCES:
                raise
        for source in OPTION_SOURCES:  # only when the release's own options do not do
            for arg, spelled in source().items():
                options.setdefault(arg, spelled)
        items = _with_options(items, options)
        _verify(items, extra_flags, tmp)
    return items


@depends_on_tools
@functools.cache
def _structure(target: Target, extra_flags: tuple[str, ...]) -> tuple[str, ...]:
    """The derived structure as JSON text, or ("!", reason) when it cannot be rebuilt faithfully."""
    key = _cache_key(target, extra_flags)
    path = os.path.join(_cache_dir(), f"global-opt-{key}.json")
    try:
        with open(path) as f:
            data = json.load(f)
        if data.get("format") == _CACHE_FORMAT:
            return ("!", data["not_rebuildable"]) if "not_rebuildable" in data else (json.dumps(data["items"]),)
    except (OSError, ValueError, KeyError):
        pass
    record: dict[str, object] = {
        "format": _CACHE_FORMAT,
        "iree_compiler_version": iree_compiler_version(),
        "target_flags": list(target.compile_flags),
        "extra_flags": list(extra_flags),
    }
    try:
        items = _derive(target, extra_flags)
        record.update(items=items, pipeline=render_pipeline(items))
        result: tuple[str, ...] = (json.dumps(items),)
    except NotRebuildable as e:  # a fact about this compiler: cached like a pipeline
        record["not_rebuildable"] = str(e)
        result = ("!", str(e))
    try:
        _write_atomic(path, json.dumps(record, indent=1))
    except OSError:
        pass  # A read-only cache only costs a re-derivation next time.
    return result


def _items(target: Target, extra_flags: tuple[str, ...]) -> list[Item]:
    structure = _structure(target, tuple(extra_flags))
    if structure[0] == "!":
        raise NotRebuildable(structure[1])
    return json.loads(structure[0])


def without_unavailable(target: Target, extra_flags: tuple[str, ...] = (), pass_name: str = DETACH_PASS) -> str | None:
    """Why the compiler in use cannot give the `without` variant (the pass is not in it, or its phase
    cannot be rebuilt faithfully), or None when it can. Flags the probe compile rejects are not this
    function's business: `ablated_pipeline` raises PipelineError for them, as before."""
    try:
        ablated_pipeline(target, tuple(extra_flags), pass_name)
    except (PassNotFound, NotRebuildable) as e:
        return str(e)
    except PipelineError:
        return None
    return None


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
