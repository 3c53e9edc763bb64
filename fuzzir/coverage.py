"""What `fuzzir check` did over many programs: one table of who judged, who abstained and why, and what was found.

A whole test suite given to `fuzzir check` is only as useful as the oracles that
could judge it: a suite where the value oracles abstain on every program looks
clean and says nothing. So the table counts, per oracle, the programs it judged
(in at least one cell) and those where it abstained in every cell it was asked
about, with the most common reasons; and the findings by kind and verdict.

Reasons are counted once per program and with file locations blanked
(`at x.mlir:4:10` becomes `at FILE:L:C`), so that one cause over many files is
one row, not one per file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fuzzir.any_program import cells_json, oracle_summary
from fuzzir.findings import DEFECT, GUARDED, KINDS, LATENT, VERDICTS, Finding
from fuzzir.judge import CaseResult
from fuzzir.record import CellRecord

TOP_REASONS = 3
_LOCATION = re.compile(r"[^\s:()]+\.mlir:\d+:\d+")


def reason_key(reason: str) -> str:
    """An abstention reason with file locations blanked, so that one cause counts once across files."""
    return _LOCATION.sub("FILE:L:C", reason)


@dataclass
class ProgramCoverage:
    """One program as the table counts it: its cells' oracle records and its findings (or why it was refused)."""

    file: str
    cells: list[CellRecord] = field(default_factory=list)
    findings: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, its verdict)
    refused: str = ""  # bad input: why fuzzir could not read the program ("" when it was checked)

    @property
    def defective(self) -> bool:
        return any(v == DEFECT for _, v in self.findings)


@dataclass
class OracleCoverage:
    judged: int = 0  # programs judged in at least one cell
    abstained: int = 0  # programs abstained on in every cell it was asked about
    judged_cells: int = 0
    cells: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # per program, over the programs abstained on


@dataclass
class Coverage:
    programs: list[ProgramCoverage] = field(default_factory=list)

    def add(self, program: ProgramCoverage) -> None:
        self.programs.append(program)

    @property
    def checked(self) -> list[ProgramCoverage]:
        return [p for p in self.programs if not p.refused]

    def oracles(self) -> dict[str, OracleCoverage]:
        """Per oracle (by name), what it did over the checked programs."""
        out: dict[str, OracleCoverage] = {}
        for p in self.checked:
            seen: dict[str, list[str]] = {}
            for cell in p.cells:
                for name, what in (cell.oracles or {}).items():
                    seen.setdefault(name, []).append(what)
            for name, whats in seen.items():
                o = out.setdefault(name, OracleCoverage())
                o.cells += len(whats)
                o.judged_cells += whats.count("judged")
                if "judged" in whats:
                    o.judged += 1
                    continue
                o.abstained += 1
                for reason in {reason_key(w.removeprefix("abstained: ")) for w in whats}:
                    o.reasons[reason] += 1
        return dict(sorted(out.items()))

    def findings_by_kind(self) -> dict[str, dict[str, int]]:
        """Findings (one per cause per program) by kind, then verdict; kinds in severity order."""
        counts: dict[str, dict[str, int]] = {}
        for p in self.checked:
            for f, verdict in p.findings:
                by = counts.setdefault(f.kind, dict.fromkeys(VERDICTS, 0))
                by[verdict] += 1
        return {k: counts[k] for k in sorted(counts, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS))}

    def totals(self) -> dict[str, Any]:
        """The table as JSON: program counts, per-oracle coverage, findings by kind."""
        return {
            "programs": len(self.programs),
            "checked": len(self.checked),
            "defective": sum(p.defective for p in self.checked),
            "clean": sum(not p.defective for p in self.checked),
            "refused": len(self.programs) - len(self.checked),
            "oracles": {name: {"judged": o.judged, "abstained": o.abstained, "judged_cells": o.judged_cells,
                               "cells": o.cells, "top_reasons": [[r, n] for r, n in o.reasons.most_common(TOP_REASONS)]}
                        for name, o in self.oracles().items()},
            "findings_by_kind": self.findings_by_kind(),
        }

    def table(self) -> str:
        """The closing table `fuzzir check` prints for several programs."""
        t = self.totals()
        n = t["checked"]
        lines = [f"{t['programs']} program(s): {t['defective']} with a defect, {t['clean']} without"
                 + (f", {t['refused']} refused (bad input)" if t["refused"] else "")]
        oracles = t["oracles"]
        if oracles:
            width = max(len("oracle"), *(len(name) for name in oracles))
            lines.append(f"{'oracle':<{width}}  {'judged':>9}  {'abstained':>9}  {'cells':>9}  "
                         "top reasons to abstain (programs)")
            for name, o in oracles.items():
                reasons = "; ".join(f"{r} ({k})" for r, k in o["top_reasons"]) or "-"
                judged, abstained = f"{o['judged']}/{n}", f"{o['abstained']}/{n}"
                cells = f"{o['judged_cells']}/{o['cells']}"
                lines.append(f"{name:<{width}}  {judged:>9}  {abstained:>9}  {cells:>9}  {reasons}")
        else:
            lines.append("no oracle ran (nothing compiled)")
        kinds = t["findings_by_kind"]
        if kinds:
            lines.append("findings by kind: " + ", ".join(
                f"{kind} {by[DEFECT]}" + "".join(f" (+{by[v]} {v})" for v in VERDICTS if v != DEFECT and by[v])
                for kind, by in kinds.items()))
        else:
            lines.append("findings by kind: none")
        return "\n".join(lines)


def case_json(case: CaseResult, file: str, by_verdict: dict[str, list[Finding]], about: str,
              iree_version: str, blamed: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One program's report as `fuzzir check --json` prints it; `blamed`: signature -> what blame adds to
    each of that finding's rows (`needs`, `cause`, in words)."""
    blamed = blamed or {}
    rows = {v: [{"kind": o.kind, "signature": f.signature, "variant": o.variant, "target": o.target,
                 "flags": list(o.flags), "op": o.op, "message": o.message, "verdict": v,
                 **blamed.get(f.signature, {})}
                for f in fs for o in f.observations] for v, fs in by_verdict.items()}
    return {"findings": rows[DEFECT], "latent": rows[LATENT], "guarded": rows[GUARDED],
            "counts": {v: len(fs) for v, fs in by_verdict.items()}, "about": about, "iree_version": iree_version,
            "file": file, "exact": case.exact, "oracles": oracle_summary(case), "cells": cells_json(case),
            "notes": [{"note": note, "cells": cells} for note, cells in case.notes.items()]}


def case_lines(report: dict[str, Any], cells: int) -> list[str]:
    """One program's report in words, for the list before the table: a summary, then its findings."""
    counts = report["counts"]
    notes = [f"{counts[v]} {v}" for v in (LATENT, GUARDED) if counts[v]]
    head = f"{report['file']}: " + (f"{counts[DEFECT]} finding(s)" if counts[DEFECT] else "clean")
    lines = [f"{head} in {cells} cells" + (f" ({', '.join(notes)})" if notes else "")]
    for verdict, key in ((DEFECT, "findings"), (LATENT, "latent")):
        lines += [f"  {verdict:<8} {r['kind']:<19} {r['target']:<9} {r['variant']:<8} {r['op']}: {r['message']}"
                  for r in report[key]]
    lines += [f"  {note_line(n)}" for n in report.get("notes", [])]
    return lines


def note_line(note: dict[str, Any]) -> str:
    """A note (`oracles.Judged`) in words: not a finding, and the cells it was seen in."""
    return f"note ({', '.join(note['cells'])}): {note['note']}"
