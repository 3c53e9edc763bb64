"""Where findings live: a small storage interface, a directory store, and a read-only view.

A finding directory holds `program.mlir`, `input<i>.npy`, `expected<i>.npy`,
`meta.json` (a `FindingRecord`) and `repro.sh`. Entries are written to a
temporary sibling and renamed into place, so a crash of fuzzir mid-write never
leaves a half finding, and a finding is on disk before the campaign moves on.
Replacing an entry is one atomic step on Linux (`renameat2(RENAME_EXCHANGE)` swaps
the new directory with the old one); elsewhere it is two renames, and a kill between
them leaves the entry in `.old-*`/`.tmp-*`, which `recover` puts back at the next
start. Temporary names carry the writer's pid and the entry's name
(`.tmp-<pid>-<random>-<name>`), and a writer holds a lock on what it writes (`scratch.hold`), so
`recover` touches only a dead writer's leftovers.
A finding whose signature is already stored is not stored again, unless the new
program is smaller; then it replaces the stored one. Hit counts and last-seen times
live in the findings database (`fuzzir.db`), so a repeat never rewrites an entry.

Like hypothesis' example database, the interface is small (save, fetch, names,
update, delete) so another backend can sit behind it; `ReadOnlyStore` serves
replay and the pytest plugin, which must never write.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from fuzzir import scratch
from fuzzir.commands import array_file
from fuzzir.dtypes import numpy_dtype
from fuzzir.record import FindingRecord, RecordError


class StoreError(ValueError):
    """An entry that cannot be read or written: one line, naming the entry."""


@dataclass
class Entry:
    """A stored finding: its record, and the files beside it (read lazily)."""

    path: Path
    record: FindingRecord

    @property
    def name(self) -> str:
        return self.path.name

    def program(self) -> str:
        try:
            return (self.path / "program.mlir").read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise StoreError(f"{self.path}: program.mlir cannot be read ({e.__class__.__name__})") from None

    def inputs(self) -> list[np.ndarray]:
        return _load_arrays(self.path, "input")

    def expected(self) -> list[np.ndarray]:
        return _load_arrays(self.path, "expected")


@dataclass
class NewFinding:
    """Everything a store writes for one finding."""

    record: FindingRecord
    program: str
    inputs: list[np.ndarray]
    expected: list[np.ndarray]
    repro: str
    extra_files: dict[str, str] = field(default_factory=dict)


class FindingStore(Protocol):
    def names(self) -> list[str]: ...
    def fetch(self, name: str) -> Entry: ...
    def entries_lenient(self) -> list[Entry]: ...
    def save(self, finding: NewFinding) -> tuple[Path, str]: ...
    def replace(self, name: str, finding: NewFinding) -> None: ...
    def update(self, name: str, record: FindingRecord) -> None: ...
    def delete(self, name: str) -> None: ...


def read_entry(path: Path) -> Entry:
    """The entry at `path`; a StoreError names what is wrong with it."""
    try:
        data = json.loads((path / "meta.json").read_text())
    except FileNotFoundError:
        raise StoreError(f"{path}: no meta.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StoreError(f"{path}: meta.json is not valid JSON ({e.__class__.__name__})") from None
    if not (path / "program.mlir").is_file():
        raise StoreError(f"{path}: no program.mlir")
    try:
        record = FindingRecord.from_json(data)
    except RecordError as e:
        raise StoreError(f"{path}: {e}") from None
    return Entry(path, record)


def _load_arrays(path: Path, stem: str) -> list[np.ndarray]:
    out = []
    i = 0
    try:
        while (path / f"{stem}{i}.npy").exists():
            out.append(_typed(np.load(path / f"{stem}{i}.npy", allow_pickle=False)))
            i += 1
    except (OSError, ValueError) as e:
        raise StoreError(f"{path}: {stem}{i}.npy cannot be read ({e.__class__.__name__})") from None
    return out


def _typed(array: np.ndarray) -> np.ndarray:
    """numpy saves a bf16 array as 2-byte voids (`<V2`, it has no bf16 type): read them back as bf16."""
    if array.dtype.kind == "V" and array.dtype.itemsize == 2:
        return array.view(numpy_dtype("bf16"))
    return array


def _save(directory: Path, stem: str, k: int, array: np.ndarray) -> None:
    """`<stem><k>.npy` (shape and values, what fuzzir reads), and for bf16 and expected integers also
    the raw little-endian `<stem><k>.bin` the reproducer's iree-run-module reads (`commands.array_file`)."""
    np.save(directory / f"{stem}{k}.npy", array, allow_pickle=False)
    name = array_file(stem, k, array)
    if name.endswith(".bin"):
        (directory / name).write_bytes(np.ascontiguousarray(array).tobytes())


def _write_json(path: Path, record: FindingRecord) -> None:
    path.write_text(json.dumps(record.to_json(), indent=2, sort_keys=True) + "\n")


#: A writer's temporary sibling of entry <name>: `.tmp-<pid>-<random>-<name>` (the new entry being written,
#: or the old one after an exchange) or `.old-<pid>-<random>-<name>` (holding the old entry as `entry`).
_LEFTOVER = re.compile(r"^\.(tmp|old)-(?P<pid>\d+)-[a-z0-9_]{8}-(?P<name>.+)$")
_LEGACY_OLD = re.compile(r"^\.old-[a-z0-9_]{8}$")
_META_LEFTOVER = re.compile(r"^\.meta-(?P<pid>\d+)-")


def _plain_name(name: str) -> bool:
    return name not in (".", "..") and "/" not in name and not name.startswith(".")


def _load_renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


_renameat2 = _load_renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2); False where the system or the file
    system cannot (then the caller renames twice)."""
    if _renameat2 is None:
        return False
    return _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


class DirectoryStore:
    """One directory per signature under `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _dirs(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in sorted(self.root.iterdir()) if p.is_dir() and not p.name.startswith(".")]

    def names(self) -> list[str]:
        return [p.name for p in self._dirs()]

    def fetch(self, name: str) -> Entry:
        return read_entry(self.root / name)

    def entries(self) -> list[Entry]:
        """Every entry, sorted by name; an unreadable one raises StoreError."""
        return [read_entry(p) for p in self._dirs()]

    def entries_lenient(self) -> list[Entry]:
        """Every readable entry, skipping unreadable ones (replay reports those; a campaign goes on)."""
        out = []
        for p in self._dirs():
            try:
                out.append(read_entry(p))
            except StoreError:
                continue
        return out

    def save(self, finding: NewFinding) -> tuple[Path, str]:
        """Store a finding; returns its directory and 'new', 'replaced' or 'duplicate'."""
        self.root.mkdir(parents=True, exist_ok=True)
        dest = self.root / finding.record.signature
        record = finding.record
        outcome = "new"
        if dest.exists():
            try:
                old = read_entry(dest).record
            except StoreError:
                old = None  # a corrupt entry is replaced by a good one
            if old is not None:
                if record.size >= old.size:
                    return dest, "duplicate"
                record = record.replace(status=old.status, verdict=old.verdict, minimization=None)
            outcome = "replaced"
        self._install(dest, NewFinding(record, finding.program, finding.inputs, finding.expected,
                                       finding.repro, finding.extra_files))
        return dest, outcome

    def replace(self, name: str, finding: NewFinding) -> None:
        """Rewrite an entry in place (after minimization), atomically."""
        self._install(self.root / name, finding)

    def update(self, name: str, record: FindingRecord) -> None:
        """Rewrite an entry's meta.json atomically."""
        path = self.root / name
        fd, tmp = tempfile.mkstemp(prefix=f".meta-{os.getpid()}-", dir=path)
        os.close(fd)
        held = scratch.hold(tmp)
        try:
            _write_json(Path(tmp), record)
            os.replace(tmp, path / "meta.json")
        finally:
            os.close(held)

    def delete(self, name: str) -> None:
        path = self.root / name
        if path.is_dir():
            trash = Path(tempfile.mkdtemp(prefix=f".old-{os.getpid()}-", suffix=f"-{name}", dir=self.root))
            os.replace(path, trash / "entry")
            shutil.rmtree(trash, ignore_errors=True)

    def recover(self) -> list[str]:
        """Put back entries a killed writer left between two renames, and remove its other leftovers;
        returns the names put back. Only leftovers of dead writers are touched: a writer holds a lock on what it
        writes (`scratch.hold`), which the kernel drops when it dies (a pid may belong to another container)."""
        if not self.root.is_dir():
            return []
        leftovers: dict[str, list[Path]] = {}
        for p in sorted(self.root.iterdir()):
            m = _LEFTOVER.match(p.name)
            if m is not None and p.is_dir() and not p.is_symlink() and not scratch.owned(p):
                leftovers.setdefault(m["name"], []).append(p)
        restored = []
        for name, paths in leftovers.items():
            dest = self.root / name
            if not dest.exists() and _plain_name(name):
                # The new entry (complete: it is renamed only once written) before the old one.
                for candidate in sorted(paths, key=lambda p: not p.name.startswith(".tmp-")):
                    inner = candidate / "entry" if candidate.name.startswith(".old-") else candidate
                    try:
                        read_entry(inner)
                    except StoreError:
                        continue
                    os.replace(inner, dest)
                    restored.append(name)
                    break
            for p in paths:
                shutil.rmtree(p, ignore_errors=True)
        for p in sorted(self.root.glob(".old-*")):  # fuzzir before pids in names: `.old-<random>/entry`
            if _LEGACY_OLD.match(p.name) and (p / "entry").is_dir():
                try:
                    name = read_entry(p / "entry").record.signature
                except StoreError:
                    continue
                if _plain_name(name) and not (self.root / name).exists():
                    os.replace(p / "entry", self.root / name)
                    shutil.rmtree(p, ignore_errors=True)
                    restored.append(name)
        for entry in self._dirs():  # meta.json rewrites cut short
            for f in entry.glob(".meta-*"):
                m = _META_LEFTOVER.match(f.name)
                if m is not None and not scratch.owned(f):
                    f.unlink(missing_ok=True)
        return restored

    def _install(self, dest: Path, finding: NewFinding) -> None:
        """Write the entry to a temporary sibling and rename it over `dest` (if any)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{pid}-", suffix=f"-{dest.name}", dir=dest.parent))
        held = [scratch.hold(tmp)]  # `recover` leaves a live writer's files alone
        try:
            (tmp / "program.mlir").write_text(finding.program)
            for i, x in enumerate(finding.inputs):
                _save(tmp, "input", i, x)
            for i, x in enumerate(finding.expected):
                _save(tmp, "expected", i, x)
            for name, text in finding.extra_files.items():
                (tmp / name).write_text(text)
            script = tmp / "repro.sh"
            script.write_text(finding.repro)
            script.chmod(0o755)
            _write_json(tmp / "meta.json", finding.record)
            if dest.exists() and _exchange(tmp, dest):
                shutil.rmtree(tmp, ignore_errors=True)  # now the old entry
            elif dest.exists():
                trash = Path(tempfile.mkdtemp(prefix=f".old-{pid}-", suffix=f"-{dest.name}", dir=dest.parent))
                held.append(scratch.hold(trash))
                os.replace(dest, trash / "entry")
                os.replace(tmp, dest)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(tmp, dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
            for fd in held:
                os.close(fd)


class ReadOnlyStore:
    """A store that reads and refuses to write: for replay and the pytest plugin."""

    def __init__(self, inner: DirectoryStore) -> None:
        self.inner = inner
        self.root = inner.root

    def names(self) -> list[str]:
        return self.inner.names()

    def fetch(self, name: str) -> Entry:
        return self.inner.fetch(name)

    def entries(self) -> list[Entry]:
        return self.inner.entries()

    def _refuse(self, *args: object) -> None:
        raise StoreError(f"{self.root} is opened read-only")

    save = replace = update = delete = _refuse  # type: ignore[assignment]
