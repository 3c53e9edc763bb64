"""The release commands of the `fuzzir` command line: `fuzzir iree install|list|prune`, `fuzzir bisect`,
and `--iree VERSION` (check, replay, minimize), which `fuzzir.cli` wires in.

Bad input (a version that is not X.Y.Z or not on the package index, no network, a
missing finding) raises `ReleaseUsageError`: one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from fuzzir import arguments

EXIT_CLEAN = 0


class ReleaseUsageError(Exception):
    """Bad input to a release command: printed as one line, exit status 2."""


def _find_links(p: argparse.ArgumentParser) -> None:
    p.add_argument("--find-links", metavar="DIR|URL",
                   help="install from the wheels in DIR, offline, or also from the page URL (IREE's release "
                        "candidates: https://iree.dev/pip-release-links.html); default: $FUZZIR_FIND_LINKS, "
                        "else the configured package index")


def add_iree_option(p: argparse.ArgumentParser) -> None:
    """`--iree VERSION` on check, replay and minimize."""
    p.add_argument("--iree", metavar="VERSION|PATH",
                   help="run on this IREE release instead of the installed one (installed into the "
                        "release cache first if needed; see `fuzzir iree`), or on the build or install tree "
                        "at PATH (its tools/ or bin/)")


def add_release_commands(sub: argparse._SubParsersAction) -> None:
    """Add `iree` and `bisect` to the `fuzzir` subcommands."""
    ir = sub.add_parser("iree", help="the cache of IREE releases: install, list, prune")
    irs = ir.add_subparsers(dest="iree_command", required=True)
    ins = irs.add_parser("install", help="put releases into the cache")
    ins.add_argument("versions", nargs="+", metavar="VERSION")
    _find_links(ins)
    ls = irs.add_parser("list", help="the cached releases, with each compiler's revision")
    ls.add_argument("--available", action="store_true", help="also list the releases the package index offers")
    _find_links(ls)
    ls.add_argument("--json", action="store_true")
    pr = irs.add_parser("prune", help="delete cached releases (all when no VERSION is given)")
    pr.add_argument("versions", nargs="*", metavar="VERSION")

    bs = sub.add_parser("bisect", help="which IREE release introduced (or fixed) a finding")
    bs.add_argument("finding", help="a finding directory (meta.json, program.mlir) or a .mlir file")
    bs.add_argument("--versions", metavar="FIRST..LAST",
                    help="the releases to search: a range of those the package index offers (either end may "
                         "be left out; default: all of them), or a list A,B,C")
    _find_links(bs)
    bs.add_argument("--targets", default="llvm-cpu", help="for a .mlir file: targets to check (default llvm-cpu)")
    bs.add_argument("--iree-flag", action="append", default=[], metavar="FLAG",
                    help="for a .mlir file: an extra iree-compile flag (repeatable)")
    bs.add_argument("--seed", type=int, default=0, help="for a .mlir file: seed for the inputs (default 0)")
    bs.add_argument("--linear-max", type=int, default=4,
                    help="try every release of a range this short; bisect a longer one (default 4)")
    bs.add_argument("--no-record", action="store_true", help="do not write the result into the finding's meta.json")
    bs.add_argument("--json", action="store_true", help="print the result as JSON")
    bs.add_argument("--compile-timeout", type=arguments.seconds, default=60.0, help="seconds per compile (default 60)")
    bs.add_argument("--run-timeout", type=arguments.seconds, default=30.0, help="seconds per run (default 30)")


def activate_release(args: argparse.Namespace) -> None:
    """Switch to `--iree VERSION` when the command has it and it is given."""
    from fuzzir import releases

    version = getattr(args, "iree", None)
    if not version:
        return
    if os.path.isdir(version):  # a build or install tree: its tools, the pass pipeline derived from them
        try:
            where = _activate_tree(version)
        except releases.ReleaseError as e:
            raise ReleaseUsageError(f"fuzzir {args.command}: {e}") from None
        print(f"note: IREE from the tree at {where}", file=sys.stderr)
        return
    try:
        release = releases.activate(version, find_links=getattr(args, "find_links", None))
    except releases.ReleaseError as e:
        raise ReleaseUsageError(f"fuzzir {args.command}: {e}") from None
    where = f"{release.path}" if release else "the installed wheels"
    revision = release.revision if release else releases.installed_release().revision
    print(f"note: IREE {version} ({revision}) from {where}", file=sys.stderr)


def _activate_tree(path: str) -> str:
    """Use the IREE build or install tree at `path` (its tools/ or bin/) for every tool from now on, as
    `--iree PATH` asks: an engineer's own build, before sending a change. Returns the tree's path."""
    from fuzzir import releases
    from fuzzir.sandbox import TREE_TOOL_DIRS, select_iree, tool_path
    from fuzzir.targets import use_compiler_options

    root = os.path.abspath(path)
    if not any(os.access(os.path.join(root, d, "iree-compile"), os.X_OK) for d in TREE_TOOL_DIRS):
        raise releases.ReleaseError(f"{path} has no tools/iree-compile or bin/iree-compile: "
                                    "not an IREE build or install tree")
    select_iree(root)
    try:
        use_compiler_options(releases.compiler_options(tool_path("iree-compile")))
    except (FileNotFoundError, OSError) as e:
        select_iree(None)
        use_compiler_options(None)
        raise releases.ReleaseError(f"the IREE tree at {path} does not run ({e})") from None
    return root


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def cmd_iree(args: argparse.Namespace) -> int:
    from fuzzir import releases

    try:
        if args.iree_command == "install":
            for v in args.versions:
                releases.check_version(v)
            for v in args.versions:
                if v == releases.installed_version():
                    print(f"IREE {v} is the installed release: nothing to do")
                    continue
                r = releases.install(v, find_links=args.find_links)
                print(f"IREE {r.version}: {r.revision}, {_mb(r.size_bytes)} in {r.path}")
        elif args.iree_command == "list":
            return _list(args)
        else:
            freed = releases.prune(args.versions or None)
            missing = sorted(set(args.versions) - {v for v, _ in freed})
            for v, n in freed:
                print(f"removed IREE {v} ({_mb(n)})")
            for v in missing:
                print(f"note: IREE {v} is not in the cache", file=sys.stderr)
            print(f"freed {_mb(sum(n for _, n in freed))} in {releases.cache_root()}")
    except releases.ReleaseError as e:
        raise ReleaseUsageError(f"fuzzir iree {args.iree_command}: {e}") from None
    return EXIT_CLEAN


def _list(args: argparse.Namespace) -> int:
    from fuzzir import releases

    rows = [releases.installed_release(), *releases.cached()]
    offered = releases.available(args.find_links) if args.available else []
    if args.json:
        print(json.dumps({"cache": str(releases.cache_root()),
                          "releases": [{"version": r.version, "runtime_version": r.runtime_version,
                                        "revision": r.revision, "size_bytes": r.size_bytes,
                                        "path": str(r.path) if r.path else None, "installed": r.path is None}
                                       for r in rows],
                          **({"available": offered} if args.available else {})}, indent=2))
        return EXIT_CLEAN
    print(f"{'release':<20} {'runtime':<8} {'compiler revision':<34} {'size':>8}  path")
    for r in rows:
        runtime = r.runtime_version if r.runtime_version != r.version else ""
        print(f"{r.label:<20} {runtime:<8} {r.revision:<34} {_mb(r.size_bytes) if r.path else '':>8}  "
              f"{r.path or 'the installed wheels'}")
    total = sum(r.size_bytes for r in rows)
    print(f"{len(rows) - 1} cached release(s), {_mb(total)} in {releases.cache_root()}")
    if args.available:
        have = {r.version for r in rows}
        print("offered: " + ", ".join(v + ("*" if v in have else "") for v in offered) + "  (* here)")
    return EXIT_CLEAN


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_bisect(args: argparse.Namespace) -> int:
    from fuzzir import bisect, releases

    path = Path(args.finding)
    try:
        versions = bisect.parse_range(args.versions, lambda: releases.available(args.find_links))
    except releases.ReleaseError as e:
        raise ReleaseUsageError(f"fuzzir bisect: {e}") from None
    if args.linear_max < 1:
        raise ReleaseUsageError("fuzzir bisect: --linear-max must be at least 1")
    if path.is_dir():
        result = _bisect_entry(args, path, versions, _log)
    elif path.is_file():
        result = _bisect_file(args, path, versions, _log)
    else:
        raise ReleaseUsageError(f"fuzzir bisect: no such finding directory or file: {args.finding}")
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(result.table())
        print(f"{result.subject}: {result.headline}")
    return EXIT_CLEAN


def _bisect_entry(args: argparse.Namespace, path: Path, versions: list[str], log):
    from fuzzir import bisect
    from fuzzir.store import DirectoryStore, StoreError, read_entry

    try:
        record = read_entry(path).record
    except StoreError as e:
        raise ReleaseUsageError(f"fuzzir bisect: {e}") from None
    log(f"bisecting {path.name} ({record.kind}) over {versions[0]}..{versions[-1]} ({len(versions)} releases)")

    def probe(version: str) -> bisect.Step:
        return bisect.probe_entry(path, version, "", compile_timeout=args.compile_timeout,
                                  run_timeout=args.run_timeout)

    result = bisect.run(path.name, versions, probe, signature=record.signature, kind=record.kind,
                        find_links=args.find_links, log=log, linear_max=args.linear_max,
                        recorded_on=record.iree_version)
    if not args.no_record:
        try:
            fresh = read_entry(path).record  # re-read: the search took a while
            DirectoryStore(path.parent).update(path.name, fresh.replace(bisect=result.to_record()))
        except (StoreError, OSError) as e:
            raise ReleaseUsageError(f"fuzzir bisect: cannot record the result in {path}: {e}") from None
    return result


def _bisect_file(args: argparse.Namespace, path: Path, versions: list[str], log):
    from fuzzir import bisect
    from fuzzir.judge import Settings
    from fuzzir.parse import ParseError, parse_program
    from fuzzir.targets import parse_targets

    try:
        text = path.read_text()
        program = parse_program(text, filename=str(path))
        targets = parse_targets(args.targets)
    except (OSError, UnicodeDecodeError) as e:
        raise ReleaseUsageError(f"fuzzir bisect: cannot read {path}: {e.__class__.__name__}") from None
    except (ParseError, ValueError) as e:
        raise ReleaseUsageError(f"fuzzir bisect: {e}") from None
    log(f"bisecting {path} over {versions[0]}..{versions[-1]} ({len(versions)} releases)")

    def probe(version: str) -> bisect.Step:
        names = [t.name for t in targets]
        from fuzzir.targets import TARGETS  # respelled for the active release

        settings = Settings(targets=tuple(TARGETS[n] for n in names), flag_sets=(tuple(args.iree_flag),),
                            matrix="full", compile_timeout=args.compile_timeout, run_timeout=args.run_timeout)
        return bisect.probe_program(program, text, settings, args.seed, version, "")

    return bisect.run(str(path), versions, probe, find_links=args.find_links, log=log,
                      linear_max=args.linear_max)


RELEASE_COMMANDS = {"iree": cmd_iree, "bisect": cmd_bisect}
