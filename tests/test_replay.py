"""`fuzzir replay` on real findings of IREE 3.13 (compiled and run, never mocked).

The corpus is made by `fuzzir check --out` on a program IREE 3.13 gets wrong
(a reduction whose `outs` is a non-splat constant). "Fixed" and "changed" are
shown by replacing an entry's program with a variant that IREE handles right,
or that fails in another way in the same cells: what a compiler fix (or a
changed symptom) looks like to replay.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fuzzir.cli import main as cli_main
from fuzzir.store import DirectoryStore, read_entry

REDUCE = ('linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], '
          'iterator_types = ["reduction", "parallel"]}')
BODY = """ {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  }"""
BUG = f"""func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {{
  %cst = arith.constant dense<[{",".join(str(i) for i in range(1, 33))}]> : tensor<32xi32>
  %3 = {REDUCE} ins(%arg0 : tensor<4x32xi32>) outs(%cst : tensor<32xi32>){BODY} -> tensor<32xi32>
  return %3 : tensor<32xi32>
}}
"""
# The same reduction into a fill: IREE 3.13 compiles and runs it right.
FIXED = f"""func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {{
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32xi32>
  %init = linalg.fill ins(%c0 : i32) outs(%e : tensor<32xi32>) -> tensor<32xi32>
  %3 = {REDUCE} ins(%arg0 : tensor<4x32xi32>) outs(%init : tensor<32xi32>){BODY} -> tensor<32xi32>
  return %3 : tensor<32xi32>
}}
"""
# The same reduction into a util.global: another cause (the pass does not look through globals),
# with the same arguments, so the stored inputs still fit.
GLOBAL = f"""util.global private @g = dense<[{",".join(str(i % 7 - 3) for i in range(32))}]> : tensor<32xi32>
func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {{
  %cst = util.global.load @g : tensor<32xi32>
  %3 = {REDUCE} ins(%arg0 : tensor<4x32xi32>) outs(%cst : tensor<32xi32>){BODY} -> tensor<32xi32>
  return %3 : tensor<32xi32>
}}
"""
POOLING = Path(__file__).parent / "data" / "programs" / "bug_pooling_min_detached_init.mlir"
INLINE0 = "--iree-flag=--iree-flow-inline-constants-max-byte-length=0"


def replay(*argv: str) -> int:
    """`fuzzir replay ARGV` through the CLI."""
    return cli_main(["replay", *argv])


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus of real findings: the written constant (a compile error with the default flags; with
    inlining off the same cause is a readwrite binding: one entry) and a miscompile of the pass."""
    root = tmp_path_factory.mktemp("found")
    src = root / "bug.mlir"
    src.write_text(BUG)
    out = root / "corpus"
    assert cli_main(["check", str(src), "--targets", "llvm-cpu", "--out", str(out)]) == 1
    assert cli_main(["check", str(src), "--targets", "llvm-cpu", INLINE0, "--out", str(out)]) == 1
    assert cli_main(["check", str(POOLING), "--targets", "llvm-cpu", "--out", str(out)]) == 1
    assert sorted(p.name.rsplit("-", 1)[0] for p in out.iterdir()) == ["miscompile", "written-constant"]
    return out


def entry(root: Path, kind: str) -> Path:
    return next(p for p in sorted(root.iterdir()) if p.name.startswith(kind))


@pytest.fixture
def compile_error(found: Path, tmp_path: Path) -> Path:
    """A corpus holding just the written constant's entry (a compile error: the cheapest to replay)."""
    shutil.copytree(entry(found, "written-constant"), tmp_path / "c" / entry(found, "written-constant").name)
    return tmp_path / "c"


def test_open_entries_that_reproduce_pass_with_a_table_and_junit(found: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    xml = tmp_path / "replay.xml"
    assert replay(str(found), "--junit", str(xml), "--jobs", "2") == 0
    out = capsys.readouterr().out
    assert re.search(r"^written-constant-\w+\s+compile-error\s+open\s+reproduces\s+'linalg.generic' op write",
                     out, re.M)
    assert re.search(r"^miscompile-\w+\s+miscompile\s+open\s+reproduces", out, re.M)
    assert "2 entries replayed (2 reproduces); 0 regression(s)" in out
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "0"
    names = sorted(tc.get("name", "") for tc in suite.iter("testcase"))
    assert names == sorted(p.name for p in found.iterdir())
    assert not list(suite.iter("failure"))


def test_a_fixed_entry_that_reproduces_is_a_regression_and_update_reopens_it(
        compile_error: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = next(compile_error.iterdir())
    DirectoryStore(path.parent).update(path.name, read_entry(path).record.replace(status="fixed"))
    xml = tmp_path / "r.xml"
    assert replay(str(compile_error), "--junit", str(xml)) == 1
    assert re.search(r"fixed\s+reproduces\s+.*REGRESSION", capsys.readouterr().out)
    failure = ET.parse(xml).getroot().find("testsuite/testcase/failure")
    assert failure is not None and failure.get("type") == "reproduces"
    assert "iree-compile" in (failure.text or "")  # the exact commands, for whoever reads the CI report
    assert replay(str(compile_error), "--update") == 1
    assert "is now 'open'" in capsys.readouterr().out
    assert read_entry(path).record.status == "open"
    assert replay(str(compile_error)) == 0


def test_an_open_entry_now_fixed_asks_for_update_and_update_flips_it(
        compile_error: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = next(compile_error.iterdir())
    (path / "program.mlir").write_text(FIXED)  # same arguments, so the stored inputs still fit
    assert replay(str(compile_error)) == 0
    out = capsys.readouterr().out
    assert re.search(r"open\s+fixed", out) and f"note: {path.name} no longer reproduces" in out
    assert replay(str(compile_error), "--update", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["updated"] == [path.name] and report["entries"][0]["result"] == "fixed"
    meta = read_entry(path).record.to_json()
    assert meta["status"] == "fixed" and meta["fixed_in"].startswith("3.")
    assert replay(str(compile_error)) == 0  # fixed and staying fixed


def test_an_open_entry_that_fails_differently_is_changed(compile_error: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = next(compile_error.iterdir())
    (path / "program.mlir").write_text(GLOBAL)
    assert replay(str(compile_error), "--json") == 1
    row = json.loads(capsys.readouterr().out)["entries"][0]
    assert row["result"] == "changed" and row["regression"]
    assert row["detail"].startswith("now compile-error")


def test_corrupt_entries_are_one_line_each_and_fail(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "corpus"
    (root / "bad-json").mkdir(parents=True)
    (root / "bad-json" / "meta.json").write_text("{not json")
    (root / "bad-json" / "program.mlir").write_text(BUG)
    (root / "no-program").mkdir()
    (root / "no-program" / "meta.json").write_text(json.dumps({"kind": "miscompile", "signature": "x"}))
    (root / "bad-program").mkdir()
    (root / "bad-program" / "meta.json").write_text(json.dumps(
        {"kind": "miscompile", "signature": "x", "status": "open",
         "repro_cell": {"target": "llvm-cpu", "variant": "with", "flags": []}}))
    (root / "bad-program" / "program.mlir").write_text("func.func @main( this is not MLIR\n")
    xml = tmp_path / "r.xml"
    assert replay(str(root), "--junit", str(xml)) == 1
    captured = capsys.readouterr()
    lines = [ln for ln in captured.out.splitlines() if ln.startswith("entry ")]
    assert len(lines) == 3
    assert any(ln.startswith("entry bad-json: meta.json is not valid JSON") for ln in lines)
    assert any(ln.startswith("entry no-program: no program.mlir") for ln in lines)
    assert any(ln.startswith("entry bad-program: program.mlir no longer parses") for ln in lines)
    assert "Traceback" not in captured.out + captured.err
    assert len(ET.parse(xml).getroot().findall("testsuite/testcase/error")) == 3


def test_a_missing_directory_is_a_one_line_usage_error(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(str(tmp_path / "nope")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such corpus directory" in err


def test_an_empty_corpus_is_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay(str(tmp_path), "--json") == 0
    assert json.loads(capsys.readouterr().out)["entries"] == []


WORKFLOW = Path(__file__).parent.parent / ".github" / "workflows" / "fuzzir.yml"


def _run_lines(text: str) -> list[str]:
    """Every shell line the workflow runs (`run: cmd` and `run: |` blocks), continuations joined."""
    lines, block, indent = [], False, 0
    for raw in text.splitlines():
        stripped = raw.strip()
        m = re.match(r"^(\s*)(?:- )?run:\s*(.*)$", raw)
        if m:
            block, indent = m.group(2) == "|", len(m.group(1))
            if not block:
                lines.append(m.group(2))
            continue
        if block and stripped and len(raw) - len(raw.lstrip()) > indent:
            lines.append(stripped)
        elif stripped:
            block = False
    return _join(lines)


def _join(lines: list[str]) -> list[str]:
    out: list[str] = []
    for ln in lines:
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1].rstrip() + " " + ln
        else:
            out.append(ln)
    return out


def test_the_workflow_runs_replay_with_junit_on_pull_requests_and_a_campaign_nightly(
        found: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = WORKFLOW.read_text()
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        yaml = None
    if yaml is not None:
        doc = yaml.safe_load(text)
        assert set(doc[True if True in doc else "on"]) == {"pull_request", "schedule", "workflow_dispatch"}
    for needle in ("pull_request:", "schedule:", "cron:", "workflow_dispatch:", "actions/upload-artifact",
                   "apt-get install -y mesa-vulkan-drivers libvulkan1", 'pip install -e ".[dev]"',
                   "path: replay.xml", "path: new-findings/", "--junitxml=pytest.xml"):
        assert needle in text, needle
    runs = _run_lines(text)
    replays = [r for r in runs if r.startswith("fuzzir replay")]
    assert replays and all(r == "fuzzir replay crashes --junit replay.xml" for r in replays)
    fuzz = [r for r in runs if r.startswith("fuzzir fuzz")]
    assert len(fuzz) == 1 and "--time" in fuzz[0] and "--out new-findings" in fuzz[0]
    # The campaign's arguments are valid for the real CLI (expressions filled as Actions would).
    from fuzzir.cli import build_parser

    argv = shlex.split(re.sub(r"\$\{\{[^}]*\}\}", "1800", fuzz[0]).split("||")[0])
    args = build_parser().parse_args(argv[1:])
    assert args.command == "fuzz" and args.time == 1800 and args.out == "new-findings"
    # The replay step, exactly as the workflow calls it, in a checkout holding a corpus.
    shutil.copytree(found, tmp_path / "crashes")
    monkeypatch.chdir(tmp_path)
    assert replay(*shlex.split(replays[0])[2:]) == 0
    capsys.readouterr()
    root = ET.parse(tmp_path / "replay.xml").getroot()
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(list(found.iterdir()))
    assert all(c.get("name") and c.get("classname") for c in cases)
