"""`fuzzir bisect`: the search and the verdict on scripted histories, then a real finding on real releases.

The scripted histories are releases 3.0.0..3.13.0 (15, with 3.7.1) whose behaviour a table
says; the probe counts its calls, so the tests see that a long range is bisected, not walked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzir import bisect, releases
from fuzzir.bisect import BAD, CLEAN, OTHER, UNREADABLE, Bisection, Step, decide, parse_range, search
from fuzzir.cli import main
from fuzzir.store import read_entry
from tests._releases import MID, OLD, cached_releases  # noqa: F401  (a fixture)

VERSIONS = ["3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0", "3.6.0", "3.7.0", "3.7.1", "3.8.0", "3.9.0",
            "3.10.0", "3.11.0", "3.12.0", "3.13.0"]
BUG = Path(__file__).parent / "data" / "programs" / "bug_reduction_nonsplat_init.mlir"


def history(*spans: tuple[str, str, tuple[str, ...]]):
    """A probe from (first version, state, kinds) spans, each lasting until the next; and its call log."""
    calls: list[str] = []

    def probe(version: str) -> Step:
        calls.append(version)
        index = VERSIONS.index(version)
        state, kinds = next((s, k) for first, s, k in reversed(spans) if VERSIONS.index(first) <= index)
        return Step(version, state, kinds)

    return probe, calls


def bisected(*spans: tuple[str, str, tuple[str, ...]]) -> tuple[Bisection, list[str]]:
    probe, calls = history(*spans)
    tried = search(VERSIONS, probe)
    assert len(calls) == len(set(calls)), "a release was tried twice"
    return decide(Bisection("x", "sig", "compile-error", VERSIONS, [tried[v] for v in VERSIONS if v in tried])), calls


def test_a_regression_is_found_by_bisection_with_first_bad_and_last_good() -> None:
    result, calls = bisected(("3.0.0", CLEAN, ()), ("3.9.0", BAD, ("compile-error",)))
    assert len(calls) <= 2 + 4  # both ends, then log2(14) halvings: not a walk over 15 releases
    assert (result.verdict, result.first_bad, result.last_good) == ("regressed", "3.9.0", "3.8.0")
    assert result.headline == "regressed in 3.9.0; 3.8.0 gave no finding"


def test_every_change_is_located_and_a_change_of_kind_is_the_headline() -> None:
    result, calls = bisected(("3.0.0", OTHER, ("miscompile",)), ("3.4.0", BAD, ("compile-error",)),
                             ("3.11.0", CLEAN, ()))
    assert len(calls) <= 2 + 2 * 4
    assert [(c["last"], c["first"], c["type"]) for c in result.changes] == [
        ("3.3.0", "3.4.0", "kind-change"), ("3.10.0", "3.11.0", "fix")]
    assert result.verdict == "kind-change"
    assert result.headline == ("kind change: miscompile up to 3.3.0, compile-error from 3.4.0 (this finding from "
                               "3.4.0 on); also compile-error up to 3.10.0, no finding from 3.11.0")
    assert (result.first_bad, result.last_good, result.fixed_in) == ("3.4.0", "3.3.0", "3.11.0")


def test_the_kind_change_into_this_finding_is_the_headline_and_the_others_follow() -> None:
    result, _ = bisected(("3.0.0", OTHER, ("runtime-crash",)), ("3.6.0", OTHER, ("compile-error",)),
                         ("3.12.0", BAD, ("miscompile",)))
    assert result.headline == ("kind change: compile-error up to 3.11.0, miscompile from 3.12.0 (this finding from "
                               "3.12.0 on); also runtime-crash up to 3.5.0, compile-error from 3.6.0")
    assert (result.first_bad, result.last_good) == ("3.12.0", "3.11.0")


def test_releases_that_cannot_read_the_program_are_skipped_by_bisection_too() -> None:
    result, calls = bisected(("3.0.0", UNREADABLE, ()), ("3.5.0", BAD, ("miscompile",)))
    assert "3.4.0" in calls and "3.5.0" in calls and len(calls) <= 2 + 4
    assert result.verdict == "present"
    assert result.headline == ("present in every release tried (3.5.0..3.13.0) "
                               "(before 3.5.0: the program cannot be read)")


def test_present_everywhere_costs_two_releases_and_a_fix_names_its_release() -> None:
    result, calls = bisected(("3.0.0", BAD, ("miscompile",)))
    assert calls == ["3.13.0", "3.0.0"] and result.headline == "present in every release tried (3.0.0..3.13.0)"
    result, _ = bisected(("3.0.0", BAD, ("miscompile",)), ("3.7.1", CLEAN, ()))
    assert (result.verdict, result.fixed_in) == ("fixed", "3.7.1")
    assert result.headline == "fixed in 3.7.1 (last bad 3.7.0)"


def test_a_short_range_is_tried_release_by_release() -> None:
    probe, calls = history(("3.0.0", BAD, ("miscompile",)))
    search(VERSIONS[:4], probe)
    assert sorted(calls) == sorted(VERSIONS[:4])


def test_version_ranges() -> None:
    def offered() -> list[str]:
        return list(reversed(VERSIONS))

    assert parse_range("3.6.0..3.8.0", offered) == ["3.6.0", "3.7.0", "3.7.1", "3.8.0"]
    assert parse_range("..3.1.0", offered) == ["3.0.0", "3.1.0"]
    assert parse_range(None, offered) == VERSIONS

    def unreachable() -> list[str]:
        raise AssertionError("an explicit list needs no package index")

    assert parse_range("3.13.0,3.0.0,3.7.0", unreachable) == ["3.0.0", "3.7.0", "3.13.0"]
    for bad in ("3.x..3.13.0", "4.0.0..5.0.0"):
        with pytest.raises(releases.ReleaseError):
            parse_range(bad, offered)


@pytest.mark.usefixtures("cached_releases")
def test_bisect_a_real_finding_records_it_and_the_issue_export_says_it(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    assert main(["check", str(BUG), "--targets", "llvm-cpu", "--out", str(corpus)]) == 1
    entry = next(corpus.iterdir())
    capsys.readouterr()
    installed = releases.installed_version()
    assert main(["bisect", str(entry), "--versions", f"{OLD},{MID},{installed}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # IREE 3.0.0 computes wrong values where 3.7.0 and the installed release refuse to compile.
    assert [(s["version"], s["state"], s["kinds"]) for s in result["steps"]] == [
        (OLD, "other", ["miscompile"]), (MID, "bad", ["compile-error"]), (installed, "bad", ["compile-error"])]
    assert result["verdict"] == "kind-change" and result["first_bad"] == MID and result["last_good"] == OLD
    assert result["headline"].startswith(f"kind change: miscompile up to {OLD}, compile-error from {MID}")
    assert result["steps"][0]["revision"].startswith(f"{OLD}rc")
    assert releases.installed_version() == bisect.iree_compiler_version()  # the installed IREE is back
    recorded = read_entry(entry).record.bisect
    assert recorded is not None and recorded["verdict"] == "kind-change"
    assert [r["version"] for r in recorded["releases"]] == [OLD, MID, installed]
    assert main(["export", str(entry), "--format", "issue"]) == 0
    issue = capsys.readouterr().out
    assert f"**kind change: miscompile up to {OLD}, compile-error from {MID}" in issue
    assert f"Releases tried: {OLD}: other findings (miscompile); {MID}: this finding (compile-error)" in issue


@pytest.mark.usefixtures("cached_releases")
def test_bisect_a_program_file_without_recording(capsys) -> None:
    assert main(["bisect", str(BUG), "--versions", f"{OLD},{MID}"]) == 0
    out = capsys.readouterr().out
    assert f"{BUG}: kind change: miscompile up to {OLD}, compile-error from {MID}" in out
    assert out.splitlines()[0].split() == ["release", "revision", "showed", "detail"]
