"""Findings apart from the corpus: a campaign never touches tracked files, counts go to the
database, `promote` is the only way into the corpus, and `report` shows it all (checked in a
real headless Chromium)."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from fuzzir.cli import main
from fuzzir.db import FindingsDB
from fuzzir.emit import emit
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.parse import parse_program
from fuzzir.persist import KNOWN, NEW, CorpusIndex, store_case
from fuzzir.report import COLOURS
from fuzzir.targets import parse_targets

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "programs"
INLINE0 = ("--iree-flow-inline-constants-max-byte-length=0",)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _case(name: str, flags: tuple[str, ...] = INLINE0):
    text = (DATA / f"{name}.mlir").read_text()
    settings = Settings(targets=parse_targets("llvm-cpu"), flag_sets=(flags,), matrix="full")
    return judge_program(parse_program(text), text, 0, settings, cells=plan_cells(settings, 0))


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_a_campaign_on_the_defaults_leaves_git_status_clean(tmp_path: Path) -> None:
    """`fuzzir fuzz` in a checkout: findings and their database land in the ignored findings/."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    shutil.copytree(ROOT / "crashes", repo / "crashes")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "corpus")
    exe = Path(sys.executable).parent / "fuzzir"
    proc = subprocess.run([str(exe), "fuzz", "--count", "6", "--seed", "3", "--targets", "llvm-cpu", "--jobs", "2",
                           "--minimize-time", "5"], cwd=repo, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    assert _git(repo, "status", "--porcelain") == ""
    assert (repo / "findings" / "fuzzir.db").is_file()
    assert "new against the corpus" in proc.stdout


def test_repeats_are_counted_in_the_database_and_corpus_signatures_are_not_stored(tmp_path: Path) -> None:
    case = _case("bug_reduction_nonsplat_init")
    findings, db = tmp_path / "findings", FindingsDB(tmp_path / "findings" / "fuzzir.db")
    first = store_case(findings, case, seed=0, elapsed=1.0, source="t", db=db)
    again = store_case(findings, case, seed=0, elapsed=2.0, source="t", db=db)
    assert [r.outcome for r in first] == [NEW] and [r.outcome for r in again] == ["duplicate"]
    (row,) = db.sightings()
    assert (row["hits"], row["place"], row["verdict"]) == (2, "findings", "defect")
    # The same finding against a corpus that holds it: counted as known, nothing written.
    corpus = tmp_path / "corpus"
    shutil.copytree(first[0].path, corpus / first[0].path.name)
    other = tmp_path / "other"
    known = store_case(other, case, seed=0, elapsed=None, source="t", corpus=CorpusIndex(corpus), db=db)
    assert [r.outcome for r in known] == [KNOWN] and not other.exists()
    assert db.sightings()[0]["place"] == "corpus"
    cover = db.coverage()
    assert cover[("linalg", "reduction", "nonsplat", "llvm-cpu", "defect")] == 3


def test_a_guarded_program_is_coverage_not_a_finding(tmp_path: Path) -> None:
    # (a splat init is no example: without the pass stream fills it fresh, nothing is guarded; issue 17)
    case = _case("guarded_pooling_sum_nonsplat")
    db = FindingsDB(tmp_path / "fuzzir.db")
    results = store_case(tmp_path / "findings", case, seed=0, elapsed=None, source="t", db=db)
    assert [(r.verdict, r.outcome, r.path) for r in results] == [("guarded", "guarded", None)]
    assert not (tmp_path / "findings").exists()
    assert db.coverage() == {("linalg", "pooling", "nonsplat", "llvm-cpu", "guarded"): 1}


def test_promote_refuses_what_does_not_belong_and_takes_what_does(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    found, corpus = tmp_path / "findings", tmp_path / "corpus"
    src = tmp_path / "bug.mlir"
    src.write_text(emit(parse_program((DATA / "bug_reduction_nonsplat_init.mlir").read_text())))
    assert main(["check", str(src), "--targets", "llvm-cpu",
                 f"--iree-flag={INLINE0[0]}", "--out", str(found)]) == 1
    (entry,) = [p for p in found.iterdir() if p.is_dir()]
    capsys.readouterr()
    assert main(["promote", str(entry), "--corpus", str(corpus)]) == 2
    assert "not minimized" in capsys.readouterr().err and not corpus.exists()
    assert main(["minimize", str(entry), "--time", "20"]) == 0
    assert main(["promote", str(entry), "--corpus", str(corpus)]) == 0
    promoted = corpus / entry.name
    assert json.loads((promoted / "meta.json").read_text())["signature"] == entry.name
    assert (promoted / "program.mlir").read_text() == (entry / "program.mlir").read_text()
    capsys.readouterr()
    assert main(["promote", str(entry), "--corpus", str(corpus)]) == 2
    assert "already in the corpus" in capsys.readouterr().err
    assert main(["promote", str(tmp_path / "nothing"), "--corpus", str(corpus)]) == 2
    assert main(["replay", str(corpus), "--jobs", "1"]) == 0


def _png_pixels(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) into an HxWxC array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), np.int32)
    prev = np.zeros(stride, np.int32)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, np.int32)
        for x in range(stride):
            a = cur[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2}.get(kind)
            if pred is None:  # Paeth
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            cur[x] = (line[x] + pred) & 0xFF
        out[y], prev = cur, cur
    return out.reshape(height, width, channels)[:, :, :3]


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (scripts/setup.sh installs it)")
def test_the_html_report_renders_the_matrix_in_a_real_browser(tmp_path: Path) -> None:
    found = tmp_path / "findings"
    db = FindingsDB(found / "fuzzir.db")
    store_case(found, _case("bug_reduction_nonsplat_init"), seed=0, elapsed=1.0, source="t", db=db)
    store_case(found, _case("guarded_pooling_sum_nonsplat"), seed=0, elapsed=2.0, source="t", db=db)
    store_case(found, _case("clean_matmul_fill", ()), seed=0, elapsed=3.0, source="t", db=db)
    assert main(["report", str(found), "-o", str(tmp_path / "out")]) == 0
    md = (tmp_path / "out" / "report.md").read_text()
    assert "| reduction |" in md and "**defect**" in md and "**guarded**" in md and "readwrite-constant" in md
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=700,500", f"--screenshot={shot}", (tmp_path / "out" / "report.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = _png_pixels(shot)
    for verdict in ("defect", "guarded", "clean"):  # each verdict's cell is painted in its colour
        rgb = np.array([int(COLOURS[verdict][i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).sum(axis=2) < 12).sum() > 500, verdict


def test_a_finding_outside_the_model_is_minimized_by_iree_s_reducer(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A user's program with a mutable global (not in fuzzir's model): stored, then reduced by `ireeReduceRunMain`;
    a StableHLO program (a dialect the wheel's reducer lacks) is reduced through its input-phase IR."""
    found = tmp_path / "findings"
    inputs = Path(__file__).parent / "data" / "inputs"
    user = str(inputs / "mutable_global_defect.mlir")
    assert main(["check", user, "--targets", "llvm-cpu", "--out", str(found)]) == 1
    (entry,) = [p for p in found.iterdir() if p.is_dir()]
    assert main(["minimize", str(entry), "--time", "120"]) == 0
    meta = json.loads((entry / "meta.json").read_text())
    assert meta["minimization"]["passes"] == ["iree-reduce"] and meta["signature"] == entry.name
    assert (entry / "original.mlir").is_file()
    assert main(["check", str(inputs / "stablehlo_defect.mlir"), "--targets", "llvm-cpu", "--out", str(found)]) == 1
    (hlo,) = [p for p in found.iterdir() if p.is_dir() and p != entry]
    assert hlo.name == "written-constant-2623860da08b"  # the corpus's reduction-into-a-constant cause
    assert main(["minimize", str(hlo), "--time", "120"]) == 0
    meta = json.loads((hlo / "meta.json").read_text())
    assert meta["minimization"]["passes"] == ["lower-to-input", "iree-reduce"] and meta["signature"] == hlo.name
    assert "stablehlo" not in (hlo / "program.mlir").read_text()
    assert "stablehlo.scatter" in (hlo / "original.mlir").read_text()
