"""The `fuzzir` command line. Exit codes: 0 clean, 1 findings (or a regression), 2 bad input.

The module is long: one small function per subcommand, plus the options they share."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from fuzzir import __version__, arguments
from fuzzir.cli_release import (
    RELEASE_COMMANDS,
    ReleaseUsageError,
    activate_release,
    add_iree_option,
    add_release_commands,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _frontend(text: str) -> str:
    """A frontend fuzzir generates programs in (`linalg`, `tosa`, ...), or `all`.

    The generators are imported only when the option is given: `fuzzir --help` stays instant."""
    from fuzzir.generators.frontends import ALL, frontends

    known = (*frontends(), ALL)
    if text not in known:
        raise argparse.ArgumentTypeError(f"unknown frontend {text!r} (known: {', '.join(known)})")
    return text


class UsageError(Exception):
    """Bad input or usage: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + traceback
        raise UsageError(f"{self.prog}: {message}")


def _common(p: argparse.ArgumentParser, default_targets: str) -> None:
    p.add_argument("--targets", default=default_targets,
                   help=f"comma-separated targets (default: {default_targets})")
    p.add_argument("--pass", dest="pass_name", default="iree-global-opt-detach-elementwise-from-named-ops",
                   help="the pass the 'without' variant removes")
    p.add_argument("--compile-timeout", type=arguments.seconds, default=60.0, help="seconds per compile (default 60)")
    p.add_argument("--run-timeout", type=arguments.seconds, default=30.0, help="seconds per run (default 30)")
    p.add_argument("--rss-limit-mb", type=arguments.megabytes, default=4096, metavar="MB",
                   help="kill a compiler or runtime child above this resident memory: an 'oom' finding "
                        "(default 4096, 0: no limit)")
    p.add_argument("--values", choices=("exact", "float"), default="exact",
                   help="small-integer inputs compared exactly, or general floats with a derived tolerance")
    p.add_argument("--about", choices=("shipped", "pass"), default="shipped",
                   help="shipped (default): verdicts about IREE as shipped, with the pass; a symptom seen only "
                        "without it is 'guarded' or 'latent'. pass: every variant's symptom is a finding "
                        "(for engineers who study or change the pass itself)")
    p.add_argument("--fail-on-latent", action="store_true",
                   help="exit 1 for latent findings too (seen only without the pass)")


def _dtypes(text: str) -> tuple[str, ...]:
    """A --dtypes list, checked when parsed (the generator would refuse it only in a worker)."""
    from fuzzir.generators.programs import programs

    names = tuple(part.strip() for part in text.split(",") if part.strip())
    try:
        programs(dtypes=names)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return names


#: Seconds to blame one finding at most, by default (`fuzzir.blame`).
BLAME_SECONDS = 60.0


def _blame_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--blame-time", type=arguments.budget, default=BLAME_SECONDS, metavar="S",
                   help=f"seconds to blame {what} at most: which of constant, init value, pass, flags, targets and "
                        f"element type it needs, by experiment (default {BLAME_SECONDS:.0f})")
    p.add_argument("--no-blame", action="store_true", help="do not blame findings")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fuzzir", description=__doc__)
    parser.add_argument("--version", action="version", version=f"fuzzir {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fz = sub.add_parser("fuzz", help="run a fuzzing campaign")
    limit = fz.add_mutually_exclusive_group()
    limit.add_argument("--time", type=arguments.seconds, help="seconds to fuzz (default 60 when no --count)")
    limit.add_argument("--count", type=arguments.positive, help="number of programs to check")
    fz.add_argument("--seed", type=int, default=0, help="campaign seed (default 0)")
    fz.add_argument("--jobs", type=arguments.positive, default=os.cpu_count() or 1, help="programs checked at once")
    fz.add_argument("--out", default="findings",
                    help="working findings directory, with its database fuzzir.db (default findings/)")
    fz.add_argument("--corpus", default="crashes",
                    help="the committed corpus, read only: its signatures are counted, not stored again "
                         "(default crashes/; 'none' for no corpus)")
    fz.add_argument("--matrix", choices=("sample", "full"), default="sample",
                    help="cells per program: a rotating sample (default) or every cell")
    fz.add_argument("--flag-set", action="append", default=None, metavar="FLAGS",
                    help="add a set of iree-compile flags (quoted, space-separated) to the rotation")
    fz.add_argument("--frontend", type=_frontend, default="all", metavar="NAME",
                    help="what programs are written in: linalg (fuzzir's model), a frontend fuzzir generates "
                         "(tosa, stablehlo) or all (default: each in turn, program by program)")
    fz.add_argument("--max-ops", type=arguments.max_ops, default=4, help="ops per program at most (default 4)")
    fz.add_argument("--dtypes", type=_dtypes, help="comma-separated element types to draw (default: all of "
                    "f32,f16,i32,i8,bf16,i64,i16, the last three in about a quarter of programs)")
    fz.add_argument("--quiet", action="store_true", help="no progress line")
    fz.add_argument("--minimize-time", type=arguments.budget, default=30.0,
                    help="seconds to minimize each new finding during the campaign (default 30)")
    fz.add_argument("--no-minimize", action="store_true", help="store findings unminimized")
    _blame_options(fz, "each new finding, after minimizing it")
    add_iree_option(fz)
    _common(fz, "llvm-cpu,vmvx,vulkan,cuda,rocm")

    ck = sub.add_parser("check", help="run every oracle on .mlir files (one, several, or directories)")
    ck.add_argument("files", nargs="+", metavar="FILE",
                    help="a .mlir file iree-compile accepts (linalg, tensor, StableHLO, TOSA ...); several files or "
                         "directories (every *.mlir under them) end with one coverage table")
    ck.add_argument("--function", metavar="NAME",
                    help="the entry function (default: the only public function, else @main)")
    ck.add_argument("--dim", action="append", default=[], metavar="N|ARG:DIM=N",
                    help="size of dynamic dimensions: N for all, ARG:DIM=N for one (default 4; repeatable)")
    add_iree_option(ck)
    ck.add_argument("--iree-flag", action="append", default=[], metavar="FLAG",
                    help="an extra iree-compile flag (repeatable)")
    ck.add_argument("--json", action="store_true", help="print findings as JSON")
    ck.add_argument("--out", help="also store findings in this directory")
    ck.add_argument("--seed", type=int, default=0, help="seed for the inputs (default 0)")
    _blame_options(ck, "each finding")
    _common(ck, "llvm-cpu,vmvx,vulkan,cuda,rocm")

    mn = sub.add_parser("minimize", help="reduce a finding to the smallest program with the same signature")
    mn.add_argument("finding", help="a finding directory (holding meta.json and program.mlir)")
    add_iree_option(mn)
    mn.add_argument("--time", type=arguments.seconds, default=120.0, help="seconds to spend at most (default 120)")

    bl = sub.add_parser("blame", help="what stored findings need (constant, pass, flags, targets, type), "
                        "by experiment; written into their meta.json")
    bl.add_argument("findings", nargs="+", metavar="FINDING", help="finding directories (holding meta.json)")
    add_iree_option(bl)
    bl.add_argument("--time", type=arguments.seconds, default=BLAME_SECONDS,
                    help=f"seconds per finding at most (default {BLAME_SECONDS:.0f})")

    gen = sub.add_parser("gen", help="print the program a seed generates")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--frontend", type=_frontend, default="linalg", metavar="NAME",
                     help="what the program is written in: linalg (default, fuzzir's model) or a frontend "
                          "fuzzir generates (tosa, stablehlo)")
    gen.add_argument("--max-ops", type=arguments.max_ops, default=4)
    gen.add_argument("--dtypes", type=_dtypes, help="comma-separated element types to draw (default: all)")

    ex = sub.add_parser("export", help="turn a finding into a lit test, an e2e check test or a bug report")
    ex.add_argument("finding", help="a finding directory (holding meta.json and program.mlir)")
    ex.add_argument("--format", required=True, metavar="FORMAT",
                    help="lit: RUN-line test; check: tests/e2e/regression test; issue: Markdown report; "
                         "bisect: a script for git bisect run in an IREE checkout")
    ex.add_argument("-o", "--output", help="write here instead of stdout")

    rp = sub.add_parser("replay", help="rerun every stored finding on the installed IREE (regression suite)")
    rp.add_argument("dir", nargs="?", default="crashes", help="corpus directory (default crashes/)")
    add_iree_option(rp)
    rp.add_argument("--update", action="store_true",
                    help="flip statuses: open -> fixed when fixed, fixed -> open when it reproduces")
    rp.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one testcase per entry)")
    rp.add_argument("--json", action="store_true", help="print the results as JSON")
    rp.add_argument("--jobs", type=arguments.positive, default=min(4, os.cpu_count() or 1),
                    help="entries replayed at once")
    rp.add_argument("--compile-timeout", type=arguments.seconds, default=60.0, help="seconds per compile (default 60)")
    rp.add_argument("--run-timeout", type=arguments.seconds, default=30.0, help="seconds per run (default 30)")
    add_release_commands(sub)

    pr = sub.add_parser("promote", help="put findings into the committed corpus, on purpose")
    pr.add_argument("findings", nargs="+", metavar="FINDING", help="finding directories (from findings/)")
    pr.add_argument("--corpus", default="crashes", help="the corpus directory (default crashes/)")
    pr.add_argument("--no-run", action="store_true", help="do not run repro.sh first (it must reproduce)")

    rr = sub.add_parser("report", help="a Markdown and a self-contained HTML report of a findings directory")
    rr.add_argument("dir", help="a findings directory (with its fuzzir.db) or a corpus")
    rr.add_argument("-o", "--output", help="directory for report.md, report.html, report.json (default: DIR)")
    return parser


def _targets(text: str) -> tuple:
    from fuzzir.targets import device_available, parse_targets

    try:
        targets = parse_targets(text)
    except ValueError as e:
        raise UsageError(str(e)) from None
    for t in targets:
        if t.name in ("vulkan", "cuda", "rocm") and not device_available(t):
            print(f"note: no {t.name} device here: {t.name} is compiled, not run", file=sys.stderr)
    return targets


def _settings(args: argparse.Namespace, flag_sets: tuple[tuple[str, ...], ...]):
    from fuzzir.findings import VARIANTS
    from fuzzir.judge import Settings
    from fuzzir.pipeline import NotRebuildable, PassNotFound, ablated_pipeline
    from fuzzir.sandbox import selected_iree

    targets = _targets(args.targets)
    variants = VARIANTS
    for flags in flag_sets:  # every set probed: a flag iree-compile rejects is the user's error, not IREE's bug
        try:
            ablated_pipeline(targets[0], flags, args.pass_name)
        except (PassNotFound, NotRebuildable) as e:
            if selected_iree() is None:  # --iree VERSION: that release may lack the pass
                raise UsageError(str(e)) from None
            if variants != ("with",):
                print(f"note: {e}: the 'without' variant is skipped", file=sys.stderr)
            variants = ("with",)
        except Exception as e:  # the probe compile failed: most likely a bad flag
            raise UsageError(f"cannot build the pipeline with the flags {' '.join(flags) or '(none)'}: "
                             f"{str(e).splitlines()[0]}") from None
    return Settings(targets=targets, flag_sets=flag_sets, matrix=getattr(args, "matrix", "full"),
                    variants=variants, pass_name=args.pass_name, compile_timeout=args.compile_timeout,
                    run_timeout=args.run_timeout, values=args.values, rss_limit_mb=args.rss_limit_mb or None)


def _usable_out(out: Path, what: str) -> None:
    """A findings directory that can be written, with a usable database, checked before any work."""
    from fuzzir.db import DB_NAME, DBError, FindingsDB

    if out.exists() and not out.is_dir():
        raise UsageError(f"{what}: {out} is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".fuzzir-probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise UsageError(f"{what}: {out} cannot be written ({e.strerror or e.__class__.__name__})") from None
    if (out / DB_NAME).exists():  # a new one is made when first needed (check --out stores no counts)
        try:
            FindingsDB(out / DB_NAME).check()
        except DBError as e:
            raise UsageError(f"{what}: {e}") from None


def cmd_fuzz(args: argparse.Namespace) -> int:
    from fuzzir.campaign import Campaign, summary_table
    from fuzzir.judge import DEFAULT_FLAG_SETS

    _usable_out(Path(args.out), "fuzzir fuzz: --out")
    try:
        extra = tuple(tuple(shlex.split(s)) for s in (args.flag_set or []))
    except ValueError as e:
        raise UsageError(f"fuzzir fuzz: --flag-set is not valid shell words ({e})") from None
    settings = _settings(args, DEFAULT_FLAG_SETS + extra)
    time_limit = args.time if args.time is not None else (None if args.count else 60.0)
    campaign = Campaign(settings, Path(args.out), args.seed, jobs=args.jobs, time_limit=time_limit,
                        count=args.count, progress=not args.quiet,
                        generator_options={"max_ops": args.max_ops, "values": args.values,
                                           **({"dtypes": args.dtypes} if args.dtypes else {})},
                        minimize_seconds=0.0 if args.no_minimize else args.minimize_time,
                        blame_seconds=0.0 if args.no_blame else args.blame_time,
                        corpus=None if args.corpus == "none" else Path(args.corpus), about=args.about,
                        frontend=args.frontend,
                        started=args.started)  # --time bounds the whole command, the set-up included

    def stop(signum: int, frame: object) -> None:
        """Ctrl-C or SIGTERM (CI, timeout(1)): stop taking programs and finish those in flight.

        Only a flag is set, so no half-written finding or database row can come of it; a
        second signal quits at once (KeyboardInterrupt: the programs in flight are lost)."""
        if campaign.stop.is_set():
            raise KeyboardInterrupt
        campaign.stop.set()
        sys.stderr.write("\nstopping: finishing the programs in flight (Ctrl-C again to quit now)\n")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    stats = campaign.run()
    print(summary_table(stats, args.jobs))
    print(f"findings are in {args.out}/ (counts in {args.out}/fuzzir.db; `fuzzir report {args.out}` for a report)")
    failed = stats.new_defects + (stats.new_latent if args.fail_on_latent else 0)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def cmd_check(args: argparse.Namespace) -> int:
    from fuzzir.any_program import SourceError, load_program, parse_dims
    from fuzzir.judge import judge_program, plan_cells
    from fuzzir.persist import store_case
    from fuzzir.pipeline import iree_compiler_version

    if args.out:
        _usable_out(Path(args.out), "fuzzir check: --out")
    if len(args.files) > 1 or Path(args.files[0]).is_dir():
        return _check_many(args)
    path = Path(args.files[0])
    if not path.is_file():
        raise UsageError(f"fuzzir check: no such file: {path}")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"fuzzir check: cannot read {path}: {e.__class__.__name__}") from None
    try:
        loaded = load_program(text, str(path), function=args.function, dims=parse_dims(args.dim))
    except (SourceError, ValueError) as e:
        raise UsageError(f"fuzzir check: {e}") from None
    flags = tuple(args.iree_flag)
    settings = _settings(args, (flags,))
    case = judge_program(loaded.program, text, args.seed, settings, cells=plan_cells(settings, 0),
                         source=loaded.source, unmodelled=loaded.unmodelled)
    for what, again in case.retried:
        print(f"note: {what} timed out and was retried with a generous limit: "
              f"{'it timed out again' if again else 'it finished, so the timeout is not a finding'}", file=sys.stderr)
    needs = {} if args.no_blame else _blame_case(case, settings, str(path), args)
    if args.out:
        stored = store_case(Path(args.out), case, seed=args.seed, elapsed=None, source=str(path), about=args.about)
        _record_needs(stored, needs)
    return _report_case(args, case, str(path), iree_compiler_version(), needs)


def _blame_case(case, settings, file: str, args: argparse.Namespace) -> dict:
    """signature -> `Needs` of each finding a check reports (defects, and latent ones), by experiment."""
    from fuzzir.blame import Subject, blame
    from fuzzir.findings import GUARDED, group

    if case.inputs is None:
        return {}
    subject = Subject(case.text, list(case.inputs), case.program, file, case.function)
    return {f.signature: blame(subject, f, settings, seed=args.seed, budget=args.blame_time)
            for f in group(case.observations) if f.verdict(args.about) != GUARDED}


def _record_needs(stored: list, needs: dict) -> None:
    """Write each stored finding's `needs` and cause into its meta.json."""
    from fuzzir.blame import blame_finding_record
    from fuzzir.store import DirectoryStore

    for r in stored:
        if r.path is not None and r.finding.signature in needs and r.outcome in ("new", "replaced"):
            store = DirectoryStore(r.path.parent)
            store.update(r.path.name, blame_finding_record(store.fetch(r.path.name).record,
                                                           needs[r.finding.signature]))


def _blamed_rows(case, needs: dict) -> dict:
    """signature -> what blame adds to a finding's rows in `fuzzir check --json` (`coverage.case_json`)."""
    from fuzzir.blame import cause_key
    from fuzzir.findings import group, signature_of

    out = {}
    for f in group(case.observations):
        n = needs.get(f.signature)
        if n is not None:
            cause = f"{cause_key(f.repro_observation(), n)}|{f.key.rsplit('|', 1)[1]}"
            out[f.signature] = {"needs": n.to_json(), "cause": cause, "cause_signature": signature_of(cause),
                                "blame": n.words()}
    return out


def _report_case(args: argparse.Namespace, case, file: str, iree_version: str, needs: dict | None = None) -> int:
    """Print a judged case (text or JSON) by verdict; exit 1 for defects (and latent, if asked).

    `needs`: signature -> `blame.Needs` of the findings that were blamed; each row carries it."""
    from fuzzir.any_program import oracle_summary
    from fuzzir.coverage import case_json, note_line
    from fuzzir.findings import DEFECT, GUARDED, LATENT, group, split_verdicts

    needs = needs or {}
    by_verdict = split_verdicts(group(case.observations), args.about)
    report = case_json(case, file, by_verdict, args.about, iree_version, _blamed_rows(case, needs))
    counts = report["counts"]
    failed = counts[DEFECT] + (counts[LATENT] if args.fail_on_latent else 0)
    if args.json:
        print(json.dumps(report, indent=2))
        return EXIT_FINDINGS if failed else EXIT_CLEAN
    for verdict, key in ((DEFECT, "findings"), (LATENT, "latent"), (GUARDED, "guarded")):
        for r in report[key]:
            print(f"{verdict:<8} {r['kind']:<19} {r['target']:<9} {r['variant']:<8} {r['op']}: {r['message']}")
        for f in by_verdict[verdict]:
            if f.signature in needs:
                print(f"  {f.signature} needs: {needs[f.signature].words()}")
    for note in report["notes"]:
        print(note_line(note))
    print(oracle_summary(case))
    summary = f"{counts[DEFECT]} finding(s)" if counts[DEFECT] else "clean"
    notes = []
    if counts[LATENT]:
        notes.append(f"{counts[LATENT]} latent (seen only without the pass; --fail-on-latent to fail on it)")
    if counts[GUARDED]:
        notes.append(f"the pass guards {counts[GUARDED]} (seen only without it)")
    print(f"{summary} in {case.cells} cells" + (f"; {'; '.join(notes)}" if notes else ""))
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def cmd_blame(args: argparse.Namespace) -> int:
    from fuzzir.blame import blame_entry
    from fuzzir.store import StoreError

    for finding in args.findings:
        path = Path(finding)
        if not (path / "meta.json").is_file():
            raise UsageError(f"fuzzir blame: not a finding directory: {finding}")
        try:
            needs = blame_entry(path, budget=args.time)
        except StoreError as e:
            raise UsageError(f"fuzzir blame: {e}") from None
        print(f"{path}: {needs.words()} ({needs.seconds:.1f}s)")
    return EXIT_CLEAN


def _mlir_files(specs: list[str]) -> list[Path]:
    """The programs `fuzzir check` was given: files as named, directories as every *.mlir under them."""
    files: list[Path] = []
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.mlir") if p.is_file())
            if not found:
                raise UsageError(f"fuzzir check: no .mlir file under {spec}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"fuzzir check: no such file or directory: {spec}")
    return list(dict.fromkeys(files))


def _check_many(args: argparse.Namespace) -> int:
    """`fuzzir check` on several programs: each judged in turn, then one coverage table (`fuzzir.coverage`).

    A program fuzzir cannot read is refused with one line on stderr and counted; the others are
    still judged. Exit 1 when a program has a defect, else 2 when one was refused, else 0."""
    from fuzzir.any_program import SourceError, load_program, parse_dims
    from fuzzir.coverage import Coverage, ProgramCoverage, case_json, case_lines
    from fuzzir.findings import DEFECT, LATENT, group, split_verdicts
    from fuzzir.judge import judge_program, plan_cells
    from fuzzir.persist import store_case
    from fuzzir.pipeline import iree_compiler_version

    files = _mlir_files(args.files)
    try:
        dims = parse_dims(args.dim)
    except ValueError as e:
        raise UsageError(f"fuzzir check: {e}") from None
    settings = _settings(args, (tuple(args.iree_flag),))
    version = iree_compiler_version()
    coverage, reports, failed = Coverage(), [], False
    for path in files:
        try:
            text = path.read_text()
            loaded = load_program(text, str(path), function=args.function, dims=dims)
        except (OSError, UnicodeDecodeError) as e:
            refused = f"cannot read it: {e.__class__.__name__}"
        except (SourceError, ValueError) as e:
            refused = str(e).splitlines()[0] if str(e) else e.__class__.__name__
        else:
            refused = ""
        if refused:
            print(f"error: fuzzir check: {path}: {refused}", file=sys.stderr)
            coverage.add(ProgramCoverage(str(path), refused=refused))
            reports.append({"file": str(path), "error": refused})
            continue
        case = judge_program(loaded.program, text, args.seed, settings, cells=plan_cells(settings, 0),
                             source=loaded.source, unmodelled=loaded.unmodelled)
        needs = {} if args.no_blame else _blame_case(case, settings, str(path), args)
        if args.out:
            _record_needs(store_case(Path(args.out), case, seed=args.seed, elapsed=None, source=str(path),
                                     about=args.about), needs)
        by_verdict = split_verdicts(group(case.observations), args.about)
        coverage.add(ProgramCoverage(str(path), list(case.checked),
                                     [(f, v) for v, fs in by_verdict.items() for f in fs]))
        report = case_json(case, str(path), by_verdict, args.about, version, _blamed_rows(case, needs))
        reports.append(report)
        failed |= bool(report["counts"][DEFECT] or (args.fail_on_latent and report["counts"][LATENT]))
        if not args.json:
            print("\n".join(case_lines(report, case.cells)), flush=True)
    if args.json:
        print(json.dumps({"programs": reports, "totals": coverage.totals(), "about": args.about,
                          "iree_version": version}, indent=2))
    else:
        print(coverage.table())
    return EXIT_FINDINGS if failed else EXIT_USAGE if coverage.totals()["refused"] else EXIT_CLEAN


def cmd_gen(args: argparse.Namespace) -> int:
    from fuzzir.emit import emit
    from fuzzir.generators.frontends import ALL, LINALG, generate_text
    from fuzzir.generators.programs import generate

    if args.frontend == ALL:
        raise UsageError("fuzzir gen: --frontend all is for campaigns; name one frontend")
    if args.frontend != LINALG:
        if args.dtypes:
            raise UsageError(f"fuzzir gen: --dtypes is for linalg programs, not {args.frontend}")
        sys.stdout.write(generate_text(args.frontend, args.seed, max_ops=args.max_ops))
        return EXIT_CLEAN
    options = {"dtypes": args.dtypes} if args.dtypes else {}
    sys.stdout.write(emit(generate(args.seed, max_ops=args.max_ops, **options)))
    return EXIT_CLEAN


def cmd_minimize(args: argparse.Namespace) -> int:
    from fuzzir.minimize import minimize_entry
    from fuzzir.store import StoreError

    path = Path(args.finding)
    if not path.is_dir():
        raise UsageError(f"fuzzir minimize: no such finding directory: {args.finding}")
    try:
        record = minimize_entry(path, time_budget=args.time)
    except StoreError as e:
        raise UsageError(f"fuzzir minimize: {e}") from None
    b, a = record["before"], record["after"]
    print(f"{path}: {b['ops']} ops / {b['elements']} elements -> {a['ops']} ops / {a['elements']} elements "
          f"in {record['seconds']:.1f}s ({_how(record)}); original kept as original.mlir")
    return EXIT_CLEAN


def _how(minimization: dict) -> str:
    if minimization.get("checks") is None:
        return "IREE's reducer: the program is outside fuzzir's model"
    return f"{minimization['checks']} checks"


def cmd_export(args: argparse.Namespace) -> int:
    """Print or write an export; bad input is a UsageError (one line, exit 2)."""
    from fuzzir.exports import FORMATS, ExportError, export
    from fuzzir.store import StoreError

    if args.format not in FORMATS:
        raise UsageError(f"fuzzir export: unknown format {args.format!r}; use one of: {', '.join(FORMATS)}")
    try:
        text = export(Path(args.finding), args.format)
    except (ExportError, StoreError) as e:
        raise UsageError(f"fuzzir export: {e}") from None
    if args.output:
        try:
            Path(args.output).write_text(text)
        except OSError as e:
            raise UsageError(f"fuzzir export: cannot write {args.output}: {e.strerror or e}") from None
    else:
        sys.stdout.write(text)
    return EXIT_CLEAN


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a corpus: 0 when nothing regressed, 1 otherwise (see `fuzzir.replay`)."""
    from fuzzir import replay as rp

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"fuzzir replay: no such corpus directory: {args.dir}")
    if args.jobs < 1:
        raise UsageError("fuzzir replay: --jobs must be at least 1")
    outcomes = rp.replay_dir(root, jobs=args.jobs, compile_timeout=args.compile_timeout,
                             run_timeout=args.run_timeout)
    flipped = rp.update_statuses(outcomes) if args.update else []
    if args.junit:
        try:
            rp.junit_xml(outcomes).write(args.junit, encoding="utf-8", xml_declaration=True)
        except OSError as e:
            raise UsageError(f"fuzzir replay: cannot write {args.junit}: {e.strerror}") from None
    failed = [o for o in outcomes if o.regression]
    if args.json:
        print(json.dumps({"dir": str(root), "entries": [o.to_json() for o in outcomes],
                          "regressions": len(failed), "updated": [o.name for o in flipped]}, indent=2))
    else:
        for o in outcomes:
            if o.result == rp.ERROR:
                print(f"entry {o.name}: {o.detail}")
        if any(o.result != rp.ERROR for o in outcomes):
            print(rp.table(outcomes))
        for o in outcomes:
            if o.status == "open" and o.result == rp.FIXED and o not in flipped:
                print(f"note: {o.name} no longer reproduces: flip it to 'fixed' with "
                      f"`fuzzir replay {args.dir} --update`")
        for o in flipped:
            print(f"updated: {o.name} is now '{o.record.status if o.record else '?'}'")
        counts = {r: sum(o.result == r for o in outcomes) for r in rp.RESULTS}
        summary = ", ".join(f"{n} {r}" for r, n in counts.items() if n)
        print(f"{len(outcomes)} entries replayed ({summary or 'none'}); {len(failed)} regression(s)")
    if not outcomes:
        print(f"note: {args.dir} holds no entries", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def cmd_promote(args: argparse.Namespace) -> int:
    """Promote findings into the corpus: 0 when all went in, 2 when one was refused (it says why)."""
    from fuzzir.promote import promote

    corpus = Path(args.corpus)
    if corpus.exists() and not corpus.is_dir():
        raise UsageError(f"fuzzir promote: the corpus {args.corpus} is not a directory")
    if not args.no_run:
        print("note: promote runs each finding's repro.sh to see it reproduce: the commands in it execute here "
              "(--no-run skips that)", file=sys.stderr)
    results = promote([Path(p) for p in args.findings], corpus, run=not args.no_run)
    for r in results:
        print(f"{r.finding}: {r.detail}" if r.ok else f"{r.finding}: not promoted: {r.detail}",
              file=sys.stdout if r.ok else sys.stderr)
    return EXIT_CLEAN if all(r.ok for r in results) else EXIT_USAGE


def cmd_report(args: argparse.Namespace) -> int:
    from fuzzir import report
    from fuzzir.db import DB_NAME, DBError, FindingsDB

    root = Path(args.dir)
    if not root.is_dir():
        raise UsageError(f"fuzzir report: no such directory: {args.dir}")
    if (root / DB_NAME).exists():
        try:
            FindingsDB(root / DB_NAME).check()
        except DBError as e:
            raise UsageError(f"fuzzir report: {e}") from None
    try:
        md, page = report.write(root, Path(args.output) if args.output else root)
    except OSError as e:
        raise UsageError(f"fuzzir report: cannot write the report: {e.strerror or e}") from None
    print(f"wrote {md} and {page}")
    return EXIT_CLEAN


COMMANDS = {"fuzz": cmd_fuzz, "check": cmd_check, "blame": cmd_blame, "gen": cmd_gen, "minimize": cmd_minimize,
            "export": cmd_export, "replay": cmd_replay, "promote": cmd_promote, "report": cmd_report,
            **RELEASE_COMMANDS}


def _quit(signum: int, frame: object) -> None:
    """SIGTERM: kill the tools running and exit, so that temporary directories go (`fuzzir.scratch`)."""
    from fuzzir.sandbox import cancel_all

    cancel_all()
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    from fuzzir import sandbox, scratch

    scratch.sweep_stale()  # what a SIGKILLed run left
    sandbox.allow_tools()  # (main may run again in one process: tests)
    main_thread = threading.current_thread() is threading.main_thread()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)} if main_thread else {}
    if main_thread:
        signal.signal(signal.SIGTERM, _quit)
    try:
        return _main(argv, started)
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)


def _main(argv: list[str] | None, started: float) -> int:
    from fuzzir import sandbox

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        args.started = started
        activate_release(args)  # --iree VERSION
        return COMMANDS[args.command](args)
    except (UsageError, ReleaseUsageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        sandbox.cancel_all()  # the tools still running in worker threads, so that they end now
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
