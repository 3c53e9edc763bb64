"""The on-disk finding store: one directory per signature, written atomically.

A finding directory holds `program.mlir`, `input<i>.npy`, `expected<i>.npy`,
`meta.json` and `repro.sh`. It is written to a temporary sibling and renamed
into place, so a crash of fuzzir mid-write never leaves a half finding, and a
finding is on disk before the campaign moves on. A finding whose signature is
already stored is counted (`hits` in meta.json) rather than stored again,
unless the new program is smaller; then it replaces the stored one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

META_VERSION = 1


class CorpusError(ValueError):
    """A corpus entry that cannot be read: one line, naming the entry."""


@dataclass
class Entry:
    path: Path
    meta: dict

    @property
    def signature(self) -> str:
        return self.meta["signature"]

    @property
    def size(self) -> tuple[int, int]:
        s = self.meta.get("size", {})
        return (int(s.get("ops", 1 << 30)), int(s.get("elements", 1 << 62)))


def read_entry(path: Path) -> Entry:
    meta_path = path / "meta.json"
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        raise CorpusError(f"{path}: no meta.json") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorpusError(f"{path}: meta.json is not valid JSON ({e.__class__.__name__})") from None
    if not isinstance(meta, dict) or "signature" not in meta or "kind" not in meta:
        raise CorpusError(f"{path}: meta.json lacks 'signature' or 'kind'")
    if not (path / "program.mlir").is_file():
        raise CorpusError(f"{path}: no program.mlir")
    return Entry(path, meta)


def entries(root: Path) -> list[Entry]:
    """Every readable entry under root, sorted by name; unreadable ones raise CorpusError."""
    if not root.is_dir():
        return []
    return [read_entry(p) for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]


def load_arrays(path: Path, stem: str) -> list[np.ndarray]:
    out = []
    i = 0
    while (path / f"{stem}{i}.npy").exists():
        out.append(np.load(path / f"{stem}{i}.npy", allow_pickle=False))
        i += 1
    return out


def _write_dir(tmp: Path, meta: dict, program_text: str, inputs: list[np.ndarray],
               expected: list[np.ndarray], repro: str, extra: dict[str, str]) -> None:
    (tmp / "program.mlir").write_text(program_text)
    for i, x in enumerate(inputs):
        np.save(tmp / f"input{i}.npy", x, allow_pickle=False)
    for i, x in enumerate(expected):
        np.save(tmp / f"expected{i}.npy", x, allow_pickle=False)
    for name, text in extra.items():
        (tmp / name).write_text(text)
    script = tmp / "repro.sh"
    script.write_text(repro)
    script.chmod(0o755)
    (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def store(root: Path, meta: dict, program_text: str, inputs: list[np.ndarray],
          expected: list[np.ndarray], repro: str, extra: dict[str, str] | None = None) -> tuple[Path, str]:
    """Store a finding; returns its directory and 'new', 'replaced' or 'duplicate'."""
    root.mkdir(parents=True, exist_ok=True)
    dest = root / meta["signature"]
    meta = {**meta, "meta_version": META_VERSION}
    size = (meta["size"]["ops"], meta["size"]["elements"])
    outcome = "new"
    if dest.exists():
        try:
            old = read_entry(dest)
        except CorpusError:
            old = None  # a corrupt entry is replaced by a good one
        if old is not None:
            hits = int(old.meta.get("hits", 1)) + 1
            if size >= old.size:
                old.meta["hits"] = hits
                write_meta(dest, old.meta)
                return dest, "duplicate"
            meta["hits"] = hits
            meta["status"] = old.meta.get("status", meta.get("status", "open"))
        outcome = "replaced"
    _install(dest, meta, program_text, inputs, expected, repro, extra)
    return dest, outcome


def _install(dest: Path, meta: dict, program_text: str, inputs: list[np.ndarray],
             expected: list[np.ndarray], repro: str, extra: dict[str, str] | None) -> None:
    """Write the entry to a temporary sibling and rename it over `dest` (if any)."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=dest.parent))
    try:
        _write_dir(tmp, meta, program_text, inputs, expected, repro, extra or {})
        if dest.exists():
            trash = Path(tempfile.mkdtemp(prefix=".old-", dir=dest.parent))
            os.replace(dest, trash / "entry")
            os.replace(tmp, dest)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_meta(path: Path, meta: dict) -> None:
    """Rewrite meta.json atomically."""
    fd, tmp = tempfile.mkstemp(prefix=".meta-", dir=path)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path / "meta.json")


def replace(path: Path, meta: dict, program_text: str, inputs: list[np.ndarray],
            expected: list[np.ndarray], repro: str, extra: dict[str, str] | None = None) -> None:
    """Rewrite an entry in place (after minimization), atomically."""
    _install(path, {**meta, "meta_version": META_VERSION}, program_text, inputs, expected, repro, extra)
