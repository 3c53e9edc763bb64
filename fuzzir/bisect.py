"""`fuzzir bisect`: which IREE release introduced (or fixed) a finding.

A finding (a corpus entry, replayed in its recorded cells with its stored inputs,
as `fuzzir replay` does) or a program (`fuzzir check`'s cells) is judged on
released IREEs (`fuzzir.releases`), each release showing one *state*:

- ``bad``: the finding's signature (for a program: any finding);
- ``other``: other findings only (their kinds are named);
- ``clean``: nothing;
- ``unreadable``: the release cannot read the program at all (`--compile-to=input` fails);
- ``skipped``: nothing to judge here (a run-time finding on a device this machine lacks,
  or a `without` finding on a release whose pipeline cannot be rebuilt);
- ``error``: the release could not be installed, or the entry could not be replayed.

Search: a range of at most ``LINEAR_MAX`` releases is tried release by release.
A longer one is bisected: both ends are tried; when the oldest cannot read the
program (or cannot run it here), the oldest release that can is found by
bisection ("as far back as the program compiles at all"); then every interval
whose ends differ (in state and kinds) is halved until its ends are adjacent
releases, so each change of symptom is located with about log2(n) tries. Like
`git bisect`, this assumes a symptom does not come and go between two tried
releases that agree.

Verdict, from the releases tried in order: a change between two findings of
different kinds (a compile error that became a miscompile) is the headline;
else *regressed in Y; X gave ...* (first bad Y, last good X); else *fixed in Y*;
else *present in every release tried* (or absent from all). Other changes follow
the headline.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from fuzzir import releases, scratch
from fuzzir.findings import group
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.model import Program
from fuzzir.pipeline import iree_compiler_version
from fuzzir.replay import CHANGED, ERROR, FIXED, REPRODUCES, SKIPPED, buildable_cells, replay_entry
from fuzzir.sandbox import run_tool, selected_iree, tool_path
from fuzzir.targets import TARGETS

BAD, OTHER, CLEAN, UNREADABLE, STATE_SKIPPED, STATE_ERROR = "bad", "other", "clean", "unreadable", "skipped", "error"
FINDING_STATES = (BAD, OTHER)
UNJUDGED = (UNREADABLE, STATE_SKIPPED)  # states of releases too old for the program (or this machine)
LINEAR_MAX = 4
_REPLAY_STATE = {REPRODUCES: BAD, CHANGED: OTHER, FIXED: CLEAN, SKIPPED: STATE_SKIPPED, ERROR: STATE_ERROR}


@dataclass
class Step:
    """What one release showed."""

    version: str
    state: str
    kinds: tuple[str, ...] = ()  # kinds of every finding seen, sorted
    detail: str = ""
    revision: str = ""
    seconds: float = 0.0
    signatures: tuple[str, ...] = ()  # of every finding seen, sorted

    @property
    def symptom(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """What bisection compares: two releases agree when state, kinds and signatures agree."""
        return (self.state, self.kinds, self.signatures)

    def describe(self) -> str:
        if self.state in FINDING_STATES:
            what = "the finding" if self.state == BAD else "another finding"
            return f"{what} ({', '.join(self.kinds)})" if self.kinds else what
        return "no finding" if self.state == CLEAN else self.state


def search(versions: list[str], probe: Callable[[str], Step], linear_max: int = LINEAR_MAX) -> dict[str, Step]:
    """Try releases (oldest first) by bisection, or all of them when there are at most linear_max."""
    tried: dict[str, Step] = {}

    def at(i: int) -> Step:
        if versions[i] not in tried:
            tried[versions[i]] = probe(versions[i])
        return tried[versions[i]]

    if not versions:
        return tried
    if len(versions) <= linear_max:
        for i in range(len(versions)):
            at(i)
        return tried
    lo, hi = 0, len(versions) - 1
    at(hi)
    if at(lo).state in UNJUDGED and at(hi).state not in UNJUDGED:
        while hi - lo > 1:  # the oldest release that can read (and run) the program
            mid = (lo + hi) // 2
            if at(mid).state in UNJUDGED:
                lo = mid
            else:
                hi = mid
        lo, hi = hi, len(versions) - 1

    def split(a: int, b: int) -> None:
        if b - a <= 1 or at(a).symptom == at(b).symptom:
            return
        mid = (a + b) // 2
        at(mid)
        split(a, mid)
        split(mid, b)

    split(lo, hi)
    return tried


@dataclass
class Bisection:
    """The per-release table and the verdict."""

    subject: str
    signature: str
    kind: str
    versions: list[str]  # the range, oldest first
    steps: list[Step]  # the releases tried, oldest first
    verdict: str = ""  # "kind-change", "regressed", "fixed", "present", "absent", "changed", "undetermined"
    headline: str = ""
    first_bad: str | None = None
    last_good: str | None = None
    fixed_in: str | None = None
    changes: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = [dict(asdict(s), kinds=list(s.kinds), signatures=list(s.signatures)) for s in self.steps]
        d["range"] = f"{self.versions[0]}..{self.versions[-1]}" if self.versions else ""
        return d

    def to_record(self) -> dict[str, Any]:
        """What the finding's meta.json keeps (`bisect`)."""
        d = {k: v for k, v in self.to_json().items() if k not in ("subject", "signature", "kind", "versions")}
        d["releases"] = [{"version": s.version, "state": s.state, "kinds": list(s.kinds), "detail": s.detail[:200],
                          "revision": s.revision, "signatures": list(s.signatures)} for s in self.steps]
        del d["steps"]
        return d

    def table(self) -> str:
        width = max([len(s.version) for s in self.steps] + [7])
        lines = [f"{'release':<{width}}  {'revision':<30}  {'showed':<36}  detail"]
        for s in self.steps:
            lines.append(f"{s.version:<{width}}  {s.revision[:30]:<30}  {s.describe()[:36]:<36}  {s.detail[:90]}")
        return "\n".join(lines)


def _kinds_text(step: Step) -> str:
    return ", ".join(step.kinds) if step.kinds else step.describe()


def _short(detail: str, n: int = 70) -> str:
    detail = detail.removeprefix("now ")
    return detail if len(detail) <= n else detail[:n - 1].rstrip() + "…"


def _phrase(a: Step, b: Step) -> str:
    if a.kinds and a.kinds == b.kinds:  # the same kinds, other signatures: say what the messages were
        return f"{_kinds_text(a)} ({_short(a.detail)}) up to {a.version}, ({_short(b.detail)}) from {b.version}"
    return f"{_kinds_text(a)} up to {a.version}, {_kinds_text(b)} from {b.version}"


def _change(a: Step, b: Step) -> str:
    if a.state in FINDING_STATES and b.state in FINDING_STATES and set(a.kinds) != set(b.kinds):
        return "kind-change"
    if b.state == BAD and a.state != BAD:
        return "regression"
    if a.state == BAD and b.state == CLEAN:
        return "fix"
    return "change"


def _headline(a: Step, b: Step, kind: str) -> str:
    if kind == "kind-change":
        text = f"kind change: {_phrase(a, b)}"
        if b.state == BAD and a.state != BAD:
            text += f" (this finding from {b.version} on)"
        elif a.state == BAD and b.state != BAD:
            text += f" (this finding up to {a.version})"
        return text
    if kind == "regression":
        return f"regressed in {b.version}; {a.version} gave {a.describe()}"
    if kind == "fix":
        return f"fixed in {b.version} (last bad {a.version})"
    return f"changed in {b.version}: {_phrase(a, b)}"


def decide(result: Bisection) -> Bisection:
    """Fill in the verdict from the steps (see the module docstring).

    The headline is one change: a change of kind (the one into or out of this finding, if any),
    else the (last) regression, else the (last) fix, else the first change; the others follow it."""
    steps = [s for s in result.steps if s.state not in (UNREADABLE, STATE_SKIPPED, STATE_ERROR)]
    order = {v: i for i, v in enumerate(result.versions)}
    if not steps:
        states = sorted({s.state for s in result.steps})
        result.verdict, result.headline = "undetermined", f"no release tried could judge it ({', '.join(states)})"
        return result
    pairs = [(a, b) for a, b in zip(steps, steps[1:], strict=False) if a.symptom != b.symptom]
    result.changes = [{"type": _change(a, b), "last": a.version, "first": b.version, "before": a.describe(),
                       "after": b.describe(), "located": "yes" if order[b.version] - order[a.version] == 1 else "no"}
                      for a, b in pairs]
    regressions = [(a, b) for a, b in pairs if b.state == BAD and a.state != BAD]
    fixes = [(a, b) for a, b in pairs if a.state == BAD and b.state == CLEAN]
    kind_changes = [(a, b) for a, b in pairs if _change(a, b) == "kind-change"]
    if regressions:
        result.last_good, result.first_bad = regressions[-1][0].version, regressions[-1][1].version
    if fixes:
        result.fixed_in = fixes[-1][1].version
    if not pairs:
        tried, state = f"{steps[0].version}..{steps[-1].version}", steps[0].state
        result.verdict = {BAD: "present", CLEAN: "absent"}.get(state, "changed")
        result.headline = {BAD: f"present in every release tried ({tried})",
                           CLEAN: f"absent from every release tried ({tried})"}.get(
            state, f"every release tried ({tried}) gave {steps[0].describe()}")
    else:
        touching = [(a, b) for a, b in kind_changes if BAD in (a.state, b.state)]
        for verdict, chosen in (("kind-change", touching[-1:] or kind_changes[:1]), ("regressed", regressions[-1:]),
                                ("fixed", fixes[-1:]), ("changed", pairs[:1])):
            if chosen:
                a, b = chosen[0]
                result.verdict, result.headline = verdict, _headline(a, b, _change(a, b))
                break
        others = [_phrase(x, y) for x, y in pairs if (x, y) != (a, b)]
        if others:
            result.headline += "; also " + "; ".join(others)
    first = result.steps[0]
    if first.state in UNJUDGED and first.version != steps[0].version:
        why = "the program cannot be read" if first.state == UNREADABLE else f"skipped, {first.detail}"
        result.headline += f" (before {steps[0].version}: {why})"
    unlocated = [c for c in result.changes if c["located"] == "no"]
    if unlocated:
        result.headline += f"; {len(unlocated)} change(s) not located to adjacent releases"
    return result


def summary(d: dict[str, Any]) -> list[str]:
    """Markdown lines for a bug report, from a finding record's `bisect`."""
    described = {BAD: "this finding", OTHER: "other findings", CLEAN: "no finding"}
    tried = []
    for r in d.get("releases") or []:
        what = described.get(r.get("state"), r.get("state", "?"))
        kinds = f" ({', '.join(r['kinds'])})" if r.get("kinds") and r.get("state") in FINDING_STATES else ""
        tried.append(f"{r.get('version')}: {what}{kinds}")
    lines = [f"Across IREE releases {d.get('range', '')} (`fuzzir bisect`): **{d.get('headline', '?')}**."]
    if tried:
        lines.append("Releases tried: " + "; ".join(tried) + ".")
    return lines


def _unreadable(text: str, target: str) -> str | None:
    """The release's first diagnostic when it cannot read the program at all, else None."""
    with scratch.temp_dir("bisect") as tmp:
        Path(tmp, "program.mlir").write_text(text)
        res = run_tool([tool_path("iree-compile"), *TARGETS[target].compile_flags, "--compile-to=input",
                        "program.mlir", "-o", os.devnull], timeout=60, cwd=tmp)
    if res.ok:
        return None
    first = next((ln for ln in res.stderr.splitlines() if "error" in ln), res.stderr.strip()[:200])
    return re.sub(r"^\S*program\.mlir:\d+:\d+: ", "", first).strip()[:200]


def _compile_only(observations: list[Any]) -> bool:
    return bool(observations) and all(o.stage == "compile" for o in observations)


def probe_entry(path: Path, version: str, revision: str, *, compile_timeout: float = 60.0,
                run_timeout: float = 30.0) -> Step:
    """Replay a corpus entry on the active release and turn the outcome into a Step."""
    start = time.monotonic()
    out = replay_entry(path, compile_timeout=compile_timeout, run_timeout=run_timeout)
    seen = out.matching + out.others
    step = Step(version, _REPLAY_STATE[out.result], tuple(sorted({o.kind for o in seen})), out.detail, revision,
                signatures=tuple(sorted({f.signature for f in group(seen)})))
    if step.state == OTHER and _compile_only(out.others) and out.record is not None:
        why = _unreadable((path / "program.mlir").read_text(), out.record.repro_cell.target)
        if why:
            step.state, step.kinds, step.detail, step.signatures = UNREADABLE, (), why, ()
    step.seconds = time.monotonic() - start
    return step


def probe_program(program: Program, text: str, settings: Settings, seed: int, version: str, revision: str) -> Step:
    """Judge a program in `settings`' cells on the active release: any finding is `bad`."""
    start = time.monotonic()
    cells, dropped = buildable_cells(plan_cells(settings, 0), settings.pass_name)
    case = judge_program(program, text, seed, settings, cells=cells)
    obs = case.observations
    step = Step(version, BAD if obs else CLEAN, tuple(sorted({o.kind for o in obs})),
                obs[0].message if obs else dropped, revision,
                signatures=tuple(sorted({f.signature for f in group(obs)})))
    if obs and _compile_only(obs):
        why = _unreadable(text, cells[0].target.name)
        if why:
            step.state, step.kinds, step.detail, step.signatures = UNREADABLE, (), why, ()
    step.seconds = time.monotonic() - start
    return step


def parse_range(text: str | None, offered: Callable[[], list[str]]) -> list[str]:
    """`FIRST..LAST` (either end may be left out: the releases `offered()` lists in it) or an explicit
    `A,B,C` list (offered() is not asked) -> releases, oldest first."""
    if text and ".." not in text:
        chosen = sorted({releases.check_version(v.strip()) for v in text.split(",") if v.strip()},
                        key=releases.version_key)
        if not chosen:
            raise releases.ReleaseError("--versions: no release given")
        return chosen
    ordered = sorted(offered(), key=releases.version_key)
    first, _, last = (text or "..").partition("..")
    lo = releases.version_key(releases.check_version(first)) if first else None
    hi = releases.version_key(releases.check_version(last)) if last else None
    chosen = [v for v in ordered if (lo is None or releases.version_key(v) >= lo)
              and (hi is None or releases.version_key(v) <= hi)]
    if not chosen:
        raise releases.ReleaseError(f"no release in {text!r} (offered: {', '.join(ordered) or 'none'})")
    return chosen


def run(subject: str, versions: list[str], probe: Callable[[str], Step], *, signature: str = "", kind: str = "",
        find_links: str | None = None, log: Callable[[str], None] | None = None,
        linear_max: int = LINEAR_MAX, recorded_on: str = "") -> Bisection:
    """Bisect `subject` over `versions`; `probe(version)` judges it on the active release.

    Releases are installed as needed; the release active before is active again afterwards."""
    previous = iree_compiler_version() if selected_iree() is not None else None
    installed = releases.installed_version()

    def tried(version: str) -> Step:
        start = time.monotonic()
        try:
            release = releases.activate(version, find_links=find_links, notes=False)
            revision = release.revision if release else releases.installed_release().revision
        except releases.ReleaseError as e:
            step = Step(version, STATE_ERROR, detail=str(e))
        else:
            step = probe(version)
            step.revision = step.revision or revision
            if version == installed:
                step.revision += " (installed)"
        step.seconds = time.monotonic() - start
        if log:
            log(f"  {version:<8} {step.describe():<40} {step.seconds:5.1f} s  {step.detail[:80]}")
        return step

    try:
        steps = search(versions, tried, linear_max)
    finally:
        releases.activate(previous, find_links=find_links, notes=False)
    ordered = [steps[v] for v in versions if v in steps]
    result = decide(Bisection(subject, signature, kind, list(versions), ordered))
    own = steps.get(recorded_on)
    if own is not None and own.state != BAD and signature:
        # A finding that does not show its signature on its own release: the verdict is about something else.
        result.headline += f"; note: {recorded_on}, the release it was recorded on, gave {own.describe()}"
    return result
