"""Faults, with real processes: a killed fuzzir leaves no child, no temporary directory and no lost finding.

Each test kills or starves a real fuzzir or a real IREE tool; the quick ones take seconds, the campaign
killed mid-minimization (and resumed) is marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fuzzir import scratch
from fuzzir.cli import main
from fuzzir.entry_check import entry_problem
from fuzzir.sandbox import tool_path
from fuzzir.store import DirectoryStore, read_entry

CORPUS = Path(__file__).resolve().parent.parent / "crashes"
ENTRY = "miscompile-978cad5abacb"
#: `fuzzir gen --seed 1`: a program clean on llvm-cpu (checked with 3.13), compiled in about a second.
CLEAN_SEED = 1


def _program(tmp_path: Path, seed: int = CLEAN_SEED) -> Path:
    path = tmp_path / f"seed{seed}.mlir"
    out = subprocess.run([sys.executable, "-m", "fuzzir", "gen", "--seed", str(seed)], capture_output=True,
                         text=True, check=True)
    path.write_text(out.stdout)
    return path


def _children(pid: int) -> list[int]:
    """The pids whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed child whose new parent, here pid 1, may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _owned(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith(scratch.PREFIX))


def _wait_for(predicate, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


# ------------------------------------------------------------------ temporary directories and children


_MAKE_DIR = """
import os, signal, sys
from fuzzir import scratch
print(scratch.make_dir("case"), flush=True)
if sys.argv[1] == "die":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.read()  # alive, holding its directory, until the test closes stdin
"""


def test_stale_temporary_directories_of_dead_owners_are_swept(tmp_path: Path) -> None:
    """Whose a directory is, is its lock (the kernel drops it with its owner), not its pid: a temp directory
    shared with other pid namespaces (containers) holds live directories of pids not visible here."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    killed = subprocess.run([sys.executable, "-c", _MAKE_DIR, "die"], env=env, capture_output=True, text=True)
    dead = Path(killed.stdout.strip())
    live = subprocess.Popen([sys.executable, "-c", _MAKE_DIR, "live"], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        alive = Path(live.stdout.readline().strip())
        unseen = tmp_path / f"fuzzir-case-{_dead_pid()}-abcd1234"  # unlocked: its owner is gone
        other = tmp_path / "fuzzir-case-abcd1234"  # no pid: fuzzir before this scheme, left alone
        for d in (unseen, other):
            (d / "phases").mkdir(parents=True)
        assert dead.parent == tmp_path and dead.is_dir() and alive.is_dir()
        assert sorted(scratch.sweep_stale(str(tmp_path))) == sorted([str(dead), str(unseen)])
        assert alive.is_dir() and other.is_dir() and not dead.exists()
    finally:
        live.communicate("")
    assert not alive.exists()  # removed by its owner at exit


def test_a_killed_check_leaves_no_child_and_its_directories_go_at_the_next_start(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the children die with fuzzir (PR_SET_PDEATHSIG), the directories at the next start."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    program = _program(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "fuzzir", "check", str(program), "--targets", "llvm-cpu",
                             "--no-blame"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: any(_running(c) for c in _children(proc.pid)), 60, "a compiler child")
        children = _children(proc.pid)
        assert _owned(tmp), "the check made no temporary directory of its own"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _wait_for(lambda: not any(_running(c) for c in children), 2, "the children to die with fuzzir")
    assert _owned(tmp), "nothing left to clean: the test shows nothing"
    assert subprocess.run([sys.executable, "-m", "fuzzir", "gen"], env=env, capture_output=True).returncode == 0
    assert _owned(tmp) == []


def test_sigterm_removes_the_temporary_directories_and_the_children(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    program = _program(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "fuzzir", "check", str(program), "--targets", "llvm-cpu",
                             "--no-blame"], env={**os.environ, "TMPDIR": str(tmp)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for(lambda: any(_running(c) for c in _children(proc.pid)), 60, "a compiler child")
    children = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in err, err
    assert not any(_running(c) for c in children)
    assert _owned(tmp) == []


# ------------------------------------------------------------------ a finding replaced: never lost

_KILLED_BETWEEN_RENAMES = """
import os, shutil, signal, sys, tempfile
from pathlib import Path
root, name = Path(sys.argv[1]), sys.argv[2]
pid = os.getpid()
new = Path(tempfile.mkdtemp(prefix=f".tmp-{pid}-", suffix=f"-{name}", dir=root))
for f in (root / name).iterdir():
    shutil.copy(f, new / f.name)
(new / "original.mlir").write_text("// the new entry")
old = Path(tempfile.mkdtemp(prefix=f".old-{pid}-", suffix=f"-{name}", dir=root))
os.replace(root / name, old / "entry")  # the first rename of the two-rename replacement...
os.kill(pid, signal.SIGKILL)            # ...and the kill before the second
"""


def test_an_entry_killed_between_two_renames_is_put_back_at_the_next_start(tmp_path: Path) -> None:
    """Where the one-step exchange is not available, a replacement is two renames; a kill between them left
    the finding in `.old-*`/`.tmp-*` (replay then counted 0 entries)."""
    root = tmp_path / "findings"
    shutil.copytree(CORPUS / ENTRY, root / ENTRY)
    proc = subprocess.run([sys.executable, "-c", _KILLED_BETWEEN_RENAMES, str(root), ENTRY])
    assert proc.returncode == -signal.SIGKILL
    store = DirectoryStore(root)
    assert store.names() == [] and len(list(root.iterdir())) == 2  # the state the kill left
    assert store.recover() == [ENTRY]
    assert store.names() == [ENTRY] and sorted(p.name for p in root.iterdir()) == [ENTRY]
    assert (root / ENTRY / "original.mlir").read_text() == "// the new entry"  # the complete new one
    assert entry_problem(root / ENTRY) == ""


def test_recover_leaves_a_live_writers_files_alone(tmp_path: Path) -> None:
    root = tmp_path / "findings"
    old = root / f".old-{os.getpid()}-abcd1234-{ENTRY}"
    shutil.copytree(CORPUS / ENTRY, old / "entry")
    held = scratch.hold(old)  # a writer between its two renames, alive (in this or another container)
    try:
        assert DirectoryStore(root).recover() == []
        assert (old / "entry" / "meta.json").is_file()
    finally:
        os.close(held)
    assert DirectoryStore(root).recover() == [ENTRY]  # once it is gone


def test_an_entry_an_older_fuzzir_left_between_its_renames_is_put_back(tmp_path: Path) -> None:
    """Names without a pid (`.old-<random>/entry`): the entry's own signature says where it belongs."""
    root = tmp_path / "findings"
    shutil.copytree(CORPUS / ENTRY, root / ".old-abcd1234" / "entry")
    assert DirectoryStore(root).recover() == [ENTRY]
    assert sorted(p.name for p in root.iterdir()) == [ENTRY] and entry_problem(root / ENTRY) == ""


def test_replacing_an_entry_keeps_it_readable_throughout(tmp_path: Path) -> None:
    from fuzzir.store import NewFinding

    root = tmp_path / "findings"
    shutil.copytree(CORPUS / ENTRY, root / ENTRY)
    store = DirectoryStore(root)
    entry = store.fetch(ENTRY)
    new = NewFinding(entry.record, entry.program(), entry.inputs(), entry.expected(),
                     (root / ENTRY / "repro.sh").read_text(), {"original.mlir": "// before"})
    store.replace(ENTRY, new)
    assert sorted(p.name for p in root.iterdir()) == [ENTRY]  # no .tmp-*/.old-* left behind
    assert (root / ENTRY / "original.mlir").read_text() == "// before" and entry_problem(root / ENTRY) == ""


# ------------------------------------------------------------------ limits: memory and time


def test_a_child_above_the_memory_limit_is_an_oom_finding_with_the_limit(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["check", str(_program(tmp_path)), "--targets", "llvm-cpu", "--rss-limit-mb", "5", "--no-blame",
                 "--out", str(out)]) == 1
    assert "oom" in capsys.readouterr().out
    [finding] = DirectoryStore(out).entries()
    assert finding.record.kind == "oom" and "limit of 5 MiB" in finding.record.message
    # Its reproducer watches the compiler's resident memory the same way, with IREE's tools alone.
    env = {**os.environ, "IREE_COMPILE": tool_path("iree-compile"), "IREE_OPT": tool_path("iree-opt")}
    repro = subprocess.run(["bash", str(finding.path / "repro.sh")], env=env, capture_output=True, text=True,
                           timeout=120)
    assert repro.returncode == 1 and "above 5 MiB" in repro.stdout, repro.stdout + repro.stderr
    # Without a limit the same program is clean: the finding came of the limit alone.
    assert main(["check", str(_program(tmp_path)), "--targets", "llvm-cpu", "--rss-limit-mb", "0",
                 "--no-blame"]) == 0


def test_a_timeout_that_does_not_reproduce_with_a_generous_limit_is_not_a_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--compile-timeout 0.01` is missed by every compile; the retry (60 s) finishes: no timeout finding."""
    out = tmp_path / "out"
    assert main(["check", str(_program(tmp_path)), "--targets", "llvm-cpu", "--compile-timeout", "0.01",
                 "--no-blame", "--json", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["findings"] == [] and data["latent"] == []
    assert captured.err.count("retried with a generous limit: it finished") == 2  # with and without the pass
    assert not out.exists() or DirectoryStore(out).names() == []


# ------------------------------------------------------------------ a campaign killed mid-minimization


def _fuzz(out: Path, env: dict, *more: str) -> list[str]:
    return [sys.executable, "-m", "fuzzir", "fuzz", "--out", str(out), "--corpus", "none", "--jobs", "2",
            "--targets", "llvm-cpu", "--no-blame", "--quiet", *more]


@pytest.mark.slow
def test_a_campaign_killed_mid_minimization_loses_nothing_and_the_next_one_resumes(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out = tmp_path / "findings"
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen(_fuzz(out, env, "--time", "600"), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: any(out.glob("*/meta.json")), 240, "a first finding")
        time.sleep(4)  # the finding is being minimized now (minimizing goes first)
        children = _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    _wait_for(lambda: not any(_running(c) for c in children), 2, "the children to die with fuzzir")
    assert _owned(tmp), "nothing left to clean: the test shows nothing"
    entries = DirectoryStore(out).entries()  # every finding present and whole: none raises
    assert entries and all(entry_problem(e.path) == "" for e in entries)
    # Oldest first: the one whose minimization the kill interrupted (findings are minimized in turn).
    unminimized = sorted((e.name for e in entries if e.record.minimization is None),
                         key=lambda name: (out / name / "meta.json").stat().st_mtime)
    assert unminimized, "every finding was minimized before the kill: nothing to resume"
    import sqlite3

    with sqlite3.connect(out / "fuzzir.db") as con:
        assert con.execute("SELECT programs FROM campaigns").fetchone()[0] >= 1  # written as it went

    done = subprocess.run(_fuzz(out, env, "--count", "1"), env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    assert f"resumed {len(unminimized)} finding(s)" in done.stdout
    assert _owned(tmp) == []
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    again = {e.name: e for e in DirectoryStore(out).entries()}
    assert set(again) >= {e.name for e in entries} and all(entry_problem(e.path) == "" for e in again.values())
    assert read_entry(out / unminimized[0]).record.minimization is not None  # the interrupted one, resumed


@pytest.mark.slow
def test_fuzz_time_is_a_deadline_for_the_whole_command(tmp_path: Path) -> None:
    """It waited for minimizations in flight: `--time 30` ran 54-68 s."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "fuzzir", "fuzz", "--time", "20", "--out", str(tmp_path / "f"),
                           "--corpus", "none", "--quiet"], capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - start
    assert done.returncode in (0, 1), done.stderr
    assert wall < 20 + 10, f"fuzz --time 20 took {wall:.1f} s"
