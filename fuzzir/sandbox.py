"""Run native IREE tools in a separate, limited process.

The compiler under test crashes, hangs and exhausts memory on some inputs; fuzzir
must survive all of that, so every native tool runs in its own process group
with a wall-clock timeout and a memory limit, and dies with fuzzir.

Memory limit: like libFuzzer's ``-rss_limit_mb``, on *resident* memory, read from
``/proc/<pid>/statm`` while the tool runs (every 10 ms at first, then every 100 ms);
above the limit the process group is killed and the result is ``out_of_memory``.
Not ``RLIMIT_AS``: it caps *virtual* memory, which LLVM, the Vulkan loader and above
all the GPU runtimes (CUDA, HIP: terabytes at start-up) reserve without using, and a
refused reservation surfaces inside the compiler as ``std::bad_alloc`` or a crash,
which would be stored as a finding of IREE; resident memory is what exhausts the
machine. A poll can overshoot by what a tool allocates in 100 ms (well under a GB in
practice). It measures the tool's own process, not helpers such as lld (small and
short-lived). Default 4096 MiB (`--rss-limit-mb`, 0 = none); callers pass
``mem_limit_mb=None`` for GPU drivers, whose device mappings count as resident.

Faults of fuzzir itself: each tool is set up with ``PR_SET_PDEATHSIG`` (Linux), so the
kernel kills it when fuzzir dies, even by SIGKILL; on a normal exit, an exception or a
signal the command line turns into one, `kill_children` kills every group still running.
`limits` gives a thread a deadline (a campaign's `--time`): a tool still running at it
is killed and `Cancelled` raised, so no answer is made of a killed tool.

The module is long because finding a tool and running it under these limits are one job: every
native tool fuzzir starts comes through here.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import importlib.util
import os
import resource
import shlex
import shutil
import signal as signal_mod
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    #: the resident-memory limit (MiB) the tool was killed above, None when it was not
    memory_limit_mb: int | None = None

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


def _child_setup(parent: int) -> Callable[[], None]:
    """What the child does between fork and exec: die with the parent, dump no core."""
    def preexec() -> None:
        # No core files: crashes are expected and cores would fill the disk.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal_mod.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the line above: nobody would kill us
                os._exit(137)

    return preexec


def _load_prctl() -> Callable[..., int] | None:
    """Linux's prctl(2), for PR_SET_PDEATHSIG; None elsewhere (children then outlive a SIGKILLed parent
    until their own timeout, as they always did)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PR_SET_PDEATHSIG = 1
_prctl = _load_prctl()


class Cancelled(BaseException):
    """The command's deadline passed, or it was told to stop: the tool was killed, and its answer is none.

    A BaseException (like KeyboardInterrupt) so that no `except Exception` on the way turns a cancelled
    compile into an observation: a cancelled check, minimization or blame is dropped or resumed, never judged."""


@dataclass(frozen=True)
class _Scope:
    deadline: float | None  # time.monotonic() value
    stop: threading.Event | None


_scope = threading.local()
_cancel_all = threading.Event()
_children: dict[int, subprocess.Popen] = {}
_children_lock = threading.Lock()


@contextmanager
def limits(*, deadline: float | None = None, stop: threading.Event | None = None) -> Iterator[None]:
    """Within this block (this thread), every tool is killed, and `Cancelled` raised, once `deadline`
    (a `time.monotonic()` value) passes or `stop` is set: how a campaign's `--time` bounds the work in flight."""
    previous = getattr(_scope, "value", None)
    _scope.value = _Scope(deadline, stop)
    try:
        yield
    finally:
        _scope.value = previous


def _cancelled() -> bool:
    if _cancel_all.is_set():
        return True
    scope: _Scope | None = getattr(_scope, "value", None)
    if scope is None:
        return False
    if scope.stop is not None and scope.stop.is_set():
        return True
    return scope.deadline is not None and time.monotonic() >= scope.deadline


def cancel_all() -> None:
    """Kill every tool running now and refuse new ones (`Cancelled`): for quitting at once (a signal)."""
    _cancel_all.set()
    kill_children()


_quiet = threading.Condition()
_quiet_owner: int | None = None  # the thread running alone (`quiet`), if any


@contextmanager
def quiet() -> Iterator[None]:
    """Within this block, this thread's tools run alone among fuzzir's: other threads start none until it
    ends (those already running finish). For retrying a timeout on a machine as quiet as fuzzir can make it."""
    global _quiet_owner
    with _quiet:
        _await_quiet()
        _quiet_owner = threading.get_ident()
    try:
        yield
    finally:
        with _quiet:
            _quiet_owner = None
            _quiet.notify_all()


def _wait_for_quiet() -> None:
    """Before starting a tool: wait while another thread runs alone (`quiet`), or until cancelled."""
    with _quiet:
        _await_quiet()


def _await_quiet() -> None:
    """With `_quiet` held: wait until no other thread runs alone; `Cancelled` if the command is stopped."""
    me = threading.get_ident()
    while _quiet_owner is not None and _quiet_owner != me:
        if _cancelled():
            raise Cancelled("quiet")
        _quiet.wait(0.1)


def allow_tools() -> None:
    """Undo `cancel_all` (a command line run again in the same process)."""
    _cancel_all.clear()


def kill_children() -> None:
    """SIGKILL the process group of every tool running now."""
    with _children_lock:
        pids = list(_children)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal_mod.SIGKILL)


atexit.register(kill_children)


def resident_mb(pid: int) -> float | None:
    """The resident set size of process `pid` in MiB (Linux /proc), None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * _PAGE / (1024 * 1024)


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: How often a running tool's memory (and the deadline) is looked at: from often, for the quick tools,
#: to this at most (a tool at a few GB/s cannot get far past the limit between two looks).
_POLL_MIN, _POLL_MAX = 0.01, 0.1


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
    env: dict[str, str] | None = None,
) -> ToolResult:
    """Run argv in a new session with a timeout and memory limit; never raises on failure.

    The tool runs in its own process group (its session), killed whole on timeout, above the memory
    limit, and when this returns, so helpers it starts (lld under iree-compile) do not outlive it. It
    dies with fuzzir, even a SIGKILLed fuzzir (`PR_SET_PDEATHSIG`). `mem_limit_mb` bounds its resident
    memory (None: no bound): above it the group is killed and the result says `out_of_memory`.
    ``stderr_cap=None`` keeps all of stderr, for callers that parse large diagnostic dumps.

    Raises `Cancelled` (after killing the tool) when the deadline of an enclosing `limits` passes.
    """
    if _cancelled():
        raise Cancelled(argv[0])
    _wait_for_quiet()
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=True,
            preexec_fn=_child_setup(os.getpid()),
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
    with _children_lock:
        _children[proc.pid] = proc
    timed_out = over_memory = cancelled = False
    poll = _POLL_MIN
    try:
        while True:
            left = timeout - (time.monotonic() - start)
            try:
                out, err = proc.communicate(timeout=max(0.0, min(poll, left)))
                break
            except subprocess.TimeoutExpired:
                pass
            poll = min(_POLL_MAX, poll * 2)
            if mem_limit_mb is not None:
                rss = resident_mb(proc.pid)
                over_memory = rss is not None and rss > mem_limit_mb
            cancelled = _cancelled()
            timed_out = time.monotonic() - start >= timeout
            if over_memory or cancelled or timed_out:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal_mod.SIGKILL)
                out, err = proc.communicate()
                break
    finally:
        # Children left in the group (rare) must not survive the tool itself.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal_mod.SIGKILL)
        if proc.returncode is None:  # interrupted (KeyboardInterrupt): reap what was just killed
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        with _children_lock:
            _children.pop(proc.pid, None)
    if cancelled:
        raise Cancelled(argv[0])
    seconds = time.monotonic() - start
    rc = proc.returncode
    sig = -rc if rc is not None and rc < 0 else None
    stderr = _decode(err)
    if over_memory:
        stderr += (f"\nfuzzir: killed: resident memory above the limit of {mem_limit_mb} MiB "
                   "(--rss-limit-mb)\n")
    oom = over_memory or (not timed_out and rc != 0 and _looks_oom(stderr))
    killed = timed_out or over_memory
    return ToolResult(
        argv=list(argv),
        returncode=None if killed else rc,
        signal=None if killed else sig,
        timed_out=timed_out and not over_memory,
        out_of_memory=oom,
        stdout=_decode(out),
        stderr=stderr if stderr_cap is None else _cap(stderr, stderr_cap),
        seconds=seconds,
        memory_limit_mb=mem_limit_mb if over_memory else None,
    )
