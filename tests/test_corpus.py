"""The committed regression corpus (`crashes/`) replays as recorded on the installed IREE.

Every entry is a real, minimized finding against IREE 3.13; an `open` entry must still
reproduce and a `fixed` one must stay fixed. When IREE fixes a bug this test fails and
`fuzzir replay crashes --update` records it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzir.cli import main
from fuzzir.findings import KINDS

CORPUS = Path(__file__).resolve().parent.parent / "crashes"
ENTRIES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))


def test_corpus_is_well_formed() -> None:
    assert ENTRIES, "the corpus is empty"
    signatures = set()
    for entry in ENTRIES:
        meta = json.loads((entry / "meta.json").read_text())
        assert meta["kind"] in KINDS and meta["status"] in ("open", "fixed")
        assert entry.name == meta["signature"] and meta["signature_key"] not in signatures
        signatures.add(meta["signature_key"])
        assert (entry / "program.mlir").is_file() and (entry / "repro.sh").is_file()


def test_corpus_replays_as_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["replay", str(CORPUS)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 regression(s)" in out
