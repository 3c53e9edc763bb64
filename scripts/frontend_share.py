"""Measure a frontend generator: the share of its programs whose input-phase IR has a constant in a destination.

    .venv/bin/python scripts/frontend_share.py --frontend tosa [--count 30] [--first 0] [--max-ops 4]
    .venv/bin/python scripts/frontend_share.py --frontend tosa --campaign-seed 0 --count 60

Each program is lowered to IREE's input phase (`oracles.lowering.lower`) and its destinations
read with the bindings (`fuzzir.constant_destinations`): a constant, or a value computed only
from constants, that a linalg, `iree_linalg_ext` or `insert_slice` op writes into. That is what
a frontend program is generated for; one line per program, then the share. `--campaign-seed`
measures the programs a `fuzz --frontend F --seed S` campaign checks (program i has seed
`S*1000003 + i`), `--first` plain consecutive seeds.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from fuzzir.campaign import program_seed
from fuzzir.constant_destinations import constant_destinations
from fuzzir.generators.frontends import frontends, generate_text
from fuzzir.oracles.lowering import lower


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frontend", required=True, choices=[f for f in frontends() if f != "linalg"])
    ap.add_argument("--count", type=int, default=30)
    ap.add_argument("--first", type=int, default=0, help="first seed (consecutive seeds)")
    ap.add_argument("--campaign-seed", type=int, help="the seeds of a campaign's programs instead")
    ap.add_argument("--max-ops", type=int, default=4)
    args = ap.parse_args(argv)
    hits = failed = 0
    kinds: Counter[str] = Counter()
    for i in range(args.count):
        seed = program_seed(args.campaign_seed, i) if args.campaign_seed is not None else args.first + i
        lowered = lower(generate_text(args.frontend, seed, max_ops=args.max_ops), f"{args.frontend}_{seed}.mlir")
        if lowered.problem:
            failed += 1
            print(f"seed {seed}: {lowered.problem}")
            continue
        found = constant_destinations(lowered.text)
        hits += bool(found)
        kinds.update(set(found))
        print(f"seed {seed}: {', '.join(found) or 'no constant in a destination'}")
    print(f"{hits}/{args.count} {args.frontend} programs ({100 * hits / max(1, args.count):.0f}%) have a constant "
          f"in a destination" + (f" ({failed} did not lower)" if failed else "") + "; "
          + ", ".join(f"{k} x{n}" for k, n in kinds.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
