"""`fuzzir replay`: rerun every stored finding on the installed IREE.

Why: a corpus of findings is a regression suite. Each entry is re-checked in
the cells it was seen in (meta.json `observations` and `repro_cell`), with its
*stored* inputs (a fresh draw could miss a value-dependent miscompile), and
judged by the same oracles: the numpy reference for the expected values, the
IR checks on the compiled IR. Today's result per entry:

- ``reproduces``: an observation with the entry's signature occurs again;
- ``fixed``: no observation of that signature and nothing else fails;
- ``changed``: the signature is gone but something else fails (the new kinds are named);
- ``skipped``: the finding needs a device this machine lacks (the target is compiled only);
- ``error``: the entry cannot be replayed (corrupt meta.json, no program, a program that no
  longer parses): reported on one line, and a failure.

A *regression* (exit status 1) is an ``open`` entry that changed, a ``fixed``
entry that fails again (its signature or another), or an entry in error. An
``open`` entry that is now fixed is not a failure: a note asks to flip it with
``--update``, which rewrites the recorded statuses (the exit status still
reports this run's verdict against the statuses as they were).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fuzzir import corpus
from fuzzir.findings import Observation

REPRODUCES, FIXED, CHANGED, SKIPPED, ERROR = "reproduces", "fixed", "changed", "skipped", "error"
#: Kinds only a run shows: on a target without a device they cannot be judged.
RUN_ONLY_KINDS = ("miscompile", "runtime-error", "runtime-crash")
DEFAULT_DIR = "crashes"


@dataclass
class Outcome:
    """Today's result for one corpus entry."""

    name: str
    path: Path
    kind: str
    status: str  # recorded in meta.json: "open" or "fixed"
    result: str  # REPRODUCES, FIXED, CHANGED, SKIPPED or ERROR
    detail: str = ""  # one line: the new kinds, the problem, or why it was skipped
    matching: list[Observation] = field(default_factory=list)  # today's observations of the signature
    others: list[Observation] = field(default_factory=list)  # today's other observations
    meta: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def regression(self) -> bool:
        """True when this entry makes a replay fail (see the module docstring)."""
        if self.result == ERROR:
            return True
        if self.status == "fixed":
            return self.result in (REPRODUCES, CHANGED)
        return self.result == CHANGED

    @property
    def flip(self) -> str | None:
        """The status `--update` writes, or None when the recorded one still holds."""
        if self.status == "open" and self.result == FIXED:
            return "fixed"
        if self.status == "fixed" and self.result == REPRODUCES:
            return "open"
        return None

    def to_json(self) -> dict:
        return {"entry": self.name, "path": str(self.path), "kind": self.kind, "status": self.status,
                "result": self.result, "detail": self.detail, "regression": self.regression,
                "seconds": round(self.seconds, 2),
                "observations": [o.to_json() for o in self.matching + self.others]}


def _observation(d: dict) -> Observation:
    """An Observation back from its meta.json form."""
    known = {f for f in Observation.__dataclass_fields__}
    kw = {k: v for k, v in d.items() if k in known}
    kw["flags"] = tuple(kw.get("flags", ()))
    return Observation(**kw)


def _cells(meta: dict) -> list[Any]:
    """The cells an entry was seen in, the reproducer's cell first."""
    from fuzzir.judge import Cell
    from fuzzir.targets import TARGETS

    seen: list[dict] = []
    if isinstance(meta.get("repro_cell"), dict):
        seen.append(meta["repro_cell"])
    seen += [o for o in meta.get("observations", []) if isinstance(o, dict)]
    cells: list[Cell] = []
    for c in seen:
        name = c.get("target")
        if name not in TARGETS:
            raise corpus.CorpusError(f"unknown target {name!r} in meta.json")
        if c.get("variant") not in ("with", "without"):
            raise corpus.CorpusError(f"unknown variant {c.get('variant')!r} in meta.json")
        cell = Cell(TARGETS[name], c["variant"], tuple(c.get("flags") or ()))
        if cell not in cells:
            cells.append(cell)
    if not cells:
        raise corpus.CorpusError("meta.json records no cell to replay in")
    return cells


def _inputs(path: Path, program: Any) -> list[np.ndarray]:
    """The stored inputs, checked against the program's signature."""
    from fuzzir.model import NUMPY_DTYPE

    try:
        inputs = corpus.load_arrays(path, "input")
    except (OSError, ValueError) as e:
        raise corpus.CorpusError(f"an input .npy cannot be read ({e.__class__.__name__})") from None
    if len(inputs) != len(program.args):
        raise corpus.CorpusError(f"{len(inputs)} stored inputs, the program takes {len(program.args)}")
    for i, (x, t) in enumerate(zip(inputs, program.args, strict=True)):
        if tuple(x.shape) != tuple(t.shape) or x.dtype != np.dtype(NUMPY_DTYPE[t.dtype]):
            raise corpus.CorpusError(
                f"input{i}.npy is {x.dtype}{list(x.shape)}, the program takes {t.mlir()}")
    return inputs


def _judge(name: str, path: Path, meta: dict, observations: list[Observation],
           runnable: dict[str, bool]) -> Outcome:
    """Today's result from today's observations (see the module docstring)."""
    signature = meta["signature"]
    kind, status = str(meta["kind"]), str(meta.get("status", "open"))
    matching = [o for o in observations if o.signature == signature]
    others = [o for o in observations if o.signature != signature]
    out = Outcome(name, path, kind, status, FIXED, matching=matching, others=others, meta=meta)
    if matching:
        out.result, out.detail = REPRODUCES, matching[0].message
    elif others:
        kinds = sorted({o.kind for o in others})
        out.result, out.detail = CHANGED, f"now {', '.join(kinds)}: {others[0].message}"
    else:
        recorded = [_observation(o) for o in meta.get("observations", []) if isinstance(o, dict)]
        recorded = [o for o in recorded if o.signature == signature] or recorded

        def run_only(o: Observation) -> bool:
            return o.kind in RUN_ONLY_KINDS or (o.kind == "timeout" and o.op == "run")

        if recorded and all(run_only(o) and not runnable.get(o.target, True) for o in recorded):
            targets = ", ".join(sorted({o.target for o in recorded}))
            out.result, out.detail = SKIPPED, f"needs a {targets} device to run (compiled only here)"
    return out


def replay_entry(path: Path, *, compile_timeout: float = 60.0, run_timeout: float = 30.0) -> Outcome:
    """Replay one entry; never raises for a problem of the entry (that is an ERROR outcome)."""
    start = time.monotonic()
    name = path.name
    try:
        meta = corpus.read_entry(path).meta
    except corpus.CorpusError as e:
        return Outcome(name, path, "?", "?", ERROR, str(e).removeprefix(f"{path}: "),
                       seconds=time.monotonic() - start)
    kind, status = str(meta.get("kind")), str(meta.get("status", "open"))
    try:
        out = _replay(path, meta, compile_timeout, run_timeout)
    except corpus.CorpusError as e:
        out = Outcome(name, path, kind, status, ERROR, str(e), meta=meta)
    except Exception as e:  # an entry fuzzir cannot handle is one line, never a traceback
        first = (str(e).splitlines() or [""])[0][:200]
        out = Outcome(name, path, kind, status, ERROR, f"cannot replay: {e.__class__.__name__}: {first}",
                      meta=meta)
    out.seconds = time.monotonic() - start
    return out


def _replay(path: Path, meta: dict, compile_timeout: float, run_timeout: float) -> Outcome:
    from fuzzir.judge import Settings, judge_program
    from fuzzir.parse import ParseError, parse_program
    from fuzzir.targets import device_available

    try:
        text = (path / "program.mlir").read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise corpus.CorpusError(f"program.mlir cannot be read ({e.__class__.__name__})") from None
    try:
        program = parse_program(text, filename=str(path / "program.mlir"))
    except ParseError as e:
        first = (str(e).splitlines() or [""])[0]
        raise corpus.CorpusError(f"program.mlir no longer parses: {first}") from None
    cells = _cells(meta)
    inputs = _inputs(path, program)
    targets = tuple(dict.fromkeys(c.target for c in cells))
    settings = Settings(targets=targets, compile_timeout=compile_timeout, run_timeout=run_timeout)
    if isinstance(meta.get("removed_pass"), str) and meta["removed_pass"]:
        settings.pass_name = meta["removed_pass"]  # the `without` variant removes what it removed then
    seed = meta.get("seed")
    case = judge_program(program, text, int(seed) if isinstance(seed, int) else 0, settings, cells=cells,
                         inputs=inputs)
    observations = case.observations
    runnable = {t.name: device_available(t) for t in targets}
    return _judge(path.name, path, meta, observations, runnable)


def replay_dir(root: Path, *, jobs: int = 2, compile_timeout: float = 60.0,
               run_timeout: float = 30.0) -> list[Outcome]:
    """Replay every entry directory under `root` (sorted by name), `jobs` at a time."""
    paths = [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="fuzzir-replay") as pool:
        return list(pool.map(lambda p: replay_entry(p, compile_timeout=compile_timeout,
                                                    run_timeout=run_timeout), paths))


def update_statuses(outcomes: list[Outcome]) -> list[Outcome]:
    """Flip recorded statuses in meta.json to today's results; returns the entries flipped."""
    from fuzzir.pipeline import iree_compiler_version

    flipped = []
    for o in outcomes:
        new = o.flip
        if new is None:
            continue
        meta = dict(o.meta)
        meta["status"] = new
        version = iree_compiler_version()
        if new == "fixed":
            meta["fixed_in"] = version
        else:
            meta.pop("fixed_in", None)
            meta["reopened_in"] = version
        corpus.write_meta(o.path, meta)
        o.meta = meta  # o.status stays the recorded one: this replay's verdict does not change
        flipped.append(o)
    return flipped


def table(outcomes: list[Outcome]) -> str:
    """A fixed-width table: entry, kind, recorded status, today's result, detail."""
    width = max([len(o.name) for o in outcomes] + [5])
    lines = [f"{'entry':<{width}}  {'kind':<18}  {'recorded':<8}  {'today':<10}  detail"]
    for o in outcomes:
        if o.result == ERROR:
            continue
        mark = "  REGRESSION" if o.regression else ""
        lines.append(f"{o.name:<{width}}  {o.kind:<18}  {o.status:<8}  {o.result:<10}  "
                     f"{o.detail[:100]}{mark}")
    return "\n".join(lines)


def junit_xml(outcomes: list[Outcome], suite: str = "fuzzir.replay") -> ET.ElementTree:
    """JUnit XML: one testcase per entry; a failure for a regression, an error for a broken entry."""
    root = ET.Element("testsuites")
    ts = ET.SubElement(root, "testsuite", name=suite, tests=str(len(outcomes)),
                       failures=str(sum(o.regression and o.result != ERROR for o in outcomes)),
                       errors=str(sum(o.result == ERROR for o in outcomes)),
                       skipped=str(sum(o.result == SKIPPED for o in outcomes)),
                       time=f"{sum(o.seconds for o in outcomes):.2f}")
    for o in outcomes:
        tc = ET.SubElement(ts, "testcase", classname=f"{suite}.{o.kind}", name=o.name,
                           time=f"{o.seconds:.2f}")
        message = f"recorded {o.status}, today {o.result}: {o.detail}"
        if o.result == ERROR:
            ET.SubElement(tc, "error", message=o.detail, type="corrupt-entry").text = o.detail
        elif o.regression:
            body = [message, *[f"{ob.kind} {ob.target} {ob.variant} {list(ob.flags)}: {ob.message}"
                               for ob in o.matching + o.others]]
            body += ["", "commands:", *o.meta.get("commands", [])]
            ET.SubElement(tc, "failure", message=message[:500], type=o.result).text = "\n".join(body)
        elif o.result == SKIPPED:
            ET.SubElement(tc, "skipped", message=o.detail)
        else:
            ET.SubElement(tc, "system-out").text = message
    ET.indent(root)
    return ET.ElementTree(root)


def add_replay_parser(sub: Any) -> argparse.ArgumentParser:
    """Add `fuzzir replay` to the CLI's subparsers."""
    rp = sub.add_parser("replay", help="rerun every stored finding on the installed IREE (regression suite)")
    rp.add_argument("dir", nargs="?", default=DEFAULT_DIR, help=f"corpus directory (default {DEFAULT_DIR}/)")
    rp.add_argument("--update", action="store_true",
                    help="flip statuses: open -> fixed when fixed, fixed -> open when it reproduces")
    rp.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per entry)")
    rp.add_argument("--json", action="store_true", help="print the results as JSON")
    rp.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="entries replayed at once")
    rp.add_argument("--compile-timeout", type=float, default=60.0, help="seconds per compile (default 60)")
    rp.add_argument("--run-timeout", type=float, default=30.0, help="seconds per run (default 30)")
    return rp


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a corpus: 0 when nothing regressed, 1 otherwise (see the module docstring)."""
    from fuzzir.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"fuzzir replay: no such corpus directory: {args.dir}")
    if args.jobs < 1:
        raise UsageError("fuzzir replay: --jobs must be at least 1")
    outcomes = replay_dir(root, jobs=args.jobs, compile_timeout=args.compile_timeout,
                          run_timeout=args.run_timeout)
    flipped = update_statuses(outcomes) if args.update else []
    if args.junit:
        try:
            junit_xml(outcomes).write(args.junit, encoding="utf-8", xml_declaration=True)
        except OSError as e:
            raise UsageError(f"fuzzir replay: cannot write {args.junit}: {e.strerror}") from None
    failed = [o for o in outcomes if o.regression]
    if args.json:
        print(json.dumps({"dir": str(root), "entries": [o.to_json() for o in outcomes],
                          "regressions": len(failed), "updated": [o.name for o in flipped]}, indent=2))
    else:
        for o in outcomes:
            if o.result == ERROR:
                print(f"entry {o.name}: {o.detail}")
        if any(o.result != ERROR for o in outcomes):
            print(table(outcomes))
        for o in outcomes:
            if o.status == "open" and o.result == FIXED and o not in flipped:
                print(f"note: {o.name} no longer reproduces: flip it to 'fixed' with "
                      f"`fuzzir replay {args.dir} --update`")
        for o in flipped:
            print(f"updated: {o.name} is now '{o.meta['status']}'")
        results = (REPRODUCES, FIXED, CHANGED, SKIPPED, ERROR)
        counts = {r: sum(o.result == r for o in outcomes) for r in results}
        summary = ", ".join(f"{n} {r}" for r, n in counts.items() if n)
        print(f"{len(outcomes)} entries replayed ({summary or 'none'}); {len(failed)} regression(s)")
    if not outcomes:
        print(f"note: {args.dir} holds no entries", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_CLEAN
