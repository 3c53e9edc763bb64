"""Run native IREE tools in a separate, limited process.

The compiler under test crashes, hangs and exhausts memory on some inputs; fuzzir
must survive all of that, so every native tool runs in its own process group
with a wall-clock timeout and an address-space limit.

Memory limit: ``RLIMIT_AS`` caps *virtual* memory. LLVM and the Vulkan loader
reserve generous address space, but iree-compile (llvm-cpu, vmvx, vulkan, cuda,
rocm) and iree-run-module on local-task and Vulkan/lavapipe were checked to
work under 1 GiB for small programs; the default of 4096 MiB leaves headroom
for larger generated programs. GPU runtimes such as CUDA and HIP reserve
terabytes of address space at start-up, so callers pass ``mem_limit_mb=None``
for those drivers.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import resource
import shlex
import shutil
import signal as signal_mod
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

STDERR_CAP = 64 * 1024
DEFAULT_MEM_LIMIT_MB = 4096

_OOM_MARKERS = (
    "std::bad_alloc",
    "out of memory",
    "LLVM ERROR: out of memory",
    "Cannot allocate memory",
    "MemoryError",
    "RESOURCE_EXHAUSTED",
)


@dataclass
class ToolResult:
    """Outcome of one native tool invocation, whatever way it ended."""

    argv: list[str]
    returncode: int | None
    signal: int | None
    timed_out: bool
    out_of_memory: bool
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        """True when the tool exited normally with status 0."""
        return self.returncode == 0


def format_command(argv: list[str]) -> str:
    """Shell-quote argv so it can be pasted into a repro script."""
    return shlex.join(argv)


_WHEEL_TOOL_DIRS = (
    ("iree.compiler", "_mlir_libs"),  # iree-compile, iree-opt (iree-base-compiler)
    ("iree._runtime_libs", ""),  # iree-run-module, iree-dump-module (iree-base-runtime)
)


def _wheel_tool(name: str) -> str | None:
    for package, sub in _WHEEL_TOOL_DIRS:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for base in spec.submodule_search_locations:
            candidate = os.path.join(base, sub, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


# The IREE release in use instead of the installed wheels (`fuzzir iree`, `--iree VERSION`): the
# directory holding that release's unpacked compiler and runtime wheels, or None for the installed
# ones. Set only through `select_iree`, which also drops every cache that depends on the tools.
_selected_root: str | None = None
_TOOL_CACHES: list[Callable[[], None]] = []


def depends_on_tools(cached: Callable) -> Callable:
    """Mark a `functools.cache`d function whose answer depends on which IREE tools are in use."""
    _TOOL_CACHES.append(cached.cache_clear)  # type: ignore[attr-defined]
    return cached


def select_iree(root: str | None) -> None:
    """Use the IREE release unpacked at `root`, or the build or install tree there (its tools/ or bin/),
    for every tool from now on (None: the installed wheels)."""
    global _selected_root
    _selected_root = os.path.abspath(root) if root else None
    for clear in _TOOL_CACHES:
        clear()


def selected_iree() -> str | None:
    """The release directory `select_iree` chose, or None when the installed wheels are in use."""
    return _selected_root


def installed_tool(name: str) -> str | None:
    """The installed wheels' native `name`, whatever release is selected."""
    return _wheel_tool(name)


#: Where a build or install tree (`--iree PATH`) keeps its tools: a CMake build's tools/, an install's bin/.
TREE_TOOL_DIRS = ("tools", "bin")


def _release_tool(root: str, name: str) -> str:
    # A release's native binary first: an unpacked release also has bin/ entry points, Python wrappers
    # that would run whichever iree package the interpreter imports (the installed one), not this release.
    for package, sub in _WHEEL_TOOL_DIRS:
        candidate = os.path.join(root, *package.split("."), sub, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    for sub in TREE_TOOL_DIRS:
        candidate = os.path.join(root, sub, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    # Never fall back to another IREE: mixing releases would make every verdict wrong.
    raise FileNotFoundError(f"tool {name!r} not found in the IREE release at {root}")


@depends_on_tools
@functools.cache
def tool_path(name: str) -> str:
    """Locate an IREE tool: the wheel's native binary, else next to the interpreter, else PATH.

    The ``bin/iree-*`` entries of the wheels are Python wrappers that run the
    native binary with ``subprocess.call`` and exit with its status: they cost
    ~80 ms of interpreter start-up per call and turn a SIGSEGV into exit status
    245, hiding the signal. So the native binary inside the installed wheel
    (the compiler fuzzir depends on) is preferred. With a release selected
    (`select_iree`), the tool comes from that release and nowhere else.
    """
    if _selected_root is not None:
        return _release_tool(_selected_root, name)
    wheel = _wheel_tool(name)
    if wheel:
        return wheel
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"tool {name!r} not found next to {sys.executable} or on PATH")


def _limit_memory(mem_limit_mb: int | None) -> Callable[[], None] | None:
    if mem_limit_mb is None:
        return None
    limit = mem_limit_mb * 1024 * 1024

    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        # No core files: crashes are expected and cores would fill the disk.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return preexec


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _cap(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    half = cap // 2
    return text[:half] + "\n... [truncated] ...\n" + text[-half:]


def _looks_oom(stderr: str) -> bool:
    return any(marker in stderr for marker in _OOM_MARKERS)


def run_tool(
    argv: list[str],
    *,
    timeout: float,
    mem_limit_mb: int | None = DEFAULT_MEM_LIMIT_MB,
    cwd: str | None = None,
    stderr_cap: int | None = STDERR_CAP,
) -> ToolResult:
    """Run argv in a new session with a timeout and memory limit; never raises on failure.

    A timeout kills the whole process group so helper processes (e.g. lld spawned
    by iree-compile) do not outlive the run. ``stderr_cap=None`` keeps all of
    stderr, for callers that parse large diagnostic dumps.
    """
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_limit_memory(mem_limit_mb),
        )
    except OSError as exc:
        return ToolResult(
            argv=list(argv),
            returncode=127,
            signal=None,
            timed_out=False,
            out_of_memory=False,
            stdout="",
            stderr=f"error: cannot start {argv[0]}: {exc}",
            seconds=time.monotonic() - start,
        )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal_mod.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
    finally:
        # Children left in the group (rare) must not survive the tool itself.
        try:
            os.killpg(proc.pid, signal_mod.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    seconds = time.monotonic() - start
    rc = proc.returncode
    sig = -rc if rc is not None and rc < 0 else None
    stderr = _decode(err)
    oom = not timed_out and rc != 0 and _looks_oom(stderr)
    return ToolResult(
        argv=list(argv),
        returncode=None if timed_out else rc,
        signal=None if timed_out else sig,
        timed_out=timed_out,
        out_of_memory=oom,
        stdout=_decode(out),
        stderr=stderr if stderr_cap is None else _cap(stderr, stderr_cap),
        seconds=seconds,
    )
