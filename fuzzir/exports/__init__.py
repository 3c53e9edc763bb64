"""`fuzzir export`: turn a finding directory into something IREE can take upstream.

Each format is one module of this package that registers a `Format` when
imported; the package finds them with pkgutil, so adding a format is adding
one file: copy `check.py` (the shortest) to `<name>.py`, change the name,
description and render function of its `register(Format(...))`, and
`fuzzir export --format <name>` picks it up. The support modules in
`SUPPORT` are not formats:

- `finding`: the finding as exports see it (`FindingData`, read through
  `fuzzir.store`), `ExportError`, and the comment header they share (it
  imports nothing of this package, so the import graph has no cycle);
- `values`: inputs and outputs as iree-run-module text and MLIR constants;
- `commands`: the repro cell's compile chain and run command, cleaned of what
  only fuzzir needs;
- `lit_runner`: runs a lit file's RUN lines without lit
  (`python -m fuzzir.exports.lit_runner FILE.mlir`).

Nothing here compiles except the `issue` format for a miscompile (it recomputes
the actual values to show the first differing elements, when the target runs here).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fuzzir.exports.finding import ExportError, FindingData, load_finding

__all__ = ["FORMATS", "ExportError", "Format", "export", "formats", "register"]
#: Modules of this package that are not formats (they are imported by the formats that need them).
SUPPORT = frozenset({"finding", "values", "commands", "lit_runner"})


@dataclass(frozen=True)
class Format:
    """An export format: its `--format` name, a one-line description, and its renderer."""

    name: str
    description: str
    render: Callable[[FindingData], str]


_REGISTRY: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add a format (called by each format module at import); a second one of a name is a bug."""
    if fmt.name in _REGISTRY and _REGISTRY[fmt.name] is not fmt:
        raise RuntimeError(f"two export formats are named {fmt.name!r}")
    _REGISTRY[fmt.name] = fmt
    return fmt


def _discover() -> tuple[str, ...]:
    for info in pkgutil.iter_modules(__path__):
        if info.name not in SUPPORT and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return tuple(sorted(_REGISTRY))


def formats() -> dict[str, Format]:
    """Every registered format by name."""
    return dict(_REGISTRY)


def export(path: Path, fmt: str) -> str:
    """The text of format `fmt` for the finding at `path`; bad input is an ExportError."""
    if fmt not in _REGISTRY:
        raise ExportError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return _REGISTRY[fmt].render(load_finding(Path(path)))


#: The names of the registered formats, sorted (the CLI's `--format` choices).
FORMATS: tuple[str, ...] = _discover()
