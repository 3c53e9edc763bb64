"""One finding per root cause, held to a table a person labelled.

`tests/data/labelled_causes.json` holds every finding of a 10-minute campaign on the
defaults, each with its observations and the root cause a person gave it after reading
it (`scripts/label_causes.py` builds it). A change to the signature rule that splits a
finding, merges two, or moves one to another signature fails here, so it cannot happen
silently: relabel on purpose and rebuild the fixture.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from fuzzir.findings import Observation, group

FIXTURE = json.loads((Path(__file__).parent / "data" / "labelled_causes.json").read_text())
FINDINGS = FIXTURE["findings"]


@pytest.mark.parametrize("entry", FINDINGS, ids=[f["signature"] for f in FINDINGS])
def test_each_labelled_finding_keeps_its_one_signature(entry: dict) -> None:
    found = group([Observation.from_json(o) for o in entry["observations"]])
    assert [(f.signature, f.verdict()) for f in found] == [(entry["signature"], entry["verdict"])]


def test_no_signature_merges_two_causes_and_causes_fan_out_little() -> None:
    signatures = [f["signature"] for f in FINDINGS]
    assert len(set(signatures)) == len(signatures)  # no two labelled findings share a signature
    per_cause = Counter(f["cause"] for f in FINDINGS)
    assert len(FINDINGS) / len(per_cause) <= 1.5, per_cause
