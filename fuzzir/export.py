"""`fuzzir export`: turn a finding directory into something IREE can take upstream.

Three forms, each self-contained so it survives being copied out of the corpus:

- `lit`: the program with `// RUN:` lines that pipe `iree-compile` into
  `iree-run-module --expected_output=...` (values inlined) or into `not grep`
  for IR findings. It passes once the bug is fixed, and fails while it is not.
  lit is not in the wheels, so `run_lit` runs those lines with bash.
- `check`: an e2e test for IREE's `tests/e2e/regression/` (`check.expect_*`).
- `issue`: a Markdown bug report with the exact commands, the variant table
  and expected vs actual.

Nothing here compiles except `issue` for a miscompile (it recomputes the actual
values to show the first differing elements, when the target runs here).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fuzzir.corpus import CorpusError, load_arrays, read_entry
from fuzzir.findings import IR_KINDS, op_name
from fuzzir.pipeline import DETACH_PASS
from fuzzir.targets import TARGETS, Target

FORMATS = ("lit", "check", "issue")

# The same IR patterns repro.sh greps for: what an IR finding leaves in `--compile-to=stream` output.
IR_PATTERNS = {
    "readwrite-constant": r"dispatch\.tensor<readwrite:",
    "constant-copy": r"stream\.(cmd\.copy|async\.clone|async\.copy).*!stream\.resource<constant>",
}
# Finding kinds whose reproducer is a compile that must succeed (then a run checks the values).
COMPILE_KINDS = ("compile-error", "compiler-crash")
# A value longer than this is referenced as a .npy file in issue reports instead of inlined.
INLINE_VALUE_CHARS = 4000
# Literals with more elements than this are written as hex in check tests.
NESTED_LITERAL_LIMIT = 4096

_ELEMENT_TYPES = {
    "float32": "f32", "float16": "f16", "bfloat16": "bf16", "float64": "f64", "bool": "i1",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "i8", "uint16": "i16", "uint32": "i32", "uint64": "i64",
}
_TENSOR = re.compile(r"tensor<([^<>]*)>")


class ExportError(ValueError):
    """A finding that cannot be exported: one line, naming the directory."""


@dataclass
class FindingData:
    """Everything an export reads from a finding directory."""

    path: Path
    meta: dict
    program: str
    inputs: list[np.ndarray]
    expected: list[np.ndarray]

    @property
    def kind(self) -> str:
        return self.meta["kind"]

    @property
    def cell(self) -> dict:
        return self.meta.get("repro_cell") or {}

    @property
    def target(self) -> Target:
        return TARGETS[self.cell["target"]]

    @property
    def variant(self) -> str:
        return self.cell.get("variant", "with")

    @property
    def flags(self) -> list[str]:
        return list(self.cell.get("flags", []))

    @property
    def exact(self) -> bool:
        return bool(self.meta.get("exact", True))


def load_finding(path: Path) -> FindingData:
    """Read and validate a finding directory; every failure is an ExportError."""
    if not path.is_dir():
        raise ExportError(f"no such finding directory: {path}")
    try:
        entry = read_entry(path)
        program = (path / "program.mlir").read_text()
        inputs = load_arrays(path, "input")
        expected = load_arrays(path, "expected")
    except CorpusError as e:
        raise ExportError(str(e)) from None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise ExportError(f"{path}: cannot read the finding ({e.__class__.__name__}: {e})") from None
    cell = entry.meta.get("repro_cell")
    if not isinstance(cell, dict) or cell.get("target") not in TARGETS:
        raise ExportError(f"{path}: meta.json has no usable repro_cell (target must be one of "
                          f"{', '.join(TARGETS)})")
    if cell.get("variant", "with") not in ("with", "without"):
        raise ExportError(f"{path}: meta.json repro_cell has an unknown variant {cell.get('variant')!r}")
    data = FindingData(path, entry.meta, program, inputs, expected)
    data.inputs = _typed(data.inputs, _signature_types(program)[0])
    data.expected = _typed(data.expected, _signature_types(program)[1])
    return data


# ---------------------------------------------------------------- types and values


def _split_type(body: str) -> tuple[list[int], str]:
    """'4x32xi32' -> ([4, 32], 'i32'); 'f32' -> ([], 'f32')."""
    parts = body.split("x")
    return [int(p) for p in parts[:-1] if p.isdigit()], parts[-1]


def _signature_types(program: str) -> tuple[list[str], list[str]]:
    """Argument and result tensor types of @main, read from its signature (best effort)."""
    m = re.search(r"func\.func\s+(?:public\s+)?@main\s*\(", program)
    if not m:
        return [], []
    depth, i = 1, m.end()
    while i < len(program) and depth:
        depth += {"(": 1, ")": -1}.get(program[i], 0)
        i += 1
    args = program[m.end():i - 1]
    rest = program[i:]
    brace = rest.find("{")
    results = rest[:brace if brace >= 0 else len(rest)]
    results = results.split("attributes", 1)[0]
    return _TENSOR.findall(args), _TENSOR.findall(results)


def _typed(arrays: list[np.ndarray], types: list[str]) -> list[np.ndarray]:
    """Give raw 2-byte arrays (how bf16 survives .npy) their bf16 dtype when the signature says so."""
    out = []
    for i, a in enumerate(arrays):
        if i < len(types) and _split_type(types[i])[1] == "bf16" and a.dtype.kind == "V" and a.itemsize == 2:
            import ml_dtypes

            a = a.view(ml_dtypes.bfloat16)
        out.append(a)
    return out


def element_type(array: np.ndarray) -> str:
    """The MLIR element type of an array."""
    try:
        return _ELEMENT_TYPES[array.dtype.name]
    except KeyError:
        raise ExportError(f"arrays of dtype {array.dtype} cannot be exported") from None


def tensor_body(array: np.ndarray) -> str:
    """'4x32xi32' (the inside of tensor<...>, and the prefix of iree-run-module's text form)."""
    return "".join(f"{d}x" for d in array.shape) + element_type(array)


def tensor_type(array: np.ndarray) -> str:
    return f"tensor<{tensor_body(array)}>"


def _float_text(value: object) -> str:
    # Every f16/bf16 value is exact in f32, and str(np.float32) is its shortest round-trip text:
    # iree-run-module parses through f32, so no double rounding can creep in.
    text = str(np.float32(value)) if np.dtype(type(value)).itemsize <= 4 else repr(float(value))
    return text.lower()


def run_value(array: np.ndarray) -> str:
    """iree-run-module's textual form: '4xf32=1 2 3 4' ('f32=1' for 0-d; i1 as hex bytes)."""
    etype = element_type(array)
    flat = array.reshape(-1)
    if etype == "i1":
        words = [f"{int(v):02x}" for v in flat]
    elif etype.startswith(("f", "bf")):
        words = [_float_text(v) for v in flat]
    else:
        words = [str(int(v)) for v in flat]
    return f"{tensor_body(array)}=" + " ".join(words)


def _mlir_scalar(value: object, etype: str) -> str:
    if etype == "i1":
        return "true" if bool(value) else "false"
    if not etype.startswith(("f", "bf")):
        return str(int(value))
    f = float(np.float32(value)) if etype != "f64" else float(value)
    if np.isfinite(f):
        text = repr(f) if etype == "f64" else str(np.float32(value))
        return text if any(c in text for c in ".e") else text + ".0"
    bits = {"f32": np.uint32, "f16": np.uint16, "bf16": np.uint16, "f64": np.uint64}[etype]
    raw = np.array([value]).view(bits)[0]
    return f"0x{int(raw):0{np.dtype(bits).itemsize * 2}X}"


def _nested(data: np.ndarray, etype: str) -> str:
    if data.ndim == 0:
        return _mlir_scalar(data[()], etype)
    return "[" + ", ".join(_nested(x, etype) for x in data) + "]"


def dense_literal(array: np.ndarray) -> str:
    """`dense<...>` holding exactly these values (hex bytes when large)."""
    etype = element_type(array)
    if array.size > NESTED_LITERAL_LIMIT and etype != "i1":
        raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        return f'dense<"0x{raw.hex().upper()}">'
    return f"dense<{_nested(array, etype)}>"


# ---------------------------------------------------------------- the repro cell's commands


def _stored_commands(f: FindingData) -> list[list[str]]:
    out = []
    for text in f.meta.get("commands") or []:
        try:
            out.append(shlex.split(text))
        except ValueError:
            raise ExportError(f"{f.path}: meta.json has a command that is not valid shell") from None
    return out


def _strip_outputs(argv: list[str]) -> tuple[list[str], list[int]]:
    """argv without `-o FILE`, and the positions of its positional (input) arguments."""
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a.startswith("-o") and len(a) > 2 and not a.startswith("--"):
            continue
        out.append(a)
    inputs = [i for i, a in enumerate(out) if i > 0 and not a.startswith("-")]
    return out, inputs


def compile_chain(f: FindingData) -> list[list[str]]:
    """The repro cell's compile steps, output-free, each reading its input from the previous step.

    Taken from meta.json `commands` (the exact argv the finding was seen with); the first
    step's input is the placeholder `%s`, later steps read stdin (`-`). The last step's
    `--compile-to` is dropped: the caller decides where compilation stops.
    """
    steps = [c for c in _stored_commands(f) if c and c[0] in ("iree-compile", "iree-opt")]
    if not steps:
        from fuzzir.repro import compile_commands

        steps = compile_commands(f.target, f.variant, tuple(f.flags), DETACH_PASS, "%s", None)
    chain = []
    for n, argv in enumerate(steps):
        argv, inputs = _strip_outputs(argv)
        for i in inputs:
            argv[i] = "%s" if n == 0 else "-"
        if not inputs:
            argv.append("%s" if n == 0 else "-")
        chain.append(argv)
    chain[-1] = [a for a in chain[-1] if not a.startswith("--compile-to=")]
    return chain


def _run_compare_flags(f: FindingData) -> list[str]:
    """How outputs are compared: the stored run command's flags, else by exactness and type."""
    from fuzzir.runner import BYTE_EXACT_FLAGS, EXACT_VALUE_FLAGS

    for argv in _stored_commands(f):
        if argv and argv[0] == "iree-run-module":
            flags = [a for a in argv[1:] if a.startswith(("--equality_mode", "--expected_")) and
                     not a.startswith("--expected_output")]
            if flags:
                return flags
    if not f.exact:
        return []  # iree-run-module's default tolerances
    if any(element_type(e).startswith(("f", "bf")) for e in f.expected):
        # A value compare: the sign of a zero depends on summation order, which is not a bug.
        return list(EXACT_VALUE_FLAGS)
    return list(BYTE_EXACT_FLAGS)


def run_argv(f: FindingData, module: str = "-") -> list[str]:
    """iree-run-module with the inputs and expected outputs inlined as text."""
    argv = ["iree-run-module", f"--device={f.target.driver}", f"--module={module}", "--function=main"]
    argv += [f"--input={run_value(x)}" for x in f.inputs]
    argv += [f"--expected_output={run_value(x)}" for x in f.expected]
    return argv + _run_compare_flags(f)


def _quote(argv: list[str], src: str | None = None) -> str:
    words = []
    for a in argv:
        if a == "%s" and src is None:
            words.append("%s")
        elif a.startswith(("--input=", "--expected_output=")) and "=@" not in a:
            flag, value = a.split("=", 1)
            words.append(f'{flag}="{value}"')  # values are digits, signs, dots and letters only
        else:
            words.append(shlex.quote(src if (a == "%s" and src) else a))
    return " ".join(words)


# ---------------------------------------------------------------- lit


def _header(f: FindingData, prefix: str) -> list[str]:
    m = f.meta
    off = "removed (compiled in three steps)" if f.variant == "without" else "on (stock compiler)"
    flags = " ".join(f.flags) or "(none)"
    return [
        f"{prefix} fuzzir finding {m.get('signature', '?')}: {f.kind} on {f.target.name}, "
        f"IREE {m.get('iree_version', '?')}.",
        f"{prefix} Decoupling pass {off}; extra flags: {flags}.",
        f"{prefix} Seen: {str(m.get('message', '')).splitlines()[0] if m.get('message') else '?'}",
    ]


def lit_run_lines(f: FindingData) -> list[str]:
    """The shell commands of the lit test, with `%s` for the file itself."""
    chain = compile_chain(f)
    if f.kind in IR_KINDS:
        chain[-1] = [*chain[-1], "--compile-to=stream"]
        pattern = IR_PATTERNS[f.kind]
        return [" | ".join(_quote(c) for c in chain) + f" | not grep -E {shlex.quote(pattern)}"]
    if f.kind in COMPILE_KINDS and not f.expected:
        return [" | ".join(_quote(c) for c in chain) + " > /dev/null"]
    return [" | ".join([*(_quote(c) for c in chain), _quote(run_argv(f))])]


def export_lit(f: FindingData) -> str:
    """A lit test: passes once the bug is fixed; `run_lit` runs it without lit."""
    lines = _header(f, "//")
    if f.kind in IR_KINDS:
        lines.append("// It passes when the compiled stream IR no longer shows the violation.")
    else:
        lines.append("// It passes when the program compiles and runs to the expected values.")
    for cmd in lit_run_lines(f):
        lines.append(f"// RUN: {cmd}")
    lines.append("")
    return "\n".join(lines) + "\n" + f.program.rstrip("\n") + "\n"


_RUN = re.compile(r"^\s*//\s*RUN:(.*)$")
_SUBST = re.compile(r"%(%|s|S|t|T)")
_SHELL_PRELUDE = """set -o pipefail
not() {
  "$@"; local rc=$?
  if [ $rc -eq 0 ]; then return 1; elif [ $rc -gt 128 ]; then return $rc; fi
  return 0
}
"""


def read_run_lines(text: str) -> list[str]:
    """RUN commands of a lit file, joining lines continued with a trailing backslash."""
    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        m = _RUN.match(line)
        if not m:
            continue
        part = m.group(1).strip()
        if part.endswith("\\"):
            pending += part[:-1] + " "
            continue
        commands.append(pending + part)
        pending = ""
    if pending:
        commands.append(pending)
    return commands


def tool_env() -> dict[str, str]:
    """The environment with this Python's bin directory first on PATH: where pip put the
    IREE wheels' `iree-compile` and `iree-run-module`, even when the venv is not activated."""
    bindir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}


def run_lit(path: str | os.PathLike, *, timeout: float = 600.0, echo: bool = True) -> int:
    """Run a lit file's RUN lines with bash, as lit would: 0 when all pass, else the failing status.

    Substitutes %s (the file), %S (its directory), %t/%T (a temporary path/directory)
    and %%; `not` inverts a command's status like LLVM's (a crash stays a failure).
    """
    path = Path(path).resolve()
    commands = read_run_lines(path.read_text())
    if not commands:
        if echo:
            print(f"{path}: no RUN lines", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fuzzir-lit-") as tmp:
        values = {"%": "%", "s": shlex.quote(str(path)), "S": shlex.quote(str(path.parent)),
                  "t": shlex.quote(os.path.join(tmp, "t")), "T": shlex.quote(tmp)}
        for cmd in commands:
            line = _SUBST.sub(lambda m: values[m.group(1)], cmd)
            try:
                proc = subprocess.run(["bash", "-c", _SHELL_PRELUDE + line], cwd=tmp, capture_output=True,
                                      text=True, timeout=timeout, env=tool_env())
            except subprocess.TimeoutExpired:
                if echo:
                    print(f"RUN line timed out after {timeout:.0f}s: {cmd[:200]}", file=sys.stderr)
                return 124
            if proc.returncode != 0:
                if echo:
                    print(f"RUN line failed (exit {proc.returncode}): {cmd[:300]}", file=sys.stderr)
                    out = proc.stdout + proc.stderr
                    sys.stderr.write(out if len(out) <= 6000 else out[:3000] + "\n[...]\n" + out[-3000:])
                return proc.returncode
    return 0


# ---------------------------------------------------------------- check


def check_test_name(f: FindingData) -> str:
    """A function name from the signature: 'compile-error-3fa2…' -> 'compile_error_3fa2…'."""
    name = re.sub(r"\W", "_", str(f.meta.get("signature", f.path.name)))
    return name if re.match(r"[A-Za-z_]", name) else f"t_{name}"


def _tolerance(f: FindingData) -> str | None:
    for a in _run_compare_flags(f):
        if a.startswith("--expected_f32_threshold="):
            return a.split("=", 1)[1]
    return None


def export_check(f: FindingData) -> str:
    """An e2e test for tests/e2e/regression/: @main inlined as a private callee, values as constants."""
    if not f.expected:
        raise ExportError(f"{f.path}: no expected<i>.npy: a check test needs the expected outputs")
    name = check_test_name(f)
    impl = f"{name}_main"
    program, n = re.subn(r"func\.func\s+(?:public\s+)?@main\b", f"func.func private @{impl}", f.program)
    if n != 1:
        raise ExportError(f"{f.path}: program.mlir has no single func.func @main")
    lines = _header(f, "//")
    lines.append(f"// Compile flags of the finding: {' '.join([*f.target.compile_flags, *f.flags])}")
    if f.variant == "without":
        lines.append("// Note: the finding needs the decoupling pass removed; the stock compiler may pass.")
    lines += ["", program.rstrip("\n"), "", f"func.func @{name}() {{"]
    args = []
    for i, x in enumerate(f.inputs):
        lines.append(f"  %input{i} = util.unfoldable_constant {dense_literal(x)} : {tensor_type(x)}")
        args.append(f"%input{i}")
    arg_types = ", ".join(tensor_type(x) for x in f.inputs)
    res_types = ", ".join(tensor_type(x) for x in f.expected)
    results = "%result" if len(f.expected) == 1 else f"%result:{len(f.expected)}"
    lines.append(f"  {results} = func.call @{impl}({', '.join(args)}) : ({arg_types}) -> ({res_types})")
    tol = _tolerance(f)
    for j, e in enumerate(f.expected):
        ref = "%result" if len(f.expected) == 1 else f"%result#{j}"
        lines.append(f"  %expected{j} = arith.constant {dense_literal(e)} : {tensor_type(e)}")
        if f.exact or not element_type(e).startswith(("f", "bf")):
            lines.append(f"  check.expect_eq({ref}, %expected{j}) : {tensor_type(e)}")
        else:
            atol = f", atol {float(tol):.6e}" if tol is not None else ""
            lines.append(f"  check.expect_almost_eq({ref}, %expected{j}{atol}) : {tensor_type(e)}")
    lines += ["  return", "}", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- issue


def _issue_argv(argv: list[str], f: FindingData, program_file: str) -> list[str]:
    """A stored command with $HERE paths pointed at the program file and small values inlined."""
    out = []
    for a in argv:
        if a == "$HERE/program.mlir":
            a = program_file
        m = re.fullmatch(r"--(input|expected_output)=@\$HERE/(input|expected)(\d+)\.npy", a)
        if m:
            arrays = f.inputs if m.group(2) == "input" else f.expected
            i = int(m.group(3))
            text = run_value(arrays[i]) if i < len(arrays) else ""
            a = f"--{m.group(1)}={text}" if text and len(text) <= INLINE_VALUE_CHARS else \
                f"--{m.group(1)}=@{m.group(2)}{i}.npy"
        out.append(a.replace("$HERE/", ""))
    return out


def issue_commands(f: FindingData, program_file: str = "program.mlir") -> list[str]:
    """The finding's exact commands, runnable in a directory holding `program_file`."""
    stored = _stored_commands(f)
    if not stored:
        from fuzzir.repro import compile_commands

        stored = compile_commands(f.target, f.variant, tuple(f.flags), DETACH_PASS, program_file,
                                  "stream" if f.kind in IR_KINDS else None)
    cmds = [_quote(_issue_argv(c, f, program_file), src="") for c in stored]
    if f.kind in IR_KINDS:
        cmds.append(f"grep -E {shlex.quote(IR_PATTERNS[f.kind])} ir.mlir")
    return cmds


def _variant_table(f: FindingData) -> list[str]:
    obs = f.meta.get("observations") or []
    targets = list(f.meta.get("targets") or [f.target.name])
    for o in obs:
        if o.get("target") and o["target"] not in targets:
            targets.append(o["target"])
    all_flags = [list(x) for x in f.meta.get("flags") or []]
    rows = ["| variant | " + " | ".join(targets) + " |", "|---" * (len(targets) + 1) + "|"]
    for variant, label in (("with", "with (stock)"), ("without", f"without (`{DETACH_PASS}` removed)")):
        cells = []
        for t in targets:
            seen = [o for o in obs if o.get("variant") == variant and o.get("target") == t]
            if not seen:
                cells.append("ok")
                continue
            flag_sets = {" ".join(o.get("flags") or []) for o in seen}
            note = ""
            if len(all_flags) > 1 and len(flag_sets) < len(all_flags):
                note = " (" + "; ".join(s or "default flags" for s in sorted(flag_sets)) + ")"
            cells.append(f"{f.kind}{note}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def _op_and_init(f: FindingData) -> tuple[str, str]:
    op = str(f.meta.get("op", ""))
    init_kinds = list(f.meta.get("init_kinds") or [])
    m = re.fullmatch(r"op(\d+):[\w.]+", op)
    init = ""
    if m and int(m.group(1)) < len(init_kinds):
        init = init_kinds[int(m.group(1))]
    elif init_kinds:
        consts = [k for k in init_kinds if k in ("splat", "nonsplat", "global", "large")]
        init = (consts or init_kinds)[0]
    name = op_name(op) if op and op not in ("main", "run", "compile", "ir") else \
        ", ".join(dict.fromkeys(f.meta.get("ops") or [])) or "program"
    return name, init


def _differences(f: FindingData) -> list[str]:
    """Recompute the repro cell's outputs and tabulate the first differing elements (miscompiles)."""
    from fuzzir.compiler import compile_program
    from fuzzir.runner import run_module
    from fuzzir.targets import device_available

    if not device_available(f.target) or not f.expected:
        return []
    with tempfile.TemporaryDirectory(prefix="fuzzir-export-") as tmp:
        src = os.path.join(tmp, "program.mlir")
        Path(src).write_text(f.program)
        res = compile_program(src, f.target, f.variant, flags=tuple(f.flags), workdir=tmp, dump_phases=False)
        if not res.ok or res.vmfb is None:
            return []
        run = run_module(res.vmfb, f.target, f.inputs, workdir=tmp)
        if not run.ok:
            return []
        rows = ["| output | index | expected | actual |", "|---|---|---|---|"]
        for j, (e, a) in enumerate(zip(f.expected, run.outputs, strict=False)):
            e64, a64 = np.asarray(e, dtype=np.float64), np.asarray(a, dtype=np.float64)
            if e64.shape != a64.shape:
                rows.append(f"| {j} | shape | {e64.shape} | {a64.shape} |")
                continue
            bad = np.argwhere(~((e64 == a64) | (np.isnan(e64) & np.isnan(a64))))
            for idx in bad[:8]:
                t = tuple(int(x) for x in idx)
                rows.append(f"| {j} | {list(t)} | {e[t]} | {a[t]} |")
            if len(bad) > 8:
                rows.append(f"| {j} | … | {len(bad) - 8} more | |")
        return rows if len(rows) > 2 else []


def export_issue(f: FindingData, program_file: str = "program.mlir", recompute: bool = True) -> str:
    """A Markdown bug report for IREE's GitHub."""
    m = f.meta
    op, init = _op_and_init(f)
    init_text = f" with a {init} `outs` init" if init else ""
    targets = list(m.get("targets") or [f.target.name])
    title = f"{f.kind}: `{op}`{init_text} on {', '.join(targets)}"
    version = m.get("iree_version", "unknown")
    message = str(m.get("message", "")).strip() or "(no message stored)"
    cmds = issue_commands(f, program_file)
    seed = f", seed {m['seed']}" if m.get("seed") is not None else ""
    out = [f"# {title}", "", "## IREE version", "",
           f"`iree-base-compiler` / `iree-base-runtime` {version} "
           f"(found by fuzzir{seed}; signature `{m.get('signature')}`).",
           "", "## Program", "", f"`{program_file}`:", "", "```mlir", f.program.rstrip("\n"), "```", "",
           "## Commands", "",
           f"In a directory holding `{program_file}`"
           + (" (and the attached `.npy` files)" if any("=@" in c for c in cmds) else "") + ":",
           "", "```shell", *cmds, "```", "", "## Expected vs actual", ""]
    if f.kind in IR_KINDS:
        out.append("Expected: no match for the `grep` above: a constant used as a linalg `outs` init "
                   "should be read, not written or copied.")
    elif f.kind in COMPILE_KINDS:
        out.append("Expected: `iree-compile` succeeds (the program is valid linalg on tensors).")
    elif f.kind == "miscompile":
        out.append("Expected: `iree-run-module` reports that every output matches "
                   "(the expected values come from a numpy reference).")
    else:
        out.append("Expected: the module runs to completion with the expected outputs.")
    out += ["", "Actual:", "", "```", message, "```"]
    if f.kind == "miscompile" and recompute:
        diff = _differences(f)
        if diff:
            out += ["", "First differing elements:", "", *diff]
    out += ["", "## Variants", "",
            f"Cells are the finding seen in that (variant, target) cell, `ok` where it was not seen. "
            f"`without` is the stock global-optimization pipeline minus `{DETACH_PASS}`.", "",
            *_variant_table(f), "", "## Reproduces on", ""]
    for t in targets:
        seen = [o for o in m.get("observations") or [] if o.get("target") == t]
        flag_sets = list(dict.fromkeys(" ".join(o.get("flags") or []) for o in seen))
        variants = sorted({o.get("variant", "?") for o in seen})
        shown = "; ".join(fl or "default flags" for fl in flag_sets) or "default flags"
        shown += f" (variants: {', '.join(variants)})" if variants else ""
        out.append(f"- {t} (`{' '.join(TARGETS[t].compile_flags) if t in TARGETS else t}`), flags: {shown}")
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- CLI


def export(path: Path, fmt: str) -> str:
    """The text of one export format for the finding at `path`."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    f = load_finding(path)
    if fmt == "lit":
        return export_lit(f)
    if fmt == "check":
        return export_check(f)
    return export_issue(f)


def add_export_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `fuzzir export` on the CLI's subparsers."""
    p = sub.add_parser("export", help="turn a finding into a lit test, an e2e check test or a bug report")
    p.add_argument("finding", help="a finding directory (holding meta.json and program.mlir)")
    p.add_argument("--format", required=True, metavar="|".join(FORMATS),
                   help="lit: RUN-line test; check: tests/e2e/regression test; issue: Markdown report")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    return p


def cmd_export(args: argparse.Namespace) -> int:
    """Print or write the export; bad input is a UsageError (one line, exit 2)."""
    from fuzzir.cli import EXIT_CLEAN, UsageError

    try:
        text = export(Path(args.finding), args.format)
    except (ExportError, CorpusError) as e:
        raise UsageError(f"fuzzir export: {e}") from None
    if args.output:
        try:
            Path(args.output).write_text(text)
        except OSError as e:
            raise UsageError(f"fuzzir export: cannot write {args.output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)
    return EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    """`python -m fuzzir.export FINDING --format F` or `python -m fuzzir.export run-lit FILE`."""
    from fuzzir.cli import EXIT_USAGE, UsageError, _Parser

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run-lit"]:
        if len(argv) != 2 or not Path(argv[1]).is_file():
            print("error: usage: python -m fuzzir.export run-lit FILE.mlir", file=sys.stderr)
            return EXIT_USAGE
        return run_lit(argv[1])
    parser = _Parser(prog="fuzzir")
    add_export_parser(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    try:
        return cmd_export(parser.parse_args(["export", *argv]))
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
