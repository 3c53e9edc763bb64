"""Build the labelled root-cause fixture from a campaign's findings directory.

    python scripts/label_causes.py FINDINGS_DIR                  # print what to label
    python scripts/label_causes.py FINDINGS_DIR LABELS.json OUT  # write the fixture

LABELS.json maps each stored signature to a root-cause label written by a person
after reading the finding (its program, message, variants and targets). The
fixture keeps each finding's observations, so `tests/test_labelled_causes.py`
can recompute signatures with today's rule and notice a split or a merge.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fuzzir.db import DB_NAME, FindingsDB
from fuzzir.store import DirectoryStore


def main(argv: list[str]) -> int:
    root = Path(argv[1])
    entries = DirectoryStore(root).entries()
    rows = {r["signature"]: r for r in FindingsDB(root / DB_NAME).sightings()}
    if len(argv) == 2:
        for e in entries:
            r = e.record
            print(f"{r.signature} [{r.verdict}] {r.signature_key}")
            print(f"    {r.families} {r.init_kinds} {r.element_types} {r.targets} {r.variants} {r.flags}")
            print(f"    {r.message[:160]}")
        return 0
    labels = json.loads(Path(argv[2]).read_text())
    out = {"campaign": labels.pop("_campaign", ""), "findings": []}
    for e in entries:
        r = e.record
        row = rows.get(r.signature, {})
        out["findings"].append({
            "signature": r.signature, "cause": labels[r.signature], "verdict": r.verdict, "kind": r.kind,
            "first_after_seconds": row.get("first_after_seconds"), "hits": row.get("hits"),
            "observations": [o.to_json() for o in r.observations]})
    Path(argv[3]).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
