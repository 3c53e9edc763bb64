"""Name and file locations read from an op's MLIR location.

The emitter names every op and constant with a name location (``loc("op0:linalg.generic")``);
IREE keeps them through its passes by nesting them in call-site and fused locations
(and the printer aliases them, ``#loc1 = loc(...)``, which the parser resolves). Both
kinds are collected in print order, callee before caller, through the bindings'
``NameLoc``/``FileLineColLoc``/``CallSiteLoc``/``FusedLoc`` accessors.
"""

from __future__ import annotations

from dataclasses import dataclass

from iree.compiler import ir


@dataclass(frozen=True)
class Loc:
    """Name and file locations found in one MLIR location, callee first."""

    names: tuple[str, ...]
    files: tuple[str, ...]  # "file:line:col"


NO_LOC = Loc((), ())


def parse_loc(loc: ir.Location) -> Loc:
    """Collect the name locations (deduplicated) and file:line:col locations in ``loc``."""
    names: list[str] = []
    files: list[str] = []
    _collect(loc, names, files)
    return Loc(tuple(dict.fromkeys(names)), tuple(files))


def _collect(loc: ir.Location, names: list[str], files: list[str]) -> None:
    """Pre-order over the location tree, the order its printed form lists them."""
    match loc:
        case ir.NameLoc():
            names.append(loc.name_str)
            _collect(loc.child_loc, names, files)
        case ir.FileLineColLoc():
            files.append(f"{loc.filename}:{loc.start_line}:{loc.start_col}")
        case ir.CallSiteLoc():
            _collect(loc.callee, names, files)
            _collect(loc.caller, names, files)
        case ir.FusedLoc():
            for child in loc.locations:
                _collect(child, names, files)
        case _:
            pass  # unknown (or opaque) locations name nothing
