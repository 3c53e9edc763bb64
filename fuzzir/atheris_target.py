"""A libFuzzer (atheris) entry point: coverage-guided bytes drive the program generator.

    python -m fuzzir.atheris_target [libFuzzer flags] [CORPUS_DIR...]

Why atheris on top of `fuzzir fuzz`: ClusterFuzz / ClusterFuzzLite / OSS-Fuzz
run libFuzzer-style targets, keep and merge a corpus of inputs, and schedule
the fuzzing time. The bytes are turned into a program by the *same*
hypothesis strategy the campaigns use (`fuzzir.generators.programs.programs`),
through hypothesis' public `fuzz_one_input`, so a libFuzzer mutation is a
structured mutation of the program's choices, and the generator's own Python
code is instrumented for coverage feedback.

Every program is checked with `fuzzir.judge.judge_program` and its findings
are stored with `fuzzir.persist.store_case` in the ordinary finding format, so
`fuzzir replay`, `fuzzir promote` and the pytest plugin work on them unchanged;
like a campaign, it never writes the committed corpus, and symptoms only the
pass prevents (seen only without it) are counted as guarded, not stored. A finding is
*stored, not raised*: IREE bugs are the expected output, and aborting would
stop the fuzzer at the first one. Set ``FUZZIR_ATHERIS_CRASH_ON_FINDING=1`` to
raise instead, so that ClusterFuzz files each finding as a crash.

Environment:
    FUZZIR_TARGETS   comma-separated targets (default ``llvm-cpu``)
    FUZZIR_OUT       findings directory (default ``findings``), with its database ``fuzzir.db``
    FUZZIR_CORPUS    the committed corpus, read only: its signatures are counted, not stored
                     (default ``crashes``)
    FUZZIR_ATHERIS_CRASH_ON_FINDING=1   raise on a finding (a libFuzzer crash)
    FUZZIR_MAX_OPS   ops per program at most (default 4)

Each checked input prints one line ``fuzzir-atheris: input N ...`` on stderr.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

#: Generator inputs shorter than what a program needs are extended with bytes derived from
#: the input itself, so that every libFuzzer input (even the empty one) checks a program and
#: the program stays a pure function of the input.
_MIN_BUFFER = 4096


class FindingError(AssertionError):
    """Raised (only with FUZZIR_ATHERIS_CRASH_ON_FINDING=1) so libFuzzer records a crash."""


def extend(data: bytes, size: int = _MIN_BUFFER) -> bytes:
    """`data` followed by deterministic bytes derived from it, at least `size` long."""
    if len(data) >= size:
        return data
    out = bytearray(data)
    block = hashlib.sha256(b"fuzzir" + data).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


def input_seed(data: bytes) -> int:
    """Seed for the program's inputs and its cell rotation: a crashing input replays exactly."""
    return zlib.crc32(data)


class Target:
    """The per-process state of the fuzz target: settings, output directory, counters."""

    def __init__(self, targets: str, out: Path, crash_on_finding: bool, max_ops: int,
                 corpus: Path = Path("crashes")) -> None:
        from hypothesis import HealthCheck, given, settings

        from fuzzir.generators.programs import programs
        from fuzzir.judge import Settings
        from fuzzir.targets import parse_targets

        self.settings = Settings(targets=parse_targets(targets))
        self.out = out
        self.corpus = corpus
        self._corpus: Any = None  # the corpus index, read on the first input
        self.crash_on_finding = crash_on_finding
        self.checked = 0
        self.stored = 0
        self.started = time.monotonic()
        self._data = b""

        @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(programs(max_ops=max_ops))
        def check(program: Any) -> None:
            self._check(program)

        self._fuzz_one = check.hypothesis.fuzz_one_input

    def _check(self, program: Any) -> None:
        from fuzzir.db import DB_NAME, FindingsDB
        from fuzzir.emit import emit
        from fuzzir.judge import judge_program
        from fuzzir.persist import NEW, CorpusIndex, store_case

        if self._corpus is None:
            self._corpus = CorpusIndex(self.corpus if self.corpus.is_dir() else None)
        seed = input_seed(self._data)
        case = judge_program(program, emit(program), seed, self.settings, index=seed)
        self.checked += 1
        stored = store_case(self.out, case, seed=seed, elapsed=time.monotonic() - self.started, source="atheris",
                            corpus=self._corpus, db=FindingsDB(self.out / DB_NAME))
        findings = [r for r in stored if r.verdict != "guarded"]
        new = [r for r in findings if r.outcome == NEW]
        self.stored += len(new)
        kinds = ",".join(sorted({r.finding.kind for r in findings})) or "clean"
        guarded = len(stored) - len(findings)
        sys.stderr.write(f"fuzzir-atheris: input {self.checked} checked in {case.cells} cells: {kinds}"
                         f" ({len(new)} new, {len(findings) - len(new)} repeat, {guarded} guarded)\n")
        sys.stderr.flush()
        if findings and self.crash_on_finding:
            names = ", ".join(str(r.path) for r in findings)
            raise FindingError(f"fuzzir finding(s) in {names}")

    def __call__(self, data: bytes) -> None:
        """libFuzzer's TestOneInput."""
        self._data = data
        self._fuzz_one(extend(data))


def main(argv: list[str] | None = None) -> int:
    """Set up atheris with libFuzzer's flags and fuzz until libFuzzer stops."""
    import atheris

    argv = list(sys.argv if argv is None else argv)
    with atheris.instrument_imports(include=["fuzzir.generators", "fuzzir.model", "fuzzir.families"]):
        import fuzzir.families  # noqa: F401  (instrumented for coverage feedback)
        import fuzzir.generators.programs  # noqa: F401
        import fuzzir.model  # noqa: F401
    try:
        target = Target(os.environ.get("FUZZIR_TARGETS", "llvm-cpu"),
                        Path(os.environ.get("FUZZIR_OUT", "findings")),
                        os.environ.get("FUZZIR_ATHERIS_CRASH_ON_FINDING", "") not in ("", "0"),
                        int(os.environ.get("FUZZIR_MAX_OPS", "4")),
                        Path(os.environ.get("FUZZIR_CORPUS", "crashes")))
    except ValueError as e:
        print(f"error: fuzzir.atheris_target: {e}", file=sys.stderr)
        return 2
    atheris.Setup(argv, target)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
