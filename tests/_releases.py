"""Real IREE releases for the tests, besides the installed one, in the cache the tests share.

The cache is fuzzir's own (`$FUZZIR_CACHE/iree`, `~/.cache/fuzzir/iree` by default), so a
rerun (or a developer's earlier `fuzzir iree install`) reuses it; a fresh machine downloads
two releases once (about 80 MB of wheels each, a few seconds on CI).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from fuzzir import releases

#: 3.0.0: old pass headers without options, `--iree-hip-target`, and it miscompiles the
#: issue's reduction into a non-splat constant; 3.7.0: the compile error 3.13.0 gives too.
OLD, MID = "3.0.0", "3.7.0"


@pytest.fixture(scope="session")
def cached_releases() -> tuple[str, str]:
    for version in (OLD, MID):
        releases.install(version, progress=None)
    return OLD, MID


@contextlib.contextmanager
def on_release(version: str | None) -> Iterator[releases.Release | None]:
    """Run the block on `version`; the installed IREE is active again afterwards, whatever happens."""
    try:
        yield releases.activate(version, progress=None)
    finally:
        releases.activate(None)
