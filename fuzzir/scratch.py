"""fuzzir's temporary directories: named for their owner, removed on any exit, swept when left stale.

Each program checked gets a work directory of phase dumps and modules (`fuzzir-case-*`, a few hundred
MB for a large program), and minimizing, exporting or probing make their own. A kill used to leave them
all behind. Every temporary directory fuzzir makes is therefore `<tmp>/fuzzir-<what>-<pid>-<random>`:

- removed when its work is done, and any still registered at exit by `atexit` (a normal exit, an
  exception, or SIGTERM/SIGINT, which the command line turns into an exit: see `fuzzir.cli`);
- after SIGKILL, which no process can catch, removed by the next fuzzir start (`sweep_stale`): a
  directory whose owner pid is no longer alive belongs to nobody. A pid reused since is taken as
  alive, so such a directory waits for a later start (never removing a live run's directory matters more).

Directories of other users, and names without a pid (fuzzir before this scheme), are left alone.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PREFIX = "fuzzir-"
_OWNED = re.compile(r"^fuzzir-[a-z]+-(\d+)-")

_live: set[str] = set()
_lock = threading.Lock()


def make_dir(what: str) -> str:
    """A new temporary directory `fuzzir-<what>-<pid>-*`, removed at exit if the caller does not remove it."""
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{what}-{os.getpid()}-")
    with _lock:
        _live.add(path)
    return path


def remove(path: str) -> None:
    """Remove a directory `make_dir` made (and forget it)."""
    shutil.rmtree(path, ignore_errors=True)
    with _lock:
        _live.discard(path)


@contextmanager
def temp_dir(what: str) -> Iterator[str]:
    """`tempfile.TemporaryDirectory`, named for its owner (see the module docstring)."""
    path = make_dir(what)
    try:
        yield path
    finally:
        remove(path)


def remove_all() -> None:
    """Remove every directory this process still holds: at exit, however it exits short of SIGKILL."""
    with _lock:
        paths = list(_live)
        _live.clear()
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


atexit.register(remove_all)


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (another user's counts: it may well be alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(root: str | None = None) -> list[str]:
    """Remove this user's fuzzir temporary directories under `root` (the temp dir) whose owner is dead;
    returns what was removed. Called when a command starts: that is the only time a SIGKILLed run's
    directories can go."""
    root = root or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(root)
    except OSError:
        return removed
    uid = os.getuid()
    for name in names:
        m = _OWNED.match(name)
        if m is None or int(m.group(1)) == os.getpid():
            continue
        path = os.path.join(root, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if st.st_uid != uid or not os.path.isdir(path) or os.path.islink(path):
            continue
        if not pid_alive(int(m.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
