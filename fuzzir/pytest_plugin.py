"""pytest plugin: a fuzzir corpus as test items (`pytest --fuzzir-corpus=crashes`).

Why: the findings are regression tests, and a team that already runs pytest
in CI gets them in the same report, with the same selection (`-k`), parallelism
(xdist) and JUnit output, without another tool in the loop.

One item per corpus entry, named by its directory, replayed with
`fuzzir.replay.replay_entry` (stored inputs, recorded cells, same oracles):

- an ``open`` entry is a *strict xfail*: it must still reproduce. If it no
  longer does, the item fails and asks to flip it to ``fixed`` with
  ``fuzzir replay --update``; if it now fails differently, it fails too;
- a ``fixed`` entry must pass: it fails if it reproduces (or fails otherwise).

A failure shows the program (first lines), the exact commands from meta.json
and expected vs actual. Without ``--fuzzir-corpus`` (or the ``fuzzir_corpus``
ini option) the plugin collects nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fuzzir.replay import CHANGED, ERROR, FIXED, REPRODUCES, SKIPPED, Outcome, replay_entry
from fuzzir.store import DirectoryStore, ReadOnlyStore, StoreError

PROGRAM_LINES = 40


class EntryFailure(Exception):
    """An entry's result contradicts its recorded status; carries the outcome for the report."""

    def __init__(self, outcome: Outcome, headline: str) -> None:
        super().__init__(headline)
        self.outcome = outcome
        self.headline = headline


class Reproduces(EntryFailure):
    """The entry's signature showed again (expected for an open entry: a strict xfail)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fuzzir", "fuzzir corpus replay")
    group.addoption("--fuzzir-corpus", metavar="DIR", default=None,
                    help="collect each entry of this fuzzir corpus directory as a test item")
    group.addoption("--fuzzir-compile-timeout", type=float, default=60.0, metavar="S",
                    help="seconds per compile when replaying an entry (default 60)")
    parser.addini("fuzzir_corpus", "fuzzir corpus directory to collect (relative to rootdir)", default="")


def _corpus_dir(config: pytest.Config) -> Path | None:
    option = config.getoption("fuzzir_corpus")
    if option:
        path = Path(option)
        path = path if path.is_absolute() else config.invocation_params.dir / path
    elif config.getini("fuzzir_corpus"):
        path = config.rootpath / str(config.getini("fuzzir_corpus"))
    else:
        return None
    if not path.is_dir():
        raise pytest.UsageError(f"--fuzzir-corpus: no such corpus directory: {path}")
    return path


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Append the corpus items first, so -k, -m and deselection see them like any other."""
    root = _corpus_dir(config)
    if root is None:
        return
    collector = Corpus.from_parent(session, path=root)
    items.extend(collector.collect())


class Corpus(pytest.Directory):
    """The corpus directory (node id relative to rootdir): one CorpusEntry per entry directory."""

    def collect(self) -> Iterator[pytest.Item]:
        for p in sorted(self.path.iterdir()):
            if p.is_dir() and not p.name.startswith("."):
                yield CorpusEntry.from_parent(self, name=p.name, path=p)


class CorpusEntry(pytest.Item):
    """One finding directory, replayed and judged against its recorded status."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outcome: Outcome | None = None
        self.status = self._recorded_status()
        if self.status == "open":
            self.add_marker(pytest.mark.xfail(
                strict=True, raises=Reproduces,
                reason=f"open fuzzir finding {self.name}: must still reproduce; if it no longer does, "
                       f"flip it to 'fixed' with `fuzzir replay {self.path.parent} --update`"))

    def _recorded_status(self) -> str:
        try:
            return ReadOnlyStore(DirectoryStore(self.path.parent)).fetch(self.path.name).record.status
        except StoreError:
            return "?"  # replay_entry reports the problem when the item runs

    def runtest(self) -> None:
        timeout = float(self.config.getoption("fuzzir_compile_timeout"))
        out = self.outcome = replay_entry(self.path, compile_timeout=timeout)
        if out.result == ERROR:
            raise EntryFailure(out, f"entry {self.name}: {out.detail}")
        if out.result == SKIPPED:
            pytest.skip(f"{self.name}: {out.detail}")
        if out.result == REPRODUCES:
            if out.status == "open":
                raise Reproduces(out, f"{self.name} still reproduces ({out.kind})")
            raise Reproduces(out, f"{self.name} is recorded 'fixed' but reproduces again ({out.kind}); "
                                  f"reopen it with `fuzzir replay {self.path.parent} --update` if expected")
        if out.result == CHANGED:
            raise EntryFailure(out, f"{self.name} ({out.status}, {out.kind}) now fails differently: "
                                    f"{out.detail}")
        assert out.result == FIXED
        if out.status == "open":
            # Not a Reproduces, so the xfail marker (raises=Reproduces) lets it fail, with the report.
            raise EntryFailure(out, f"{self.name} no longer reproduces: flip it to 'fixed' with "
                                    f"`fuzzir replay {self.path.parent} --update`")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: str | None = None) -> str:  # type: ignore[override]
        if not isinstance(excinfo.value, EntryFailure):
            return str(super().repr_failure(excinfo, style=style))  # type: ignore[arg-type]
        return report(excinfo.value.outcome, excinfo.value.headline)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"fuzzir corpus entry {self.name}"


def report(out: Outcome, headline: str) -> str:
    """The failure text: what a compiler engineer needs to act without opening the directory."""
    lines = [headline, ""]
    try:
        program = (out.path / "program.mlir").read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        program = ["(program.mlir cannot be read)"]
    shown = [ln if len(ln) <= 200 else ln[:200] + " ..." for ln in program[:PROGRAM_LINES]]
    cut = f", first {PROGRAM_LINES} shown" if len(program) > PROGRAM_LINES else ""
    lines += [f"program.mlir ({len(program)} lines{cut}):", *[f"    {ln}" for ln in shown], ""]
    commands = out.command_lines()
    if commands:
        lines += ["commands (meta.json; repro.sh runs them):", *[f"    {c}" for c in commands], ""]
    lines.append("expected vs actual:")
    lines.append(f"    recorded ({out.status}): {out.kind}: {out.record.message if out.record else ''}")
    today = out.matching + out.others
    if today:
        for o in today[:8]:
            lines.append(f"    today: {o.kind} on {o.target}, variant {o.variant}, flags {list(o.flags)}: "
                         f"{o.message}")
    else:
        lines.append("    today: no failure")
    if out.record and out.record.iree_version:
        lines.append(f"    found with IREE {out.record.iree_version}")
    return "\n".join(lines)
