"""Is a stored finding whole? A corpus entry is untrusted data (a pull request may bring one).

`promote` refuses, and `replay` reports as an error, an entry whose parts do not read back: replay
would otherwise judge the program again and call it "reproduces" while its stored expected output
is truncated or string-typed, or its repro.sh is gone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fuzzir.any_program import SourceError, load_program
from fuzzir.store import StoreError, read_entry
from fuzzir.targets import TARGETS


def entry_problem(path: Path) -> str:
    """Why the entry at `path` is not fit for the corpus ('' when it is): a corpus entry is untrusted data,
    and replay would otherwise judge a truncated input or a string-typed expected output as a finding."""
    entry = read_entry(path)
    if entry.record.repro_cell.target not in TARGETS:
        return f"unknown target {entry.record.repro_cell.target!r} in meta.json"
    try:
        load_program(entry.program(), str(path / "program.mlir"), function=_run_function(entry.record.commands))
    except (StoreError, SourceError, ValueError) as e:
        return f"program.mlir no longer parses: {_first(e)}"
    try:
        arrays = [*entry.inputs(), *entry.expected()]
    except (StoreError, ValueError, OSError) as e:
        return f"a stored array does not read back: {_first(e)}"
    odd = next((a for a in arrays if np.asarray(a).dtype.kind not in "biufcV"), None)
    if odd is not None:
        return f"a stored input or expected output has element type {np.asarray(odd).dtype}, not a tensor's"
    if not (path / "repro.sh").is_file():
        return "no repro.sh"
    return ""


def _run_function(commands: list[list[str]]) -> str | None:
    """The entry function the recorded run calls (`--function=`), None when no command runs one."""
    for argv in commands:
        for a in argv:
            if a.startswith("--function="):
                return a.split("=", 1)[1]
    return None


def _first(e: Exception) -> str:
    return str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
