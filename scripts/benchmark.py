"""Measure fuzzir's speed: programs fully checked per minute, the share of worker
time spent inside the compiler, and time to first finding (overall and per kind).

    .venv/bin/python scripts/benchmark.py --time 120 --jobs 2 [--targets ...] [--frontend F] [--json out.json]

Findings go to a temporary directory (the committed corpus is not touched), so
every run starts from an empty store and time-to-first-finding means what it says.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fuzzir.campaign import Campaign  # noqa: E402
from fuzzir.judge import DEFAULT_FLAG_SETS, Settings  # noqa: E402
from fuzzir.pipeline import iree_compiler_version  # noqa: E402
from fuzzir.targets import parse_targets  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time", type=float, default=120.0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--targets", default="llvm-cpu,vmvx,vulkan,cuda,rocm")
    ap.add_argument("--matrix", choices=("sample", "full"), default="sample")
    ap.add_argument("--minimize-time", type=float, default=0.0,
                    help="minimize new findings too (0: measure checking alone)")
    ap.add_argument("--blame-time", type=float, default=0.0,
                    help="blame each minimized finding too, seconds at most (0: no blame; needs --minimize-time)")
    ap.add_argument("--frontend", default="linalg",
                    help="linalg (default: the figures of earlier rounds), a frontend (tosa, stablehlo) or all")
    ap.add_argument("--json", help="write the figures here as JSON")
    args = ap.parse_args()

    settings = Settings(targets=parse_targets(args.targets), flag_sets=DEFAULT_FLAG_SETS, matrix=args.matrix)
    with tempfile.TemporaryDirectory(prefix="fuzzir-bench-") as out:
        t0 = time.monotonic()
        campaign = Campaign(settings, Path(out), args.seed, jobs=args.jobs, time_limit=args.time,
                            progress=False, minimize_seconds=args.minimize_time, blame_seconds=args.blame_time,
                            **({"frontend": args.frontend} if args.frontend != "linalg" else {}))
        stats = campaign.run()
        wall = time.monotonic() - t0
    worker_time = wall * args.jobs
    figures = {
        "iree_version": iree_compiler_version(),
        "targets": args.targets,
        "frontend": args.frontend,
        "matrix": args.matrix,
        "jobs": args.jobs,
        "seconds": round(wall, 1),
        "programs": stats.programs,
        "programs_per_minute": round(stats.programs / wall * 60, 1),
        "compile_cells": stats.cells,
        "compiler_share_of_worker_time": round(stats.compile_seconds / worker_time, 3),
        "runtime_share_of_worker_time": round(stats.run_seconds / worker_time, 3),
        "distinct_findings": stats.new,
        "repeat_findings": stats.duplicates,
        "time_to_first_finding_s": None if stats.first_finding_seconds is None
        else round(stats.first_finding_seconds, 1),
        "first_seen_by_kind_s": {k: v["first"] for k, v in sorted(stats.by_kind.items())},
        "distinct_by_kind": {k: v["new"] for k, v in sorted(stats.by_kind.items())},
        "minimized": stats.minimized,
        "blamed": len(stats.blamed),
        "blame_seconds": round(stats.blame_seconds, 1),
        "blamed_by_constant": {"needed": sum(v is True for v in stats.blamed.values()),
                               "not_needed": sum(v is False for v in stats.blamed.values()),
                               "unknown": sum(v is None for v in stats.blamed.values())},
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
