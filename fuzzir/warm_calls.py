"""Warm call children: one `calls_child --serve` per thread and runtime, reused from cell to cell.

The run-twice oracle calls every cell's module in a child process (a module that
writes its read-only data may fault, and must take down the child only). Starting
that child is most of its cost (the runtime extension imports numpy): 0.16 s per
cell, against 0.036 s for the `iree-run-module` run itself (measured on 3.13), a
quarter of a campaign's speed. A warm child pays it once per thread.

What stays as it was: each request gets a new VM context and a writable copy of
its module, and the child stays isolated from fuzzir under the sandbox's rules
(`fuzzir.sandbox`): a fault, a timeout or resident memory above the limit ends that
child (its whole process group), the request is answered from what the child
reported before it died, exactly as a one-shot child's would be, and the next
request starts a new one. It dies with fuzzir (PDEATHSIG), is killed with the other
tools on a deadline or a signal (`Cancelled`), and waits while a retry runs alone.

What a warm child could do that a fresh one cannot: carry damage from an earlier
module into a later request. The oracle therefore never reports from a warm child
alone: a difference between calls is confirmed in a one-shot child first
(`run_calls(..., warm=False)`).
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time

from fuzzir import sandbox
from fuzzir.sandbox import Cancelled, ToolResult, resident_mb

_CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls_child.py")
_POLL = 0.05  # seconds between looks at the child's memory and the command's deadline
_STDERR_TAIL = 4000

#: A child per (runtime directory, driver, memory limit): two releases' runtime extensions must not
#: share one process (`--iree`), and a child's memory limit is set when it starts.
Key = tuple[str, str, int | None]

_local = threading.local()
_all: list[_Child] = []
_all_lock = threading.Lock()


class _Child:
    """One warm child process and what it has printed but not yet been read."""

    def __init__(self, mem_limit_mb: int | None) -> None:
        self.stderr = tempfile.TemporaryFile(prefix="fuzzir-calls-")
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", _CHILD, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr, start_new_session=True,
                                     preexec_fn=sandbox._child_setup(os.getpid()))
        with sandbox._children_lock:  # killed with the other tools (`sandbox.kill_children`)
            sandbox._children[self.proc.pid] = self.proc
        self.limit = mem_limit_mb
        self.pending = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        with sandbox._children_lock:
            sandbox._children.pop(self.proc.pid, None)
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def request(self, path: str, timeout: float) -> tuple[list[str], int | None, str]:
        """Send one request; (the lines it answered, its done status or None when it did not finish, and
        why not: '' (it died), 'timeout' or 'memory'). Raises `Cancelled` at the command's deadline."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(path.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return [], None, ""
        deadline = time.monotonic() + timeout
        lines: list[str] = []
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                while b"\n" in self.pending:
                    raw, self.pending = self.pending.split(b"\n", 1)
                    line = raw.decode(errors="replace")
                    try:
                        done = json.loads(line).get("done") if line.startswith('{"done"') else None
                    except ValueError:
                        done = None
                    if done is not None:
                        return lines, int(done), ""
                    lines.append(line)
                left = deadline - time.monotonic()
                if left <= 0:
                    return lines, None, "timeout"
                if sandbox._cancelled():
                    self.kill()
                    raise Cancelled("run-twice")
                rss = resident_mb(self.proc.pid) if self.limit else None
                if rss is not None and self.limit and rss > self.limit:
                    return lines, None, "memory"
                if not sel.select(min(left, _POLL)):
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:  # the child died mid-request
                    return lines, None, ""
                self.pending += chunk

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0, os.SEEK_END)
            size = self.stderr.tell()
            self.stderr.seek(max(0, size - _STDERR_TAIL))
            return self.stderr.read().decode(errors="replace")
        except (OSError, ValueError):
            return ""


def _child(key: Key) -> _Child:
    children: dict[Key, _Child] = _local.__dict__.setdefault("children", {})
    child = children.get(key)
    if child is None or not child.alive():
        if child is not None:
            child.kill()
        child = children[key] = _Child(key[2])
        with _all_lock:
            _all[:] = [c for c in _all if c.alive()]
            _all.append(child)
    return child


def request(path: str, *, runtime: str, driver: str, timeout: float, mem_limit_mb: int | None) -> ToolResult:
    """Answer the request file `path` in this thread's warm child for `runtime` and `driver`, as a one-shot
    child's run would be answered.

    A child that dies or times out is killed with its process group and forgotten; the result says
    how it ended (signal, timeout, out of memory), with what it printed before."""
    start = time.monotonic()
    sandbox._wait_for_quiet()
    key = (runtime, driver, mem_limit_mb)
    child = _child(key)
    lines, done, why = child.request(path, timeout)
    stdout = "".join(line + "\n" for line in lines)
    if done is not None:
        return ToolResult(argv=[_CHILD, "--serve"], returncode=done, signal=None, timed_out=False,
                          out_of_memory=False, stdout=stdout, stderr="", seconds=time.monotonic() - start)
    child.kill()
    _local.children.pop(key, None)
    rc = child.proc.returncode
    died_by = -rc if rc is not None and rc < 0 and not why else None
    stderr = child.stderr_tail()
    return ToolResult(argv=[_CHILD, "--serve"], returncode=None if why else rc, signal=died_by,
                      timed_out=why == "timeout",
                      out_of_memory=why == "memory" or (not why and sandbox._looks_oom(stderr)),
                      stdout=stdout, stderr=stderr, seconds=time.monotonic() - start,
                      memory_limit_mb=mem_limit_mb if why == "memory" else None)


@atexit.register
def _stop_all() -> None:
    with _all_lock:
        for child in _all:
            if child.alive():
                child.kill()
        _all.clear()
