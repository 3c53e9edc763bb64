"""`fuzzir export` on real findings: the exports must reproduce the bug today and pass once it is gone.

Findings are made by fuzzir itself (generated programs checked against IREE 3.13,
or `fuzzir check` on the constants-as-outs program), never written by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fuzzir import exports, repro
from fuzzir.cli import main as cli_main
from fuzzir.exports import check, lit_runner, values
from fuzzir.exports.finding import load_finding, signature_types
from fuzzir.judge import Cell, Settings, judge_program
from fuzzir.parse import parse_program
from fuzzir.persist import store_case
from fuzzir.targets import TARGETS

CPU = TARGETS["llvm-cpu"]
DATA = Path(__file__).resolve().parent / "data"
INLINE0 = "--iree-flow-inline-constants-max-byte-length=0"
CPU_FLAGS = list(CPU.compile_flags)

# The program of IREE's constants-as-outs issue: IREE 3.13 fails to compile it for llvm-cpu.
BUG = """\
func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
  %cst = arith.constant dense<[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]> : tensor<32xi32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<4x32xi32>) outs(%cst : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  } -> tensor<32xi32>
  return %3 : tensor<32xi32>
}
"""  # noqa: E501
# The same function as the frontend should have written it: reduce into a zero fill, add the constant after.
FIXED = """\
func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
  %cst = arith.constant dense<[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32]> : tensor<32xi32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<32xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<32xi32>) -> tensor<32xi32>
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<4x32xi32>) outs(%f : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  } -> tensor<32xi32>
  %5 = arith.addi %3, %cst : tensor<32xi32>
  return %5 : tensor<32xi32>
}
"""  # noqa: E501


def _generated(out: Path, seed: int, variant: str, flags: tuple[str, ...]) -> dict[str, Path]:
    """Check the program campaign seed `seed` generated (kept in tests/data: generation has changed since)
    in one llvm-cpu cell, with inputs drawn from `seed`, and store its findings; dirs by kind."""
    text = (DATA / f"export_seed_{seed}.mlir").read_text()
    program = parse_program(text)
    settings = Settings(targets=(CPU,), flag_sets=(flags,))
    case = judge_program(program, text, seed, settings, cells=[Cell(CPU, variant, flags)])
    stored = store_case(out, case, seed=seed, elapsed=None, source="test", about="pass")  # every variant kept
    return {r.finding.kind: r.path for r in stored if r.path is not None}


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real findings of IREE 3.13 from fuzz campaign seeds (seed 3, programs 21, 22 and 35)."""
    out = tmp_path_factory.mktemp("findings")
    dirs: dict[str, Path] = {}
    dirs["miscompile"] = _generated(out, 3000021, "with", ())["miscompile"]
    ir = _generated(out, 3000022, "with", (INLINE0,))
    dirs["readwrite-constant"] = ir["readwrite-constant"]  # with its constant-copy observations
    dirs["compile-error-without"] = _generated(out, 3000035, "without", ())["compile-error"]
    return dirs


@pytest.fixture(scope="module")
def bug_finding(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`fuzzir check` on the issue's program: a compile-error finding of the stock compiler."""
    pytest.importorskip("fuzzir.parse")
    from fuzzir.cli import main

    root = tmp_path_factory.mktemp("bug")
    src = root / "prog.mlir"
    src.write_text(BUG)
    assert main(["check", str(src), "--targets", "llvm-cpu", "--out", str(root / "f")]) == 1
    (path,) = [p for p in (root / "f").iterdir() if p.name.startswith("written-constant")]
    assert json.loads((path / "meta.json").read_text())["repro_cell"]["variant"] == "with"
    return path


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def _sh(cmds: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", "set -o pipefail\n" + "\n".join(cmds)], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


# ---------------------------------------------------------------- fast: values, RUN lines, errors


def test_run_values_use_iree_text_forms() -> None:
    assert values.run_value(np.arange(4, dtype=np.float32)) == "4xf32=0.0 1.0 2.0 3.0"
    assert values.run_value(np.array(1.5, dtype=np.float32)) == "f32=1.5"
    assert values.run_value(np.array([True, False])) == "2xi1=01 00"
    assert values.run_value(np.array([[-3, 4]], dtype=np.int8)) == "1x2xi8=-3 4"
    assert values.run_value(np.array([np.nan, -np.inf, -0.0], dtype=np.float16)) == "3xf16=nan -inf -0.0"
    # shortest text that parses back to the same f32
    x = np.array([0.1, 1e-30, 3.4e38], dtype=np.float32)
    back = np.array([float(w) for w in values.run_value(x).split("=", 1)[1].split()], dtype=np.float32)
    assert back.tobytes() == x.tobytes()


def test_dense_literals_are_exact() -> None:
    assert values.dense_literal(np.array([[1, -2]], dtype=np.int32)) == "dense<[[1, -2]]>"
    assert values.dense_literal(np.array([True, False])) == "dense<[true, false]>"
    assert values.dense_literal(np.array(2.0, dtype=np.float32)) == "dense<2.0>"
    assert values.dense_literal(np.array([np.inf], dtype=np.float32)) == "dense<[0x7F800000]>"
    big = np.arange(5000, dtype=np.int32)
    assert values.dense_literal(big).startswith('dense<"0x00000000010000000200')


def test_run_lit_substitutes_and_inverts(tmp_path: Path) -> None:
    ok = _write(tmp_path, "ok.mlir",
                "// RUN: grep -q MARKER %s && \\\n// RUN:   test -d %S\n// RUN: not false\n// MARKER\n")
    assert lit_runner.read_run_lines(ok.read_text()) == ["grep -q MARKER %s &&  test -d %S", "not false"]
    assert lit_runner.run_lit(ok, echo=False) == 0
    bad = _write(tmp_path, "bad.mlir", "// RUN: true\n// RUN: not grep -q MARKER %s\n// MARKER\n")
    assert lit_runner.run_lit(bad, echo=False) == 1
    piped = _write(tmp_path, "pipe.mlir", "// RUN: false | cat\n")  # pipefail, as lit does
    assert lit_runner.run_lit(piped, echo=False) != 0
    assert lit_runner.run_lit(_write(tmp_path, "none.mlir", "// nothing\n"), echo=False) == 2


def test_signature_types_read_main() -> None:
    assert signature_types(BUG) == (["4x32xi32"], ["32xi32"])
    two = "func.func @main(%a: tensor<f32>,\n %b: tensor<2xi1>) -> (tensor<f32>, tensor<2x3xf16>) {"
    assert signature_types(two) == (["f32", "2xi1"], ["f32", "2x3xf16"])


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert cli_main(["export", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    return err


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such finding directory" in _one_line_error(capsys, [str(tmp_path / "nope"), "--format", "lit"])
    entry = tmp_path / "entry"
    entry.mkdir()
    (entry / "program.mlir").write_text(BUG)
    (entry / "meta.json").write_text("{not json")
    assert "not valid JSON" in _one_line_error(capsys, [str(entry), "--format", "issue"])
    (entry / "meta.json").write_text(json.dumps({"kind": "miscompile", "signature": "s"}))
    assert "repro_cell" in _one_line_error(capsys, [str(entry), "--format", "lit"])
    (entry / "meta.json").write_text(json.dumps({"kind": "miscompile", "signature": "s",
                                                 "repro_cell": {"target": "llvm-cpu", "variant": "with"}}))
    assert "unknown format" in _one_line_error(capsys, [str(entry), "--format", "html"])
    (entry / "input0.npy").write_bytes(b"garbage")
    assert "cannot read" in _one_line_error(capsys, [str(entry), "--format", "lit"])
    _one_line_error(capsys, [str(entry)])  # --format is required
    (entry / "input0.npy").unlink()
    assert "no repro.sh" in _one_line_error(capsys, [str(entry), "--format", "lit"])  # an incomplete entry
    (entry / "repro.sh").write_text("#!/bin/sh\n")
    err = _one_line_error(capsys, [str(entry), "--format", "lit", "-o", str(tmp_path / "x" / "y")])
    assert "cannot write" in err


# ---------------------------------------------------------------- real findings


def test_miscompile_lit_reproduces(found: dict[str, Path], tmp_path: Path) -> None:
    f = found["miscompile"]
    text = exports.export(f, "lit")
    run = [line for line in text.splitlines() if line.startswith("// RUN:")]
    assert len(run) == 1 and "| iree-run-module" in run[0] and "--module=-" in run[0]
    assert "--input=\"1x5x1x2xi8=" in run[0] and run[0].count("--expected_output=") == 4
    assert "@" not in run[0].split("iree-run-module", 1)[1]  # self-contained: no file references
    lit = _write(tmp_path, "t.mlir", text)
    assert lit_runner.run_lit(lit, echo=False) == 1
    # The expected values are the finding's: with the actual (wrong) outputs it would pass,
    # so check the failure is a value mismatch, not a parse error.
    cmd = lit_runner.read_run_lines(text)[0].replace("%s", str(lit))
    res = _sh([cmd], tmp_path)
    assert res.returncode == 1 and "[FAILED] result[1]" in res.stdout, res.stderr[-2000:]


def test_miscompile_check_test_compiles(found: dict[str, Path], tmp_path: Path) -> None:
    text = exports.export(found["miscompile"], "check")
    name = check.check_test_name(load_finding(found["miscompile"]))
    assert f"func.func @{name}() {{" in text and f"func.func private @{name}_main(" in text
    assert text.count("util.unfoldable_constant") == 6 and text.count("check.expect_eq(") == 4
    src = _write(tmp_path, "check.mlir", text)
    res = subprocess.run(["iree-compile", *CPU_FLAGS, str(src), "-o", str(tmp_path / "m.vmfb")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_miscompile_issue(found: dict[str, Path], tmp_path: Path) -> None:
    f = found["miscompile"]
    text = exports.export(f, "issue")
    for section in ("## IREE version", "## Program", "## Commands", "## Expected vs actual", "## Variants",
                    "## Reproduces on"):
        assert section in text
    assert text.startswith("# miscompile: `linalg.pooling_nhwc_max` with a large `outs` init on llvm-cpu")
    assert "3.13" in text and "```mlir" in text
    assert "| with (stock) | miscompile |" in text and "| without (" in text
    assert "First differing elements:" in text and "| 1 | [0, 0, 0, 0] | 8 | 0 |" in text
    assert "(and the attached `.npy` and `.bin` files it names)" in text  # input2 is too large to inline
    cmds = re.search(r"```shell\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert "--input=@input2.npy" in cmds[1] and "--input=\"1x5x1x2xi8=" in cmds[1]
    shutil.copy(f / "program.mlir", tmp_path / "program.mlir")
    for name in re.findall(r"=@(\w+\.(?:npy|bin))", cmds[1]):  # the files the report says to attach
        shutil.copy(f / name, tmp_path / name)
    res = _sh(cmds, tmp_path)
    assert res.returncode == 1 and "[FAILED] result[1]" in res.stdout, res.stderr[-2000:]


@pytest.mark.parametrize("kind", ["readwrite-constant"])
def test_ir_finding_exports(found: dict[str, Path], tmp_path: Path, kind: str) -> None:
    f = found[kind]
    text = exports.export(f, "lit")
    (run,) = [line for line in text.splitlines() if line.startswith("// RUN:")]
    assert INLINE0 in run and "--compile-to=stream" in run and "| not grep -E" in run
    assert lit_runner.run_lit(_write(tmp_path, "t.mlir", text), echo=False) == 1
    issue = exports.export(f, "issue")
    cmds = re.search(r"```shell\n(.*?)```", issue, re.S).group(1).strip().splitlines()
    assert cmds[-1].startswith("grep -E")
    shutil.copy(f / "program.mlir", tmp_path / "program.mlir")
    assert _sh(cmds, tmp_path).returncode == 0  # the violation is in the IR: grep matches
    assert INLINE0 in issue and f"| with (stock) | {kind}" in issue


def test_without_variant_lit_uses_three_steps(found: dict[str, Path], tmp_path: Path) -> None:
    text = exports.export(found["compile-error-without"], "lit")
    (run,) = [line for line in text.splitlines() if line.startswith("// RUN:")]
    steps = run.split(" | ")
    assert "--compile-to=preprocessing %s" in steps[0]
    assert steps[1].startswith("iree-opt '--pass-pipeline=") and "detach-elementwise" not in steps[1]
    assert "--compile-from=global-optimization -" in steps[2] and steps[3].startswith("iree-run-module")
    assert lit_runner.run_lit(_write(tmp_path, "t.mlir", text), echo=False) == 1
    assert "| without (" in exports.export(found["compile-error-without"], "issue")


def test_compile_error_lit_fails_and_fixed_program_passes(bug_finding: Path, tmp_path: Path) -> None:
    assert lit_runner.run_lit(_write(tmp_path, "bug.mlir", exports.export(bug_finding, "lit")), echo=False) == 1
    fixed = tmp_path / "fixed-finding"
    shutil.copytree(bug_finding, fixed)
    (fixed / "program.mlir").write_text(FIXED)
    assert lit_runner.run_lit(_write(tmp_path, "fixed.mlir", exports.export(fixed, "lit")), echo=True) == 0


def test_compile_error_check_test_fails_with_same_diagnostic(bug_finding: Path, tmp_path: Path) -> None:
    meta = json.loads((bug_finding / "meta.json").read_text())
    src = _write(tmp_path, "check.mlir", exports.export(bug_finding, "check"))
    res = subprocess.run(["iree-compile", *CPU_FLAGS, str(src), "-o", str(tmp_path / "m.vmfb")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    assert meta["message"] in res.stderr
    fixed = tmp_path / "fixed-finding"
    shutil.copytree(bug_finding, fixed)
    (fixed / "program.mlir").write_text(FIXED)
    src = _write(tmp_path, "fixed-check.mlir", exports.export(fixed, "check"))
    res = subprocess.run(["iree-compile", *CPU_FLAGS, str(src), "-o", str(tmp_path / "m.vmfb")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_compile_error_issue_commands_reproduce(bug_finding: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "issue.md"
    assert cli_main(["export", str(bug_finding), "--format", "issue", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# compile-error: `linalg.generic` with a nonsplat `outs` init on llvm-cpu")
    assert "| with (stock) | compile-error |" in text and "- llvm-cpu" in text
    cmds = re.search(r"```shell\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert all("$HERE" not in c for c in cmds) and "program.mlir" in cmds[0]
    (tmp_path / "program.mlir").write_text(BUG)
    res = _sh(cmds, tmp_path)
    assert res.returncode != 0 and "write affecting operations on global resources" in res.stderr


def test_exports_call_the_entry_the_recorded_run_called(found: dict[str, Path], tmp_path: Path) -> None:
    # A user's program may name its entry @forward: the reproducer runs it, and so must the exports.
    f = shutil.copytree(found["miscompile"], tmp_path / "entry")
    meta = json.loads((f / "meta.json").read_text())
    assert any("--function=main" in argv for argv in meta["commands"])
    meta["commands"] = [[a.replace("--function=main", "--function=forward") for a in argv]
                        for argv in meta["commands"]]
    (f / "meta.json").write_text(json.dumps(meta))
    (f / "program.mlir").write_text((f / "program.mlir").read_text().replace("@main(", "@forward("))
    assert load_finding(f).function == "forward"
    run = [line for line in exports.export(f, "lit").splitlines() if line.startswith("// RUN:")]
    assert "--function=forward" in run[0] and "--function=main" not in run[0]
    argv = repro.run_command(TARGETS["llvm-cpu"], [np.zeros(2, np.float32)], [], exact=True, tolerances=[],
                             function="forward")
    assert "--function=forward" in argv


# A real IREE 3.13 miscompile, found by a campaign (a reduction writes into an argument that an
# insert_slice also returns): result 1 comes back with the reduction's values. In bf16, whose
# values have no .npy form iree-run-module reads.
ARG_WRITTEN_BF16 = """
util.global private @cst0 = dense<1.0> : tensor<3xbf16>
func.func @main(%arg0: tensor<3x4xbf16>, %arg1: tensor<3xbf16>) -> (tensor<3xbf16>, tensor<3xbf16>) {
  %cst0 = util.global.load @cst0 : tensor<3xbf16>
  %op0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%arg0 : tensor<3x4xbf16>) outs(%arg1 : tensor<3xbf16>) {
  ^bb0(%in0: bf16, %out: bf16):
    %b0 = arith.addf %in0, %out : bf16
    linalg.yield %b0 : bf16
  } -> tensor<3xbf16>
  %op1 = tensor.insert_slice %arg1 into %cst0[0] [3] [1] : tensor<3xbf16> into tensor<3xbf16>
  return %op0, %op1 : tensor<3xbf16>, tensor<3xbf16>
}
"""


def test_a_bf16_finding_is_stored_with_the_raw_files_its_repro_reads(tmp_path: Path) -> None:
    program = parse_program(ARG_WRITTEN_BF16)
    settings = Settings(targets=(CPU,), flag_sets=((),))
    case = judge_program(program, ARG_WRITTEN_BF16, 0, settings, cells=[Cell(CPU, "with", ())])
    (stored,) = [r for r in store_case(tmp_path / "f", case, seed=0, elapsed=None, source="test")
                 if r.path is not None and r.finding.kind == "miscompile"]
    files = {p.name for p in stored.path.iterdir()}
    assert {"input0.bin", "input1.bin", "expected0.bin", "expected1.bin"} <= files
    data = load_finding(stored.path)
    assert all(x.dtype.name == "bfloat16" for x in (*data.inputs, *data.expected))
    res = subprocess.run(["bash", str(stored.path / "repro.sh")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "[FAILED] result[1]" in res.stdout, res.stdout[-2000:] + res.stderr[-2000:]
