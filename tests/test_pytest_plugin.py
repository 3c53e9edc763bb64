"""The pytest plugin on a corpus of real findings, run through pytester (in process)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fuzzir.cli import main as cli_main
from fuzzir.store import DirectoryStore, read_entry

pytest_plugins = ["pytester"]

BUG = Path(__file__).parent / "data" / "programs" / "bug_reduction_nonsplat_init.mlir"
# The same reduction into a fill of zeros: same arguments, and IREE 3.13 gets it right.
FIXED = """func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<32xi32>) -> tensor<32xi32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
       ins(%arg0 : tensor<4x32xi32>) outs(%init : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  } -> tensor<32xi32>
  return %3 : tensor<32xi32>
}
"""


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real compile-error finding (IREE 3.13 rejects the reduction into a non-splat constant)."""
    out = tmp_path_factory.mktemp("found") / "corpus"
    assert cli_main(["check", str(BUG), "--targets", "llvm-cpu", "--out", str(out)]) == 1
    assert [p.name.rsplit("-", 1)[0] for p in out.iterdir()] == ["written-constant"]
    return out


@pytest.fixture
def crashes(found: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The installed package registers the plugin as `fuzzir_corpus`; load it once, by module, here.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    dest = pytester.path / "crashes"
    shutil.copytree(found, dest)
    return dest


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("-p", "fuzzir.pytest_plugin", "-p", "no:cacheprovider", "-rxXf",
                              "-W", "ignore::pytest.PytestAssertRewriteWarning", *args)


def test_an_open_entry_that_reproduces_is_xfailed(crashes: Path, pytester: pytest.Pytester) -> None:
    result = run(pytester, f"--fuzzir-corpus={crashes}")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL crashes::written-constant-* - open fuzzir finding written-constant-*"])


def test_a_fixed_entry_that_reproduces_fails_with_the_report(crashes: Path,
                                                             pytester: pytest.Pytester) -> None:
    path = next(crashes.iterdir())
    DirectoryStore(path.parent).update(path.name, read_entry(path).record.replace(status="fixed"))
    result = run(pytester, "--fuzzir-corpus=crashes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"*{path.name} is recorded 'fixed' but reproduces again (compile-error)*",
        "program.mlir (* lines):",
        "    func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {",
        "commands (meta.json; repro.sh runs them):",
        "    iree-compile --iree-hal-target-device=local *program.mlir*",
        "expected vs actual:",
        "    recorded (fixed): compile-error: 'linalg.generic' op write affecting operations on global*",
        "    today: compile-error on llvm-cpu, variant with, flags []: 'linalg.generic' op write affecting*",
    ])


def test_an_open_entry_that_no_longer_reproduces_fails_and_asks_to_flip(
        crashes: Path, pytester: pytest.Pytester) -> None:
    path = next(crashes.iterdir())
    (path / "program.mlir").write_text(FIXED)
    result = run(pytester, "--fuzzir-corpus=crashes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"{path.name} no longer reproduces: flip it to 'fixed' with `fuzzir replay *crashes --update`",
        "program.mlir (13 lines):",
        "*linalg.fill*",
        "    today: no failure",
    ])


def test_a_fixed_entry_that_stays_fixed_passes(crashes: Path, pytester: pytest.Pytester) -> None:
    path = next(crashes.iterdir())
    (path / "program.mlir").write_text(FIXED)
    DirectoryStore(path.parent).update(path.name, read_entry(path).record.replace(status="fixed"))
    pytester.makeini("[pytest]\nfuzzir_corpus = crashes\n")  # the ini option instead of the flag
    run(pytester).assert_outcomes(passed=1)


def test_a_corrupt_entry_fails_with_one_line(crashes: Path, pytester: pytest.Pytester) -> None:
    (crashes / "broken").mkdir()
    (crashes / "broken" / "meta.json").write_text("{")
    result = run(pytester, "--fuzzir-corpus=crashes")
    result.assert_outcomes(failed=1, xfailed=1)
    result.stdout.fnmatch_lines(["entry broken: meta.json is not valid JSON*"])
    assert "Traceback" not in result.stdout.str()


def test_without_the_option_nothing_is_collected(crashes: Path, pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_own():\n    pass\n")
    run(pytester).assert_outcomes(passed=1)


def test_a_missing_corpus_is_a_usage_error(pytester: pytest.Pytester,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = run(pytester, "--fuzzir-corpus=nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--fuzzir-corpus: no such corpus directory*nope"])
