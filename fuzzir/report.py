"""`fuzzir report DIR`: triage at a glance, as Markdown (CI summaries, issues) and one HTML page.

Both show the same two things:

1. the matrix of op families (by the frontend the program was written in: linalg, tosa,
   stablehlo) x init kinds (overall, then per target), each cell a
   bar split by the share of programs per verdict (defect, latent, guarded, clean)
   with the counts behind it (the Markdown names the worst verdict): where the compiler is wrong, where only the
   pass keeps it right, and where nothing was found. The counts come from the
   findings database (`fuzzir.db`, every program a campaign checked); without one
   (a committed corpus) the cells are built from the stored findings alone;
2. one row per root cause (signature): verdict, kind, first seen, hits, variants,
   targets and the one-line reproducer.

The HTML page is self-contained (inline CSS, no script, no external resource), so
it can be attached to a CI run or opened from disk.
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from fuzzir.db import DB_NAME, FindingsDB
from fuzzir.findings import DEFECT, GUARDED, LATENT
from fuzzir.frontend_facts import LINALG
from fuzzir.needs import Needs
from fuzzir.store import DirectoryStore

CLEAN = "clean"
OUTCOMES = (DEFECT, LATENT, GUARDED, CLEAN)
COLOURS = {DEFECT: "#d73027", LATENT: "#fc8d59", GUARDED: "#4575b4", CLEAN: "#1a9850"}
_INIT_ORDER = ("splat", "nonsplat", "large", "global", "fill", "arg", "result", "empty")


@dataclass
class Cause:
    signature: str
    kind: str
    verdict: str
    key: str
    first_seen: str = "-"
    hits: int = 1
    variants: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    where: str = ""
    repro: str = ""
    needs: str = ""  # what it needs, in words (`fuzzir.blame`); '' when not blamed
    constant: bool | None = None  # whether it is about a constant in a destination (`Needs.about_constants`)
    cause: str = ""  # the cause key by what it needs; findings with one cause are one row


@dataclass
class Report:
    title: str
    matrix: dict[tuple[str, str, str, str, str], int]  # (frontend, family, init kind, target, outcome) -> programs
    causes: list[Cause]
    campaigns: list[dict]
    source: str  # what the matrix counts: "database" or "stored findings"

    def rows(self) -> list[tuple[str, str]]:
        """(frontend, family) rows of the matrix: linalg's first, then each frontend's."""
        return sorted({k[:2] for k in self.matrix}, key=lambda r: (r[0] != LINALG, r))

    def init_kinds(self) -> list[str]:
        kinds = {k[2] for k in self.matrix}
        return sorted(kinds, key=lambda k: (_INIT_ORDER.index(k) if k in _INIT_ORDER else len(_INIT_ORDER), k))

    def targets(self) -> list[str]:
        return sorted({k[3] for k in self.matrix})

    def cell(self, row: tuple[str, str], init: str, target: str | None) -> dict[str, int]:
        counts = dict.fromkeys(OUTCOMES, 0)
        for (fe, f, i, t, o), n in self.matrix.items():
            if (fe, f) == row and i == init and (target is None or t == target):
                counts[o] = counts.get(o, 0) + n
        return counts


def worst(counts: dict[str, int]) -> str | None:
    for outcome in OUTCOMES:
        if counts.get(outcome):
            return outcome
    return None


def _when(t: float | None) -> str:
    return "-" if t is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def build(root: Path) -> Report:
    """Read the findings under `root` and its database, if any."""
    entries = DirectoryStore(root).entries_lenient()
    db = FindingsDB(root / DB_NAME)
    rows = {r["signature"]: r for r in db.sightings()}
    causes: dict[str, Cause] = {}
    for e in entries:
        r = e.record
        row = rows.get(r.signature, {})
        needs = Needs.from_json(r.needs)
        cause = Cause(
            r.signature, r.kind, r.verdict, r.signature_key, _when(row.get("first_seen")), int(row.get("hits", 1)),
            list(r.variants), list(r.targets), str(e.path), f"bash {e.path}/repro.sh",
            needs.words() if needs else "", needs.about_constants() if needs else None, r.cause)
        same = next((c for c in causes.values() if cause.cause and c.cause == cause.cause), None)
        if same is not None:  # one root cause seen through two first-sight signatures: one row
            same.hits += cause.hits
            same.where += f", {cause.where}"
            continue
        causes[r.signature] = cause
    for sig, row in rows.items():  # seen but not stored here: corpus entries and guarded causes
        if sig not in causes:
            where = {"corpus": "in the corpus", "none": "not stored (guarded)"}.get(row["place"], row["place"])
            causes[sig] = Cause(sig, row["kind"], row["verdict"], row["cause"], _when(row["first_seen"]),
                                int(row["hits"]), row["variants"], row["targets"], where, row.get("repro") or "")
    matrix = db.coverage()
    source = "database"
    if not matrix:
        source = "stored findings"
        for e in entries:
            for family in e.record.families or ["unknown"]:
                for init in sorted(set(e.record.init_kinds)) or ["unknown"]:
                    for target in e.record.targets:
                        k = (e.record.frontend, family, init, target, e.record.verdict)
                        matrix[k] = matrix.get(k, 0) + 1
    rank = {DEFECT: 0, LATENT: 1, GUARDED: 2}
    apart = {True: 0, None: 1, False: 2}  # those that need no constant are IREE bugs of another class: last
    ordered = sorted(causes.values(), key=lambda c: (rank.get(c.verdict, 3), apart[c.constant], c.kind,
                                                     c.first_seen))
    return Report(f"fuzzir report: {root}", matrix, ordered, db.campaigns(), source)


# ------------------------------------------------------------------ Markdown
def _md_cell(counts: dict[str, int]) -> str:
    w = worst(counts)
    if w is None:
        return "·"
    parts = [f"{o[0].upper()}{counts[o]}" for o in OUTCOMES if counts.get(o)]
    return f"**{w}** {' '.join(parts)}"


def _md_matrix(rep: Report, target: str | None) -> list[str]:
    inits = rep.init_kinds()
    lines = [f"| frontend | family \\ init | {' | '.join(inits)} |", "|---|---|" + "---|" * len(inits)]
    for row in rep.rows():
        lines.append(f"| {row[0]} | {row[1]} | " + " | ".join(_md_cell(rep.cell(row, i, target)) for i in inits)
                     + " |")
    return lines


def _summary(rep: Report) -> str:
    n = {v: sum(c.verdict == v for c in rep.causes) for v in (DEFECT, LATENT, GUARDED)}
    programs = sum(c.get("programs") or 0 for c in rep.campaigns)
    head = f"{n[DEFECT]} defect(s), {n[LATENT]} latent, {n[GUARDED]} guarded cause(s)"
    blamed = [c for c in rep.causes if c.needs]
    if blamed:
        need = {v: sum(c.constant is v for c in blamed) for v in (True, False, None)}
        head += (f"; of {len(blamed)} blamed: {need[True]} need the constant, {need[False]} not about constants, "
                 f"{need[None]} not established")
    if rep.campaigns:
        head += f"; {programs} programs in {len(rep.campaigns)} campaign(s)"
    return head


def markdown(rep: Report) -> str:
    lines = [f"# {rep.title}", "", _summary(rep), "",
             f"## Where: frontend and op family x init kind (counts from the {rep.source})", "",
             "Each cell: the worst verdict seen there, then counts (D defect, L latent, G guarded, C clean).", ""]
    lines += _md_matrix(rep, None)
    for target in rep.targets():
        lines += ["", f"### {target}", ""] + _md_matrix(rep, target)
    lines += ["", "## Root causes", "",
              "| verdict | kind | signature | first seen | hits | variants | targets | needs | repro |",
              "|---|---|---|---|---|---|---|---|---|"]
    for c in rep.causes:
        repro = f"`{c.repro}`" if c.repro else c.where
        lines.append(f"| {c.verdict} | {c.kind} | `{c.signature}` | {c.first_seen} | {c.hits} | "
                     f"{', '.join(c.variants)} | {', '.join(c.targets)} | {c.needs or 'not blamed'} | {repro} |")
    if not rep.causes:
        lines.append("| clean | | | | | | | | |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- HTML
_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
td.m { width: 120px; text-align: center; font-size: 12px; }
td.none { background: #f4f4f4; color: #999; }
.bar { display: flex; height: 22px; margin-bottom: 3px; border-radius: 2px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; color: white; border-radius: 3px; }
code { font-size: 12px; }
"""


def _html_matrix(rep: Report, target: str | None) -> str:
    """One table; each cell a bar split in proportion to the programs of each verdict, then counts."""
    inits = rep.init_kinds()
    out = ["<table><tr><th>frontend</th><th>family \\ init</th>"
           + "".join(f"<th>{html.escape(i)}</th>" for i in inits) + "</tr>"]
    for row in rep.rows():
        out.append(f"<tr><th>{html.escape(row[0])}</th><th>{html.escape(row[1])}</th>")
        for i in inits:
            counts = rep.cell(row, i, target)
            total = sum(counts.values())
            if not total:
                out.append('<td class="m none">·</td>')
                continue
            bar = "".join(f'<span style="width:{counts[o] / total * 100:.1f}%;background:{COLOURS[o]}"></span>'
                          for o in OUTCOMES if counts.get(o))
            label = " ".join(f"{o[0].upper()}{counts[o]}" for o in OUTCOMES if counts.get(o))
            title = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts.get(o))
            out.append(f'<td class="m" title="{title}"><div class="bar">{bar}</div>{label}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_page(rep: Report) -> str:
    legend = "".join(f'<span style="background:{COLOURS[o]}">{o}</span>' for o in OUTCOMES)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(rep.title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(rep.title)}</h1>",
             f"<p>{html.escape(_summary(rep))}</p>", f'<p class="legend">{legend}</p>',
             f"<h2>Where: frontend and op family x init kind (counts from the {html.escape(rep.source)})</h2>",
             _html_matrix(rep, None)]
    for target in rep.targets():
        parts += [f"<h3>{html.escape(target)}</h3>", _html_matrix(rep, target)]
    parts.append("<h2>Root causes</h2><table><tr><th>verdict</th><th>kind</th><th>signature</th><th>first seen</th>"
                 "<th>hits</th><th>variants</th><th>targets</th><th>needs</th><th>repro</th></tr>")
    for c in rep.causes:
        colour = COLOURS.get(c.verdict, "#999")
        repro = f"<code>{html.escape(c.repro)}</code>" if c.repro else html.escape(c.where)
        parts.append(f'<tr><td style="background:{colour};color:white">{c.verdict}</td><td>{html.escape(c.kind)}</td>'
                     f"<td><code>{html.escape(c.signature)}</code></td><td>{c.first_seen}</td><td>{c.hits}</td>"
                     f"<td>{', '.join(c.variants)}</td><td>{html.escape(', '.join(c.targets))}</td>"
                     f"<td>{html.escape(c.needs or 'not blamed')}</td><td>{repro}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def write(root: Path, out: Path) -> tuple[Path, Path]:
    """Write report.md and report.html into `out`; returns their paths."""
    rep = build(root)
    out.mkdir(parents=True, exist_ok=True)
    md, page = out / "report.md", out / "report.html"
    md.write_text(markdown(rep))
    page.write_text(html_page(rep))
    (out / "report.json").write_text(json.dumps({
        "causes": [c.__dict__ for c in rep.causes],
        "matrix": [{"frontend": fe, "family": f, "init_kind": i, "target": t, "outcome": o, "programs": n}
                   for (fe, f, i, t, o), n in sorted(rep.matrix.items())]}, indent=2) + "\n")
    return md, page
