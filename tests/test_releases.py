"""The release cache and `--iree VERSION`, on real IREE releases (3.0.0 and 3.7.0 besides the installed one).

Nothing is mocked but one thing: to show that a phase which cannot be rebuilt faithfully
skips `without` (and says so), the options of 3.0.0's pipeline are withheld, which is what
made the rebuild wrong before they were read (every matmul demoted to bf16).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fuzzir import pipeline, releases
from fuzzir.cli import main
from fuzzir.judge import Settings, judge_program
from fuzzir.parse import parse_program
from fuzzir.pipeline import DETACH_PASS, ablated_pipeline, global_opt_pipeline, iree_compiler_version
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import TARGETS
from tests._releases import MID, OLD, cached_releases, on_release  # noqa: F401  (cached_releases: a fixture)

BUG = Path(__file__).parent / "data" / "programs" / "bug_reduction_nonsplat_init.mlir"
INSTALLED = releases.installed_version()


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.usefixtures("cached_releases")
def test_cached_releases_are_listed_with_their_compiler_revision(capsys) -> None:
    assert main(["iree", "list", "--json"]) == 0
    listed = {r["version"]: r for r in json.loads(capsys.readouterr().out)["releases"]}
    assert listed[INSTALLED]["installed"] and listed[INSTALLED]["path"] is None
    for version in (OLD, MID):
        r = listed[version]
        assert not r["installed"] and r["size_bytes"] > 100e6
        assert r["revision"].startswith(version) and " @ " in r["revision"]
        assert Path(r["path"], "iree", "compiler", "_mlir_libs", "iree-compile").is_file()


@pytest.mark.usefixtures("cached_releases")
def test_a_release_supplies_every_tool_its_version_and_its_flag_spellings() -> None:
    with on_release(OLD) as release:
        assert release is not None and release.version == OLD
        for tool in ("iree-compile", "iree-opt", "iree-run-module"):
            assert tool_path(tool).startswith(str(release.path))
        version = run_tool([tool_path("iree-compile"), "--version"], timeout=30).stdout
        assert f"IREE compiler version {OLD}rc" in version
        assert iree_compiler_version() == OLD and pipeline.foreign_compiler() == OLD
        # 3.0.0 knows --iree-hip-target, not --iree-rocm-target (asked of its own iree-compile).
        assert "--iree-hip-target=gfx942" in TARGETS["rocm"].compile_flags
    assert iree_compiler_version() == INSTALLED and pipeline.foreign_compiler() is None
    assert not tool_path("iree-compile").startswith(str(releases.cache_root()))
    assert "--iree-rocm-target=gfx942" in TARGETS["rocm"].compile_flags


@pytest.mark.usefixtures("cached_releases")
def test_an_old_release_gets_its_pipeline_options_back_and_the_rebuild_is_verified(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # derive afresh, not from the shared cache
    cpu = TARGETS["llvm-cpu"]
    with on_release(OLD):
        stock = global_opt_pipeline(cpu)
        # 3.0.0 prints no options in its pass headers; without them the bf16 demotion runs on every matmul.
        assert "iree-global-opt-demote-contraction-inputs-to-bf16{demote-only=none}" in stock
        assert DETACH_PASS in stock and DETACH_PASS not in ablated_pipeline(cpu)
        assert pipeline.without_unavailable(cpu) is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg2"))
    monkeypatch.setattr(pipeline, "registered_options", lambda pre: {})
    with on_release(OLD):
        why = pipeline.without_unavailable(cpu)
        assert why and "does not reproduce the stock phase" in why
    # `fuzzir check --iree` says so and checks `with` only, instead of reporting a false compile error.
    try:
        assert main(["check", "--iree", OLD, str(BUG), "--targets", "llvm-cpu", "--json"]) == 1
    finally:
        releases.activate(None)
    captured = capsys.readouterr()
    assert "the 'without' variant is skipped" in captured.err
    assert {f["variant"] for f in json.loads(captured.out)["findings"]} == {"with"}


@pytest.mark.usefixtures("cached_releases")
def test_check_on_another_release_judges_with_that_release(capsys) -> None:
    try:
        for version, kinds in ((OLD, {"miscompile"}), (MID, {"compile-error"})):
            assert main(["check", "--iree", version, str(BUG), "--targets", "llvm-cpu", "--json"]) == 1
            report = json.loads(capsys.readouterr().out)
            assert report["iree_version"] == version
            assert {f["kind"] for f in report["findings"]} == kinds, report
            assert {f["variant"] for f in report["findings"]} == {"with", "without"}
    finally:
        releases.activate(None)


@pytest.mark.usefixtures("cached_releases")
def test_ir_the_bindings_cannot_read_makes_the_ir_oracle_abstain() -> None:
    text = BUG.read_text()
    program = parse_program(text)
    with on_release(OLD):
        case = judge_program(program, text, 0, Settings(targets=(TARGETS["llvm-cpu"],)))
    verdicts = [c.oracles["written-constants"] for c in case.checked]
    assert verdicts and all(v.startswith(f"abstained: IR of IREE {OLD} is not readable") for v in verdicts)
    assert not [o for o in case.observations if o.stage == "ir"]  # no false "compiled IR could not be parsed"
    assert {o.kind for o in case.observations} == {"miscompile"}


@pytest.mark.usefixtures("cached_releases")
def test_replay_a_corpus_against_a_release(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    assert main(["check", str(BUG), "--targets", "llvm-cpu", "--out", str(corpus)]) == 1
    capsys.readouterr()
    try:
        assert main(["replay", str(corpus), "--iree", MID]) == 0
        assert "1 entries replayed (1 reproduces); 0 regression(s)" in capsys.readouterr().out
        assert main(["replay", str(corpus), "--iree", OLD, "--json"]) == 1
        entry = json.loads(capsys.readouterr().out)["entries"][0]
        assert entry["result"] == "changed" and "miscompile" in entry["detail"]
    finally:
        releases.activate(None)


def test_offline_install_list_and_prune(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels),
                    f"iree-base-compiler=={OLD}", f"iree-base-runtime=={OLD}"], check=True)
    monkeypatch.setenv("FUZZIR_CACHE", str(tmp_path / "cache"))
    (tmp_path / "cache" / "iree" / f".tmp-{OLD}-crashed").mkdir(parents=True)  # an interrupted install
    assert main(["iree", "install", OLD, "--find-links", str(wheels)]) == 0
    out = capsys.readouterr().out
    assert f"IREE {OLD}: {OLD}rc" in out and str(tmp_path / "cache") in out
    assert main(["iree", "install", "3.1.0", "--find-links", str(wheels)]) == 2
    assert "3.1.0 is not on wheels in" in one_error_line(capsys.readouterr().err)
    assert main(["iree", "list"]) == 0
    assert "1 cached release(s)" in capsys.readouterr().out
    assert main(["iree", "prune"]) == 0
    out = capsys.readouterr().out
    assert f"removed IREE {OLD}" in out and "freed" in out
    assert os.listdir(tmp_path / "cache" / "iree") == []
    assert releases.cached() == []


@pytest.mark.parametrize("argv", [
    ["iree", "install", "3.x"],
    ["check", "--iree", "3.13", str(BUG)],
    ["replay", "--iree", "99.0.0", "crashes"],
    ["minimize", "--iree", "99.0.0", "crashes"],
    ["bisect", str(BUG), "--versions", "3.x..3.13.0"],
    ["bisect", "no-such-finding", "--versions", f"{OLD},{MID}"],
])
def test_bad_release_input_is_one_line_and_exit_2(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys) -> None:
    monkeypatch.setenv("FUZZIR_FIND_LINKS", str(tmp_path))  # offline: an empty wheel directory
    monkeypatch.setenv("FUZZIR_CACHE", str(tmp_path / "cache"))
    assert main(argv) == 2
    one_error_line(capsys.readouterr().err)


@pytest.mark.slow
def test_releases_are_listed_with_the_pip_of_a_stock_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11's own `venv` ships pip 23.2, which has no `pip index versions --json`: the listing falls
    back to the plain output (measured: `fuzzir bisect` stopped with "cannot list releases" there)."""
    import subprocess
    import sys

    from fuzzir import releases

    venv = tmp_path / "stock"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = subprocess.run([str(python), "-m", "pip", "index", "versions", "--json", "pip"], capture_output=True,
                         text=True)
    if pip.returncode == 0:
        pytest.skip("this Python's stock pip knows `index versions --json`: nothing to fall back from")
    monkeypatch.setattr(releases.sys, "executable", str(python))
    found = releases.available()
    assert "3.13.0" in found and "3.0.0" in found
