"""Argument types for the command line: every number is checked where it is parsed.

A value argparse cannot convert, or one out of range, is a one-line usage error (exit 2) before any
work starts: a negative or NaN `--time` would run forever or not at all, a zero `--compile-timeout`
would turn every program into a false `timeout` finding, `--max-ops 0` has no program to draw.
"""

from __future__ import annotations

import argparse
import math

#: The most ops a generated program may have: enough for any family's chains, bounded so that
#: generation (and the compile it feeds) stays in seconds.
MAX_OPS = 32


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def seconds(text: str) -> float:
    """A positive, finite number of seconds (a time limit or a timeout)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def budget(text: str) -> float:
    """Seconds to spend on an optional step, 0 for none (a minimization or blame budget)."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive number of seconds, not {text}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def positive(text: str) -> int:
    """An integer of at least 1 (a count, a number of jobs)."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def megabytes(text: str) -> int:
    """A memory limit in MiB, 0 for none (`--rss-limit-mb`)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or a positive number of MiB, not {text}")
    return value


def max_ops(text: str) -> int:
    """Ops per generated program: 1 to MAX_OPS."""
    value = _integer(text)
    if not 1 <= value <= MAX_OPS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_OPS}, not {text}")
    return value

