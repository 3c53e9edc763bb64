"""fuzzir's temporary directories: named for their owner, removed on any exit, swept when left stale.

Each program checked gets a work directory of phase dumps and modules (`fuzzir-case-*`, a few hundred
MB for a large program), and minimizing, exporting or probing make their own. A kill used to leave them
all behind. Every temporary directory fuzzir makes is therefore `<tmp>/fuzzir-<what>-<pid>-<random>`:

- removed when its work is done, and any still registered at exit by `atexit` (a normal exit, an
  exception, or SIGTERM/SIGINT, which the command line turns into an exit: see `fuzzir.cli`);
- after SIGKILL, which no process can catch, removed by the next fuzzir start (`sweep_stale`): a
  directory nobody owns any more. Its owner holds an exclusive `flock` on it while it lives, and the
  kernel drops the lock when the owner dies, however it dies. The lock, not the pid, says whether the
  owner lives: a temp directory may be shared by processes of other pid namespaces (containers), where
  a live owner's pid is not visible, and a pid is reused.

Directories of other users, and names without a pid (fuzzir before this scheme), are left alone.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

PREFIX = "fuzzir-"
_OWNED = re.compile(r"^fuzzir-[a-z]+-(\d+)-")

_live: dict[str, int] = {}  # path -> the descriptor holding its lock
_lock = threading.Lock()


def make_dir(what: str) -> str:
    """A new temporary directory `fuzzir-<what>-<pid>-*`, locked as ours, removed at exit if the caller
    does not remove it."""
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{what}-{os.getpid()}-")
    fd = hold(path)
    with _lock:
        _live[path] = fd
    return path


def remove(path: str) -> None:
    """Remove a directory `make_dir` made (and forget it)."""
    shutil.rmtree(path, ignore_errors=True)
    with _lock:
        fd = _live.pop(path, None)
    if fd is not None:
        os.close(fd)


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
        held = dict(_live)
        _live.clear()
    for path, fd in held.items():
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


atexit.register(remove_all)


def hold(path: str | os.PathLike[str]) -> int:
    """Lock a directory (or file) just made as this process's: the descriptor holding the lock, to close when
    done; the kernel drops the lock when the process dies, however it dies (`owned` then says False)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def owned(path: str | os.PathLike[str]) -> bool:
    """Whether a live process holds the lock `hold` took on `path`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # (releases the lock just taken)
    return False


def sweep_stale(root: str | None = None) -> list[str]:
    """Remove this user's fuzzir temporary directories under `root` (the temp dir) that nobody owns;
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
        if not owned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
