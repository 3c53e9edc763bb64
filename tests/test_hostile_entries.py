"""A corpus entry is untrusted data: a crafted meta.json must not write outside the corpus or run code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fuzzir.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "crashes"
ENTRY = "compile-error-221b7de2d97e"


def _crafted(tmp_path: Path, **changes: object) -> Path:
    entry = Path(shutil.copytree(CORPUS / ENTRY, tmp_path / "findings" / ENTRY))
    meta = json.loads((entry / "meta.json").read_text())
    for key, value in changes.items():
        if key == "flags":
            meta["repro_cell"]["flags"] = value
        else:
            meta[key] = value
    (entry / "meta.json").write_text(json.dumps(meta))
    return entry


@pytest.mark.parametrize("signature", ["../x", "/tmp/evil", "a/b", ".hidden"])
def test_promote_refuses_a_signature_that_is_a_path(signature: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    entry = _crafted(tmp_path, signature=signature)
    corpus = tmp_path / "corpus"
    assert main(["promote", str(entry), "--corpus", str(corpus), "--no-run"]) == 2
    assert "signature" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not Path("/tmp/evil").exists()
    assert not corpus.exists() or not any(corpus.iterdir())


@pytest.mark.parametrize("changes", [{"flags": ["--x\nrm -rf ~"]}, {"iree_version": "3.13.0\n// RUN: touch pwned"}])
def test_a_newline_in_a_flag_or_version_is_refused_not_run(changes: dict, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    entry = _crafted(tmp_path, **changes)
    assert main(["export", str(entry), "--format", "lit"]) == 2
    assert "control character" in capsys.readouterr().err


def _promote(entry: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["promote", str(entry), "--corpus", str(corpus), "--no-run"]) == 2
    assert not corpus.exists() or not any(corpus.iterdir())
    return capsys.readouterr().err


def test_promote_refuses_entries_that_do_not_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    src = CORPUS / "miscompile-978cad5abacb"
    corpus = tmp_path / "corpus"
    cases = {
        "strings": lambda e: np.save(e / "expected0.npy", np.array(["a", "b"])),
        "truncated": lambda e: (e / "input0.npy").write_bytes((e / "input0.npy").read_bytes()[:20]),
        "not utf-8": lambda e: (e / "program.mlir").write_bytes(b"\xff\xfe func.func"),
        "no repro": lambda e: (e / "repro.sh").unlink(),
    }
    for name, spoil in cases.items():
        entry = Path(shutil.copytree(src, tmp_path / name.replace(" ", "-") / src.name))
        spoil(entry)
        err = _promote(entry, corpus, capsys)
        assert "not promoted" in err and "Traceback" not in err, (name, err)
    unknown = _crafted(tmp_path / "t", flags=[])
    meta = json.loads((unknown / "meta.json").read_text())
    meta["repro_cell"]["target"] = "tpu"
    (unknown / "meta.json").write_text(json.dumps(meta))
    assert "unknown target" in _promote(unknown, corpus, capsys)


def test_promote_into_an_unwritable_corpus_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    entry = Path(shutil.copytree(CORPUS / ENTRY, tmp_path / "findings" / ENTRY))
    assert main(["promote", str(entry), "--corpus", str(blocker / "corpus"), "--no-run"]) == 2
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err


def test_replay_reports_an_entry_that_does_not_read_back_as_an_error(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """It said 'reproduces' for a truncated expected output and a missing repro.sh (judging the program again)."""
    corpus = tmp_path / "corpus"
    entry = Path(shutil.copytree(CORPUS / ENTRY, corpus / ENTRY))
    (entry / "repro.sh").unlink()
    assert main(["replay", str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "no repro.sh" in out and "reproduces" not in out.split("\n")[-2]


def test_export_refuses_an_entry_that_does_not_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`export --format lit` of a string-typed expected output or a program without its entry function
    exited 0 with a test that could never pass for the finding."""
    import numpy as np

    src = CORPUS / "miscompile-978cad5abacb"
    spoilers = {
        "strings": lambda e: np.save(e / "expected0.npy", np.array(["a", "b"])),
        "no-entry": lambda e: (e / "program.mlir").write_text(
            (e / "program.mlir").read_text().replace("@main", "@not_main")),
    }
    for name, spoil in spoilers.items():
        entry = Path(shutil.copytree(src, tmp_path / name / src.name))
        spoil(entry)
        assert main(["export", str(entry), "--format", "lit"]) == 2, name
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1 and "Traceback" not in captured.err, name
    assert main(["export", str(src), "--format", "lit"]) == 0  # the entry as it is exports
