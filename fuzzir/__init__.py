"""fuzzir: fuzz and differential testing of IREE for constants in linalg `outs`.

The public API is what `__all__` lists: `programs` (a hypothesis strategy),
`check` and `assert_clean` (judge a program), `Verdict`, `FindingsError` and
`Program`. Names are imported on first use, so `import fuzzir` stays cheap and
`fuzzir.model` or `fuzzir.generators` can be imported on their own.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "programs": "fuzzir.generators.programs",
    "check": "fuzzir.api",
    "assert_clean": "fuzzir.api",
    "Verdict": "fuzzir.api",
    "FindingsError": "fuzzir.api",
    "Program": "fuzzir.model",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'fuzzir' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
