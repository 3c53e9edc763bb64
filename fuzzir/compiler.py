"""Compile a program with and without IREE's decoupling pass, out of process.

Variants:

* ``with``: stock ``iree-compile`` straight to a ``.vmfb``.
* ``without``: ``iree-compile --compile-to=preprocessing``, then ``iree-opt`` runs
  the global-optimization phase rebuilt without the pass (see
  :mod:`fuzzir.pipeline`), then ``iree-compile --compile-from=global-optimization``.

Phase IR: ``--dump-compilation-phases-to=DIR`` writes ``<stem>.<N>.<phase>.mlir``
for every phase the run passes through (``<stem>`` is the input file name
without ``.mlir``; N counts from 1 = input up to 12 = vm). A resumed
``--compile-from=global-optimization`` run writes phases 5 (dispatch-creation)
to 12 only, so for ``without`` the preprocessing and global-optimization IR are
the step-1 and ``iree-opt`` outputs. On a failed compile the phases reached so
far are still written and returned.

Locations (checked on iree-compile 3.13): name locations such as
``loc("mm0")`` on ops and constants are kept through flow and stream, but the
printer drops *all* locations unless ``--mlir-print-debuginfo`` is given; with
it they are printed as aliases (``#loc1 = loc("mm0")`` ... ``loc(#loc1)``), which
``iree.compiler.ir`` resolves when parsing. The flag does not change the
``.vmfb`` (byte-identical), so it is always passed where IR files are written,
including the intermediate files of ``without`` (otherwise the resumed compile
would lose every location).

Commands: ``CompileResult.commands`` holds each argv exactly as run, except that
argv[0] is the bare tool name (``iree-compile``, ``iree-opt``) so a repro script
can resolve it on PATH. Every command runs with ``cwd=workdir`` and every path in
it is relative to workdir (the input as ``os.path.relpath(mlir_path, workdir)``).
"""

from __future__ import annotations

import functools
import glob
import os
import re
import time
from dataclasses import dataclass, field

from fuzzir.pipeline import DETACH_PASS, PassNotFound, PipelineError, ablated_pipeline
from fuzzir.sandbox import ToolResult, run_tool, tool_path
from fuzzir.targets import Target

VARIANTS = ("with", "without")
STATUSES = ("ok", "error", "crash", "timeout", "oom")
REQUIRED_PHASES = ("global-optimization", "flow", "stream")

_PHASE_FILE = re.compile(r"\.(\d+)\.([a-z-]+)\.mlir$")
_ERROR_LINE = re.compile(r"\berror: (.*)")
_CRASH_MARKERS = ("PLEASE submit a bug report", "Stack dump")


@dataclass
class CompileResult:
    """Outcome of compiling one program for one target and variant."""

    variant: str
    target: str
    flags: tuple[str, ...]
    status: str
    vmfb: str | None
    phase_ir: dict[str, str] = field(default_factory=dict)
    stderr: str = ""
    first_error: str | None = None
    signal: int | None = None
    seconds: float = 0.0
    commands: list[list[str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when a .vmfb was produced."""
        return self.status == "ok"


def first_error_line(stderr: str) -> str | None:
    """Text after ``error: `` on the first diagnostic error line, if any."""
    for line in stderr.splitlines():
        m = _ERROR_LINE.search(line)
        if m:
            return m.group(1).strip()
    return None


def classify(result: ToolResult) -> str:
    """Map a tool result onto ok/error/crash/timeout/oom."""
    if result.timed_out:
        return "timeout"
    if result.ok:
        return "ok"
    if result.out_of_memory:
        return "oom"
    if result.signal is not None or any(m in result.stderr for m in _CRASH_MARKERS):
        return "crash"
    return "error"


@functools.cache
def _iree_opt_accepts(flag: str) -> bool:
    """Whether iree-opt knows flag: it rejects unknown options outright."""
    res = run_tool([tool_path("iree-opt"), flag, "-"], timeout=30)
    return res.ok


def _collect_phases(dump_dir: str) -> dict[str, str]:
    phases: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(dump_dir, "*.mlir"))):
        m = _PHASE_FILE.search(os.path.basename(path))
        if m:
            phases[m.group(2)] = path
    return phases


def compile_program(
    mlir_path: str,
    target: Target,
    variant: str,
    *,
    flags: tuple[str, ...] = (),
    workdir: str,
    timeout: float = 60.0,
    pass_name: str = DETACH_PASS,
    dump_phases: bool = True,
) -> CompileResult:
    """Compile mlir_path into ``<workdir>/<target>-<variant>.vmfb``; never raises on failure.

    timeout bounds the whole variant (all steps together). Outputs go to
    ``<target>-<variant>.*`` names in workdir, so both variants and several
    targets can share one workdir.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid variants: {', '.join(VARIANTS)}")
    flags = tuple(flags)
    os.makedirs(workdir, exist_ok=True)
    workdir = os.path.abspath(workdir)
    stem = f"{target.name}-{variant}"
    src = os.path.relpath(os.path.abspath(mlir_path), workdir)
    vmfb = f"{stem}.vmfb"
    dump_dir = f"{stem}-phases"
    result = CompileResult(variant, target.name, flags, "ok", None)
    start = time.monotonic()
    stderr_parts: list[str] = []

    def step(argv: list[str]) -> ToolResult | None:
        """Run one tool; returns None (and fills result) when it did not succeed."""
        result.commands.append(argv)
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            result.status = "timeout"
            return None
        res = run_tool([tool_path(argv[0]), *argv[1:]], timeout=remaining, cwd=workdir)
        result.seconds += res.seconds
        if res.stderr.strip():
            stderr_parts.append(res.stderr)
        result.status = classify(res)
        if result.status == "ok":
            return res
        result.signal = res.signal
        result.first_error = first_error_line(res.stderr) or _first_line(res.stderr)
        return None

    # Dumps elide large constants: the IR checks need structure, not values, and printing a
    # few MiB of hex per phase costs more than the compile. Only runs whose -o is a .vmfb get it.
    dump_args = [f"--dump-compilation-phases-to={dump_dir}", "--mlir-print-debuginfo",
                 "--mlir-elide-elementsattrs-if-larger=16"]
    try:
        if variant == "with":
            argv = ["iree-compile", *target.compile_flags, *flags]
            if dump_phases:
                argv += dump_args
            if step([*argv, src, "-o", vmfb]):
                result.vmfb = os.path.join(workdir, vmfb)
        else:
            pre = f"{stem}.preprocessing.mlir"
            gopt = f"{stem}.global-optimization.mlir"
            base = ["iree-compile", *target.compile_flags, *flags]
            ok = step(
                [*base, "--mlir-print-debuginfo", "--compile-to=preprocessing", src, "-o", pre]
            )
            if ok:
                result.phase_ir["preprocessing"] = os.path.join(workdir, pre)
                try:
                    pipeline = ablated_pipeline(target, flags, pass_name)
                except (PipelineError, PassNotFound) as e:
                    # The probe compile failed under these flags: the stock compiler fails too.
                    result.status, result.first_error = "error", str(e).splitlines()[0][:300]
                    return result
                opt_flags = [f for f in flags if _iree_opt_accepts(f)]
                ok = step(
                    [
                        "iree-opt",
                        *opt_flags,
                        "--mlir-print-debuginfo",
                        f"--pass-pipeline={pipeline}",
                        pre,
                        "-o",
                        gopt,
                    ]
                )
            if ok:
                result.phase_ir["global-optimization"] = os.path.join(workdir, gopt)
                argv = [*base, "--compile-from=global-optimization"]
                if dump_phases:
                    argv += dump_args
                if step([*argv, gopt, "-o", vmfb]):
                    result.vmfb = os.path.join(workdir, vmfb)
    finally:
        if dump_phases:
            for phase, path in _collect_phases(os.path.join(workdir, dump_dir)).items():
                result.phase_ir.setdefault(phase, path)
        result.stderr = "".join(stderr_parts)
    if result.status != "ok":
        result.vmfb = None
    return result


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None
