"""The frontends fuzzir writes programs in, and which one program `index` of a campaign uses.

`linalg` is fuzzir's own model (`programs.generate`, judged by the numpy reference as
written). A frontend generator is a module of this package with a `FRONTEND` name and
`generate(seed, max_ops) -> str` (the module's text, `func.func @main`): TOSA and
StableHLO programs reach linalg through IREE's own input conversion, which is where
frontends put constants into destinations (a conv bias broadcast into `outs`, a reduce
init). Adding a frontend is adding such a module: they are discovered here, so the CLI,
the campaign and the report need no list of their own.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from fuzzir.frontend_facts import LINALG

#: `--frontend` value that rotates through every frontend, program by program.
ALL = "all"

Generator = Callable[..., str]


@cache
def _generators() -> dict[str, Generator]:
    package = importlib.import_module(__package__ or "fuzzir.generators")
    found: dict[str, Generator] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name == "frontends":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        name = getattr(module, "FRONTEND", None)
        if isinstance(name, str) and callable(getattr(module, "generate", None)):
            found[name] = module.generate
    return found


def frontends() -> tuple[str, ...]:
    """Every frontend fuzzir generates: linalg first, then the discovered ones by name."""
    return (LINALG, *sorted(_generators()))


def frontend_for(choice: str, index: int) -> str:
    """The frontend of program `index` for `--frontend choice` (`all`: round robin, linalg first)."""
    if choice != ALL:
        return choice
    names = frontends()
    return names[index % len(names)]


def generate_text(frontend: str, seed: int, max_ops: int = 4) -> str:
    """The text of the `frontend` program for `seed` (not linalg: that one is a `Program`, see `programs`)."""
    try:
        generate = _generators()[frontend]
    except KeyError:
        raise ValueError(f"unknown frontend {frontend!r} (known: {', '.join(frontends())})") from None
    return generate(seed, max_ops=max_ops)


__all__ = ["ALL", "LINALG", "frontend_for", "frontends", "generate_text"]
