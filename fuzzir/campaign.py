"""A fuzzing campaign: generate, check in parallel, store every finding at once.

Programs are checked by `--jobs` worker threads; each thread spends its time
waiting on compiler and runtime subprocesses, so threads are enough and a
crashing compiler only ever kills its own subprocess. Findings are written
(atomically) as soon as their program is checked, so Ctrl-C or a crash of
fuzzir itself loses nothing already found.

Findings go to a working directory (`findings/`, ignored by git), deduplicated
against it and against the committed corpus (`crashes/`), which a campaign only
reads: a signature already in the corpus is counted, not stored. Counts, times and
pass coverage go to the findings database (`fuzzir.db`). Only `fuzzir promote`
adds to the corpus.

The module is long because the campaign loop, its resumption and its summary share the `Stats`.

Faults: `--time` is a deadline for everything (`sandbox.limits`): checks, minimizations
and blames in flight at it are stopped (their tools killed) and dropped. A start first
cleans what a killed run left (its temporary directories, an entry between two renames:
`scratch.sweep_stale`, `DirectoryStore.recover`) and then resumes its work: every
finding of a campaign that is not minimized (or, minimized, not blamed) is minimized
(and blamed) again, unless that already failed once (`FindingsDB.give_up`). The
campaign's row in the database is written after every program, not only at the end.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from fuzzir import __version__
from fuzzir.any_program import load_program
from fuzzir.blame import blame_entry
from fuzzir.db import DB_NAME, FindingsDB
from fuzzir.emit import emit
from fuzzir.findings import DEFECT, GUARDED, LATENT, SHIPPED, Finding
from fuzzir.generators.frontends import LINALG, frontend_for, generate_text
from fuzzir.generators.programs import generate
from fuzzir.judge import CaseResult, Settings, judge_program
from fuzzir.minimize import minimize_entry
from fuzzir.persist import KNOWN, NEW, CorpusIndex, store_case
from fuzzir.pipeline import iree_compiler_version
from fuzzir.sandbox import Cancelled, limits
from fuzzir.scratch import sweep_stale
from fuzzir.store import DirectoryStore, Entry, read_entry


def program_seed(campaign_seed: int, index: int) -> int:
    """Seed of program `index`: `fuzzir gen --seed` with it regenerates the program."""
    return (campaign_seed * 1_000_003 + index) % (2**63)


@dataclass
class Stats:
    programs: int = 0
    cells: int = 0
    compile_seconds: float = 0.0
    run_seconds: float = 0.0
    check_seconds: float = 0.0  # worker time spent checking programs (minimizing excluded)
    new: int = 0  # findings new against the findings directory and the corpus
    duplicates: int = 0  # repeats of a finding already in the findings directory
    known: int = 0  # repeats of a corpus entry
    new_defects: int = 0  # new against the corpus: what makes a nightly campaign fail
    new_latent: int = 0
    guarded: int = 0  # programs where the pass prevented what it exists to prevent
    by_kind: dict[str, dict] = field(default_factory=dict)
    #: per cause (signature): kind, verdict, first-seen time, hits, where it is stored
    by_cause: dict[str, dict] = field(default_factory=dict)
    first_finding_seconds: float | None = None
    minimized: int = 0
    minimize_log: list[tuple[str, dict]] = field(default_factory=list)
    #: finding name -> whether it needs the constant (None: not established), for blamed findings
    blamed: dict[str, bool | None] = field(default_factory=dict)
    blame_seconds: float = 0.0  # worker time spent blaming
    corpus_blamed: dict[str, bool | None] = field(default_factory=dict)  # the same, for corpus entries seen
    #: finding name -> the finding (or 'corpus <entry>') blame showed has the same cause
    same_cause: dict[str, str] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    resumed: int = 0  # findings a killed or timed-out run left unminimized or unblamed, queued at the start
    #: timeouts retried with a generous limit (`judge.retry_timeout`), and how many timed out again
    retried_timeouts: int = 0
    retried_reproduced: int = 0
    cancelled: int = 0  # checks stopped at the deadline (not counted as programs)
    stopped: int = 0  # minimizations or blames stopped at the deadline (resumed by the next campaign)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def rate(self) -> float:
        return self.programs / self.elapsed * 60 if self.elapsed > 0 else 0.0


class Campaign:
    def __init__(self, settings: Settings, out: Path, seed: int, jobs: int = 2,
                 time_limit: float | None = None, count: int | None = None,
                 progress: bool = True, on_stored: Callable[[Finding, Path | None, str], None] | None = None,
                 generator_options: dict | None = None, minimize_seconds: float = 0.0,
                 corpus: Path | None = None, about: str = SHIPPED, blame_seconds: float = 0.0,
                 frontend: str = LINALG, started: float | None = None) -> None:
        self.settings = settings
        self.frontend = frontend  # a frontend's name, or `all` for every frontend in turn
        self.out = out
        self.corpus = CorpusIndex(corpus if corpus is not None and corpus.is_dir() else None)
        self.about = about
        self.db = FindingsDB(out / DB_NAME)
        self.campaign_id: int | None = None
        self.seed = seed
        self.jobs = max(1, jobs)
        self.time_limit = time_limit
        self.count = count
        self.progress = progress
        self.on_stored = on_stored
        self.generator_options = generator_options or {}
        self.minimize_seconds = minimize_seconds
        self.blame_seconds = blame_seconds  # after minimizing each new finding (0: no blame)
        self.stats = Stats() if started is None else Stats(started=started)  # started: when the command began
        #: `--time` as a deadline (time.monotonic()) for everything the campaign runs
        self.deadline = None if time_limit is None else self.stats.started + time_limit
        self.stop = threading.Event()
        self.to_minimize: list[Path] = []
        self.to_blame: set[Path] = set()  # of to_minimize: minimized already, blame only
        self._last_line = 0.0
        self.store_lock = threading.Lock()  # the store is shared by checking and minimizing workers

    def _done(self, index: int) -> bool:
        if self.stop.is_set():
            return True
        if self.count is not None and index >= self.count:
            return True
        return self.time_limit is not None and self.stats.elapsed >= self.time_limit

    def _checked(self, index: int) -> CaseResult:
        """`_check` within the deadline: stopped at it (`Cancelled`), the program is dropped."""
        with limits(deadline=self.deadline):
            return self._check(index)

    def _check(self, index: int) -> CaseResult:
        seed = program_seed(self.seed, index)
        frontend = frontend_for(self.frontend, index)
        if frontend == LINALG:
            program = generate(seed, **self.generator_options)
            return judge_program(program, emit(program), seed, self.settings, index)
        # A frontend's program is judged as `fuzzir check` judges one: read with the bindings, modelled
        # at IREE's input phase where the model covers it, and by its frontend's reference oracle.
        text = generate_text(frontend, seed, max_ops=int(self.generator_options.get("max_ops", 4)))
        loaded = load_program(text, "program.mlir")
        return judge_program(loaded.program, text, seed, self.settings, index, source=loaded.source,
                             unmodelled=loaded.unmodelled)

    def _left(self) -> float:
        """Seconds left of `--time` (infinite without one): minimizing and blaming stay within it, so a
        campaign ends on time instead of waiting for them (`fuzzir minimize` and `fuzzir blame` finish later)."""
        return float("inf") if self.time_limit is None else self.time_limit - self.stats.elapsed

    def _minimize(self, path: Path, blame_only: bool = False) -> None:
        """Minimize a finding, then blame it; stopped at the deadline or on Ctrl-C, it is left as it was
        and the next campaign on the same `--out` resumes it."""
        with limits(deadline=self.deadline, stop=self.stop):
            try:
                self._minimize_and_blame(path, blame_only)
            except Cancelled:
                self.stats.stopped += 1
                self.stats.minimize_log.append((path.name, {"stopped": "at the deadline: the next campaign resumes"}))

    def _minimize_and_blame(self, path: Path, blame_only: bool) -> None:
        if self._left() < 5:
            return  # stays unminimized: the next campaign (or `fuzzir minimize`) does it
        if not blame_only:
            try:
                record = minimize_entry(path, time_budget=min(self.minimize_seconds, self._left()),
                                        settings=self.settings, lock=self.store_lock)
                self.stats.minimized += 1
                self.stats.minimize_log.append((path.name, record))
            except Exception as e:  # a failed reduction keeps the stored (unminimized) finding
                reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
                self.stats.minimize_log.append((path.name, {"error": reason}))
                self.db.give_up(path.name, "minimize", reason)
                # Blamed as it is: what a finding needs is established on the program stored, minimized
                # or not (a frontend program IREE's reducer could not shrink in time is still blamed).
        if self.blame_seconds > 0 and not self.stop.is_set() and self._left() >= 5:
            self._blame(path)

    def _blame(self, path: Path) -> None:
        """What the finding needs (`fuzzir.blame`), into its meta.json; a failure leaves it unblamed."""
        start = time.monotonic()
        try:
            needs = blame_entry(path, budget=min(self.blame_seconds, self._left()), settings=self.settings,
                                lock=self.store_lock)
        except Exception as e:  # noqa: BLE001 - the finding stays as it is, unblamed
            reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
            self.stats.minimize_log.append((path.name, {"blame error": reason}))
            self.db.give_up(path.name, "blame", reason)
            return
        finally:
            self.stats.blame_seconds += time.monotonic() - start
        self.stats.blamed[path.name] = needs.about_constants()
        cause = read_entry(path).record.cause
        known = self.corpus.causes.get(cause)
        with self.store_lock:
            if known is not None:  # a new first-sight signature of a cause the corpus holds: not new
                self.stats.same_cause[path.name] = f"corpus {known}"
                row = self.stats.by_cause.get(path.name)
                if row is not None and row["place"] != KNOWN and row["verdict"] in (DEFECT, LATENT):
                    row["place"] = KNOWN
                    if row["verdict"] == DEFECT:
                        self.stats.new_defects -= 1
                    else:
                        self.stats.new_latent -= 1
                return
            for other in DirectoryStore(self.out).entries_lenient():
                if other.path.name != path.name and cause and other.record.cause == cause:
                    self.stats.same_cause[path.name] = other.path.name
                    break

    def _record(self, index: int, case: CaseResult) -> None:
        st = self.stats
        st.programs += 1
        st.cells += case.cells
        st.compile_seconds += case.compile_seconds
        st.check_seconds += case.wall_seconds
        st.run_seconds += case.run_seconds
        st.retried_timeouts += len(case.retried)
        st.retried_reproduced += sum(1 for _, again in case.retried if again)
        with self.store_lock:
            stored = store_case(self.out, case, seed=program_seed(self.seed, index), elapsed=st.elapsed,
                                source="fuzz", about=self.about, corpus=self.corpus, db=self.db,
                                campaign=self.campaign_id)
        if any(r.verdict == GUARDED for r in stored):
            st.guarded += 1
        for r in stored:
            finding, path, outcome = r.finding, r.path, r.outcome
            cause = st.by_cause.setdefault(finding.signature, {
                "kind": finding.kind, "verdict": r.verdict, "hits": 0, "first": round(st.elapsed, 1),
                "place": outcome, "path": str(path) if path else "", "key": finding.key})
            cause["hits"] += 1
            if r.verdict == GUARDED:
                continue
            row = st.by_kind.setdefault(finding.kind, {"new": 0, "hits": 0, "first": None})
            row["hits"] += 1
            if outcome == NEW:
                st.new += 1
                if self.minimize_seconds > 0 and path is not None:
                    self.to_minimize.append(path)
                row["new"] += 1
                if row["first"] is None:
                    row["first"] = round(st.elapsed, 1)
                if st.first_finding_seconds is None:
                    st.first_finding_seconds = st.elapsed
            elif outcome == KNOWN:
                st.known += 1
                if finding.signature in self.corpus.about_constants:  # blamed when it was promoted
                    st.corpus_blamed[finding.signature] = self.corpus.about_constants[finding.signature]
            else:
                st.duplicates += 1
            if outcome != KNOWN and cause["hits"] == 1:  # first sighting this run, not in the corpus
                if r.verdict == DEFECT:
                    st.new_defects += 1
                elif r.verdict == LATENT:
                    st.new_latent += 1
            if self.on_stored:
                self.on_stored(finding, path, outcome)
        self._save_counts()

    def _save_counts(self) -> None:
        """The campaign's row as it stands: a killed campaign leaves its counts so far, not zeros."""
        st = self.stats
        if self.campaign_id is not None:
            self.db.finish_campaign(self.campaign_id, programs=st.programs, cells=st.cells, seconds=st.elapsed,
                                    new=st.new_defects + st.new_latent)

    def _resume(self) -> None:
        """Clean what a killed run left, and queue the work it did not finish (see the module docstring)."""
        sweep_stale()
        store = DirectoryStore(self.out)
        store.recover()
        if self.minimize_seconds <= 0:
            return
        failed = {step: self.db.given_up(step) for step in ("minimize", "blame")}
        # Oldest first, as they were queued: the one a kill interrupted comes first again.
        for entry in sorted(store.entries_lenient(), key=_stored_at):
            record = entry.record
            if record.source != "fuzz" or record.status != "open":
                continue
            if record.minimization is None and entry.name not in failed["minimize"]:
                self.to_minimize.append(entry.path)
            elif (record.minimization is not None and record.needs is None and self.blame_seconds > 0
                  and entry.name not in failed["blame"]):
                self.to_blame.add(entry.path)
                self.to_minimize.append(entry.path)
            else:
                continue
            self.stats.resumed += 1
    def _finish(self, index: int, fut: Future) -> None:
        """Record a checked program; one stopped at the deadline is dropped (it has no verdict)."""
        try:
            case = fut.result()
        except Cancelled:
            self.stats.cancelled += 1
            return
        self._record(index, case)

    def _show(self, final: bool = False) -> None:
        """A live line on a terminal; a plain line every 15 s otherwise (CI logs)."""
        if not self.progress:
            return
        st = self.stats
        tty = sys.stderr.isatty()
        if not tty and not final and st.elapsed - self._last_line < 15:
            return
        self._last_line = st.elapsed
        share = st.compile_seconds / st.check_seconds * 100 if st.check_seconds else 0
        sys.stderr.write(
            f"{chr(13) if tty else ''}[{st.elapsed:7.1f}s] programs {st.programs} ({st.rate():.1f}/min)  "
            f"findings {st.new} new, {st.duplicates} repeats, {st.minimized} minimized  "
            f"compiler {share:.0f}% of checking time {'' if tty else chr(10)}"
        )
        sys.stderr.flush()

    def run(self) -> Stats:
        """Run until the time or count is spent or Ctrl-C; findings are already on disk."""
        s = self.settings
        self.campaign_id = self.db.start_campaign(
            seed=self.seed, iree_version=iree_compiler_version(), fuzzir_version=__version__,
            settings={"targets": [t.name for t in s.targets], "flag_sets": [list(f) for f in s.flag_sets],
                      "matrix": s.matrix, "about": self.about, "pass": s.pass_name, "values": s.values})
        try:
            self._resume()
            return self._run()
        finally:
            self._save_counts()

    def _run(self) -> Stats:
        index = 0
        pending: dict[Future, int] = {}
        minimizing: dict[Future, Path] = {}
        with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="fuzzir") as pool:
            try:
                while True:
                    # Minimizing new findings goes first: a finding is worth more than a program.
                    # ...but at most half the workers minimize, so fuzzing never stalls.
                    while (self.to_minimize and len(minimizing) < max(1, self.jobs // 2)
                           and len(pending) + len(minimizing) < self.jobs and not self.stop.is_set()):
                        path = self.to_minimize.pop(0)
                        minimizing[pool.submit(self._minimize, path, path in self.to_blame)] = path
                    while (len(pending) + len(minimizing) < self.jobs or not pending) and not self._done(index):
                        pending[pool.submit(self._checked, index)] = index
                        index += 1
                    if not pending and (not minimizing or self._done(index)):
                        break
                    done, _ = wait([*pending, *minimizing], timeout=0.5, return_when=FIRST_COMPLETED)
                    for fut in done:
                        if fut in minimizing:
                            minimizing.pop(fut)
                            continue
                        self._finish(pending.pop(fut), fut)
                    self._show()
                for fut in list(minimizing):  # bounded by minimize_seconds each, and stopped at the deadline
                    fut.result()
            except KeyboardInterrupt:
                if self.stop.is_set():  # a second signal after `stop` was set: quit now
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
                self.stop.set()
                if self.progress:
                    sys.stderr.write("\nstopping: finishing the programs in flight (Ctrl-C again to quit now)\n")
                try:
                    for fut, i in list(pending.items()):
                        self._finish(i, fut)
                except KeyboardInterrupt:
                    pool.shutdown(wait=False, cancel_futures=True)
        if self.progress:
            self._show(final=True)
            if sys.stderr.isatty():
                sys.stderr.write("\n")
        return self.stats


def _stored_at(entry: Entry) -> float:
    try:
        return (entry.path / "meta.json").stat().st_mtime
    except OSError:
        return 0.0


def summary_table(stats: Stats, jobs: int) -> str:
    """The end-of-run summary, one row per root cause, grouped by verdict."""
    lines = []
    titles = {DEFECT: "defects (seen with the pass: the compiler IREE ships)",
              LATENT: "latent (seen only without the pass: a later stage's bug the pass masks)"}
    for verdict, title in titles.items():
        rows = [(sig, c) for sig, c in stats.by_cause.items() if c["verdict"] == verdict]
        if not rows:
            continue
        lines.append(f"{title}:")
        lines.append(f"  {'kind':<19}{'signature':<33}{'hits':>5}{'first (s)':>10}  {'constant':<13}where")
        # Blamed findings that need no constant are real IREE bugs, but not this fuzzer's class: listed last.
        order = {True: 0, None: 1, False: 2}
        about = {**stats.corpus_blamed, **stats.blamed}
        for sig, c in sorted(rows, key=lambda r: (order[about.get(r[0])], r[1]["first"])):
            where = "corpus (known)" if c["place"] == KNOWN else c["path"]
            needed = _NEEDED[about[sig]] if sig in about else "not blamed"
            if sig in stats.same_cause:
                where += f" (same cause as {stats.same_cause[sig]})"
            lines.append(f"  {c['kind']:<19}{sig:<33}{c['hits']:>5}{c['first']:>10.1f}  {needed:<13}{where}")
    guarded = [c for c in stats.by_cause.values() if c["verdict"] == GUARDED]
    if guarded:
        lines.append(f"guarded: in {stats.guarded} program(s) the pass prevented what it exists to prevent "
                     f"({len(guarded)} cause(s), {sum(c['hits'] for c in guarded)} sightings; not stored)")
    if not stats.by_cause:
        lines.append("(no findings)")
    share = stats.compile_seconds / stats.check_seconds * 100 if stats.check_seconds else 0
    ttff = "-" if stats.first_finding_seconds is None else f"{stats.first_finding_seconds:.1f}s"
    lines.append(
        f"programs {stats.programs} in {stats.elapsed:.1f}s ({stats.rate():.1f}/min), "
        f"{stats.cells} compile cells, compiler {share:.0f}% of checking time, first new finding at {ttff}, "
        f"{stats.minimized} minimized"
    )
    lines.append(f"new against the corpus: {stats.new_defects} defect(s), {stats.new_latent} latent; "
                 f"{stats.known} sighting(s) of corpus entries")
    if stats.retried_timeouts:
        lines.append(f"timeouts retried with a generous limit: {stats.retried_timeouts}; "
                     f"{stats.retried_reproduced} timed out again (kept as findings), "
                     f"{stats.retried_timeouts - stats.retried_reproduced} finished (not findings)")
    if stats.resumed or stats.cancelled or stats.stopped:
        lines.append(f"resumed {stats.resumed} finding(s) a previous run left unminimized or unblamed; at the "
                     f"deadline, {stats.cancelled} program(s) in flight dropped and {stats.stopped} minimization(s) "
                     "stopped (the next campaign on this --out resumes them)")
    if stats.blamed:
        counts = {v: sum(1 for b in stats.blamed.values() if b is v) for v in (True, False, None)}
        lines.append(f"blamed {len(stats.blamed)} finding(s) in {stats.blame_seconds:.1f}s: {counts[True]} need the "
                     f"constant, {counts[False]} not about constants (the same with arguments), "
                     f"{counts[None]} not established")
    return "\n".join(lines)


#: How the summary says whether a blamed finding needs its constant.
_NEEDED = {True: "needed", False: "not needed", None: "unknown"}
