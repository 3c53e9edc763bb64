"""Measure the StableHLO generator: the share of programs whose input-phase IR has a constant in a destination.

Usage: python scripts/stablehlo_share.py [FIRST_SEED] [COUNT] [MAX_OPS]. Each program is lowered
to IREE's input phase (`oracles.lowering.lower`) and its destinations read with the bindings
(`fuzzir.constant_destinations`); one line per program, then the share.
"""

from __future__ import annotations

import sys
from collections import Counter

from fuzzir.constant_destinations import constant_destinations
from fuzzir.generators.stablehlo import generate
from fuzzir.oracles.lowering import lower


def main(argv: list[str]) -> int:
    first, count, max_ops = (int(a) for a in (argv + ["0", "30", "4"][len(argv):]))
    hits = 0
    kinds: Counter[str] = Counter()
    for seed in range(first, first + count):
        lowered = lower(generate(seed, max_ops), f"stablehlo_{seed}.mlir")
        if lowered.problem:
            print(f"seed {seed}: {lowered.problem}")
            continue
        found = constant_destinations(lowered.text)
        hits += bool(found)
        kinds.update(set(found))
        print(f"seed {seed}: {', '.join(found) or 'no constant in a destination'}")
    print(f"{hits}/{count} programs ({100 * hits / max(1, count):.0f}%) have a constant in a destination; "
          + ", ".join(f"{k} x{n}" for k, n in kinds.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
