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

Commands: the chain comes from :mod:`fuzzir.commands`, the one builder repro.sh and
meta.json print too. ``CompileResult.commands`` holds each argv attempted, exactly as
built (argv[0] the bare tool name, resolved with ``sandbox.tool_path`` to run). Every
command runs with ``cwd=workdir`` and names files relative to it: the program is
copied to ``<workdir>/program.mlir``, the output is ``module.vmfb``, the phase dumps go
to ``phases/``. A workdir thus holds one compile at a time: compiling again there
replaces the previous outputs (the phase dumps are cleared first, so none is stale).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import time
from dataclasses import dataclass, field

from fuzzir import commands as cmds
from fuzzir.diagnostics import first_error_line, first_line
from fuzzir.pipeline import DETACH_PASS, PassNotFound, PipelineError
from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB, ToolResult, run_tool, tool_path
from fuzzir.targets import Target

VARIANTS = cmds.VARIANTS
STATUSES = ("ok", "error", "crash", "timeout", "oom")
REQUIRED_PHASES = ("global-optimization", "flow", "stream")

_PHASE_FILE = re.compile(r"\.(\d+)\.([a-z-]+)\.mlir$")
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
    memory_limit_mb: int | None = None  # the resident-memory limit the compiler was killed above
    retried: str = ""  # a timeout retried with a generous limit: what became of it (`fuzzir.judge`)

    @property
    def ok(self) -> bool:
        """True when a .vmfb was produced."""
        return self.status == "ok"


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


def _collect_phases(dump_dir: str) -> dict[str, str]:
    phases: dict[str, str] = {}
    for path in sorted(glob.glob(os.path.join(dump_dir, "*.mlir"))):
        m = _PHASE_FILE.search(os.path.basename(path))
        if m:
            phases[m.group(2)] = path
    return phases


def _place_program(mlir_path: str, workdir: str) -> str | None:
    """Put the program at ``<workdir>/program.mlir``, the name every command reads; an error text or None."""
    dest = os.path.join(workdir, cmds.PROGRAM)
    try:
        if os.path.exists(dest) and os.path.samefile(mlir_path, dest):
            return None
        shutil.copyfile(mlir_path, dest)
    except OSError as e:
        return f"cannot read the program {mlir_path}: {e.strerror or e}"
    return None


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
    mem_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB,
) -> CompileResult:
    """Compile mlir_path into ``<workdir>/module.vmfb``; never raises on failure.

    Runs `fuzzir.commands.iter_compile_steps` verbatim in workdir (after copying the
    program to ``<workdir>/program.mlir``); timeout bounds the whole variant (all
    steps together).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid variants: {', '.join(VARIANTS)}")
    flags = tuple(flags)
    os.makedirs(workdir, exist_ok=True)
    workdir = os.path.abspath(workdir)
    result = CompileResult(variant, target.name, flags, "ok", None)
    start = time.monotonic()
    stderr_parts: list[str] = []
    dump_dir = os.path.join(workdir, cmds.PHASES_DIR)
    shutil.rmtree(dump_dir, ignore_errors=True)  # a previous compile's phases must not pass for ours
    problem = _place_program(mlir_path, workdir)
    if problem:
        result.status, result.first_error, result.stderr = "error", problem, problem
        return result

    def step(argv: list[str]) -> bool:
        """Run one tool; False (and result filled in) when it did not succeed."""
        result.commands.append(argv)
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            result.status = "timeout"
            return False
        res = run_tool([tool_path(argv[0]), *argv[1:]], timeout=remaining, cwd=workdir,
                       mem_limit_mb=mem_limit_mb)
        result.seconds += res.seconds
        if res.stderr.strip():
            stderr_parts.append(res.stderr)
        result.status = classify(res)
        if result.status == "ok":
            return True
        result.signal = res.signal
        result.memory_limit_mb = res.memory_limit_mb
        if res.memory_limit_mb is not None:
            result.first_error = f"{argv[0]} killed above the resident memory limit of {res.memory_limit_mb} MiB"
        elif res.timed_out:
            result.first_error = f"{argv[0]} did not finish in {timeout:g} s"
        else:
            result.first_error = first_error_line(res.stderr) or first_line(res.stderr)
        return False

    try:
        for argv in cmds.iter_compile_steps(target, variant, flags, pass_name=pass_name,
                                            dump_phases=dump_phases):
            if not step(argv):
                break
            output = argv[-1]  # every step ends in `-o <file>`
            if output in cmds.INTERMEDIATE_PHASES:
                result.phase_ir[cmds.INTERMEDIATE_PHASES[output]] = os.path.join(workdir, output)
            elif output == cmds.MODULE:
                result.vmfb = os.path.join(workdir, output)
    except (PipelineError, PassNotFound) as e:
        # The probe compile failed under these flags: the stock compiler fails too.
        result.status = "error"
        result.first_error = (str(e).splitlines() or [type(e).__name__])[0][:300]
    finally:
        if dump_phases:
            for phase, path in _collect_phases(dump_dir).items():
                result.phase_ir.setdefault(phase, path)
        result.stderr = "".join(stderr_parts)
    if result.status != "ok":
        result.vmfb = None
    return result
