"""`fuzzir promote`: put a finding into the committed corpus, on purpose.

A campaign never writes the corpus (it is the regression suite CI replays, and
a fuzzing run must not dirty it). A person promotes a finding after looking at
it; promotion checks what a corpus entry must be:

- readable, and not `guarded` (the pass prevents it: not a defect of IREE);
- minimized (`fuzzir minimize DIR`), so the regression test is small;
- reproducing today: its `repro.sh` runs, with IREE's tools alone, and exits 1;
- new: no corpus entry has its signature, nor its blamed cause (`meta.json["cause"]`).

The entry is copied (to a temporary sibling, then renamed, like every store write)
with its `original.mlir` if it has one; the working finding is left where it is.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fuzzir.entry_check import entry_problem
from fuzzir.findings import GUARDED
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.store import DirectoryStore, StoreError, read_entry


@dataclass(frozen=True)
class Promotion:
    finding: Path
    ok: bool
    detail: str  # one line: where it went, or why not
    entry: Path | None = None


def _tool_dirs() -> str:
    """PATH for repro.sh: the directories of the IREE tools fuzzir itself runs."""
    dirs = []
    for name in ("iree-compile", "iree-opt", "iree-run-module"):
        try:
            d = os.path.dirname(tool_path(name))
        except FileNotFoundError:
            continue
        if d not in dirs:
            dirs.append(d)
    return os.pathsep.join([*dirs, os.path.dirname(sys.executable), os.environ.get("PATH", "")])


def run_repro(path: Path, timeout: float = 600.0) -> tuple[int, str]:
    """Run the finding's repro.sh; (exit status, its last output line)."""
    # Through the sandbox: its tools die with fuzzir and on timeout (its own group), like every other child.
    res = run_tool(["bash", str(path / "repro.sh")], timeout=timeout, mem_limit_mb=None,
                   env={**os.environ, "PATH": _tool_dirs()})
    if res.timed_out:
        return 124, f"repro.sh ran over {timeout:.0f} s"
    lines = (res.stdout + res.stderr).strip().splitlines()
    return (res.returncode if res.returncode is not None else 137), lines[-1] if lines else ""


def promote_one(path: Path, corpus: Path, *, run: bool = True) -> Promotion:
    """Check one finding and copy it into `corpus`; never raises for a problem of the finding."""
    try:
        record = read_entry(path).record
    except StoreError as e:
        return Promotion(path, False, str(e))
    if record.verdict == GUARDED:
        return Promotion(path, False, "it is guarded by the pass (seen only without it): not a defect of IREE")
    if record.minimization is None:
        return Promotion(path, False, f"not minimized: run `fuzzir minimize {path}` first")
    problem = entry_problem(path)
    if problem:
        return Promotion(path, False, problem)
    entries = DirectoryStore(corpus).entries_lenient()
    existing = {e.record.signature: e.path for e in entries}
    if record.signature in existing or (corpus / record.signature).exists():
        where = existing.get(record.signature, corpus / record.signature)
        return Promotion(path, False, f"its signature is already in the corpus: {where}")
    same = next((e.path for e in entries if record.cause and e.record.cause == record.cause), None)
    if same is not None:  # blamed alike (`fuzzir.blame`): one root cause seen through another program
        return Promotion(path, False, f"its cause (what it needs, by blame) is already in the corpus: {same}")
    if run:
        rc, last = run_repro(path)
        if rc != 1:
            return Promotion(path, False, f"repro.sh does not reproduce it today (exit {rc}: {last})")
    dest = corpus / record.signature
    try:
        corpus.mkdir(parents=True, exist_ok=True)
        # Named like the store's own (`DirectoryStore.recover` removes it when a kill leaves it behind).
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{os.getpid()}-", suffix=f"-{record.signature}", dir=corpus))
        try:
            shutil.copytree(path, tmp / "entry", ignore=shutil.ignore_patterns(".*", "__pycache__"))
            os.replace(tmp / "entry", dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as e:
        return Promotion(path, False, f"the corpus {corpus} cannot be written ({e.strerror or e})")
    return Promotion(path, True, f"promoted to {dest}", dest)


def promote(paths: list[Path], corpus: Path, *, run: bool = True) -> list[Promotion]:
    if corpus.is_dir():
        try:
            DirectoryStore(corpus).recover()  # what a killed promote left
        except OSError:
            pass  # an unwritable corpus: each promotion says so
    return [promote_one(p, corpus, run=run) for p in paths]
