"""The exports package without compiling: format discovery, command cleaning, and exact MLIR values.

Findings here are written through `fuzzir.store` with the argv lists fuzzir's compiler
records today (phase dumps, printing flags, work-directory file names), so the exports
are checked against what a campaign stores, not against one hand-picked form.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fuzzir import exports
from fuzzir.commands import BYTE_EXACT_FLAGS
from fuzzir.exports.commands import compile_chain, issue_commands
from fuzzir.exports.finding import load_finding
from fuzzir.exports.lit import lit_run_lines
from fuzzir.findings import Observation
from fuzzir.mlir_values import dense, format_scalar
from fuzzir.record import CellRecord, FindingRecord
from fuzzir.store import DirectoryStore, NewFinding
from fuzzir.targets import TARGETS

CPU = TARGETS["llvm-cpu"]
PROGRAM = """\
func.func @main(%arg0: tensor<4xi32>) -> tensor<4xi32> {
  %cst = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]} ins(%arg0 : tensor<4xi32>) outs(%cst : tensor<4xi32>) {
  ^bb0(%x: i32, %o: i32):
    %s = arith.addi %x, %o : i32
    linalg.yield %s : i32
  } -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
"""
CORPUS = Path(__file__).resolve().parent.parent / "crashes"  # the committed corpus (schema 1)
BOOKKEEPING = ("--dump-compilation-phases-to=", "--mlir-print-debuginfo", "--mlir-elide-elementsattrs-if-larger=")


def _store(root: Path, kind: str, variant: str, commands: list[list[str]], removed_pass: str = "") -> Path:
    """A finding written the way a campaign writes one, with these stored commands."""
    obs = Observation(kind, variant, CPU.name, (), "ir" if kind == "readwrite-constant" else "run", "seen",
                      op_index=0, op_name="linalg.add")
    record = FindingRecord(kind=kind, signature=f"{kind}-0123456789ab", signature_key="k",
                           repro_cell=CellRecord(CPU.name, variant, ()), message="seen", variants=[variant],
                           targets=[CPU.name], flags=[[]], op=obs.op, ops=["linalg.add"],
                           init_kinds=["nonsplat"], observations=[obs], commands=commands)
    if removed_pass:
        record = record.replace(removed_pass=removed_pass)
    x = np.arange(4, dtype=np.int32)
    path, _ = DirectoryStore(root).save(NewFinding(record, PROGRAM, [x], [x + x + 9], "#!/bin/sh\n"))
    return path


def _compiler_argv(*middle: str, src: str, out: str, dumps: bool) -> list[str]:
    """An argv as fuzzir.compiler runs it (relative names in its work directory)."""
    dump = ["--dump-compilation-phases-to=llvm-cpu-with-phases", "--mlir-print-debuginfo",
            "--mlir-elide-elementsattrs-if-larger=16"] if dumps else ["--mlir-print-debuginfo"]
    return ["iree-compile", *CPU.compile_flags, *middle, *dump, src, "-o", out]


def test_formats_are_discovered_and_registered() -> None:
    assert exports.FORMATS == ("bisect", "check", "issue", "lit")
    for name, fmt in exports.formats().items():
        assert fmt.name == name and fmt.description and callable(fmt.render)
    with pytest.raises(exports.ExportError, match="unknown format"):
        exports.export(Path("."), "html")


def test_commands_as_run_lose_bookkeeping(tmp_path: Path) -> None:
    run = ["iree-run-module", "--device=local-task", f"--module={tmp_path}/llvm-cpu-with.vmfb", "--function=main",
           "--input=@in0.npy", "--output=@out0.npy"]
    path = _store(tmp_path, "miscompile", "with",
                  [_compiler_argv(src="program.mlir", out="llvm-cpu-with.vmfb", dumps=True), run])
    f = load_finding(path)
    assert compile_chain(f) == [["iree-compile", *CPU.compile_flags, "%s"]]
    (line,) = lit_run_lines(f)
    assert line.endswith(" ".join(BYTE_EXACT_FLAGS)) and '--expected_output="4xi32=9 11 13 15"' in line
    cmds = issue_commands(f)
    assert cmds[0] == " ".join(["iree-compile", *CPU.compile_flags, "program.mlir", "-o", "module.vmfb"])
    assert cmds[1].startswith("iree-run-module --device=local-task --module=module.vmfb --function=main")
    assert '--input="4xi32=0 1 2 3"' in cmds[1] and "--output" not in cmds[1]
    for text in [line, *cmds]:
        assert not any(b in text for b in BOOKKEEPING) and "llvm-cpu-with" not in text


def test_truncated_without_chain_is_completed_with_the_removed_pass(tmp_path: Path) -> None:
    # The `without` chain stopped after step 1 (it failed there): steps 2 and 3 are rebuilt.
    removed = "iree-global-opt-raise-special-ops"
    step1 = _compiler_argv("--compile-to=preprocessing", src="../case/program.mlir",
                           out="llvm-cpu-without.preprocessing.mlir", dumps=False)
    path = _store(tmp_path, "readwrite-constant", "without", [step1], removed_pass=removed)
    f = load_finding(path)
    chain = compile_chain(f)
    assert [c[0] for c in chain] == ["iree-compile", "iree-opt", "iree-compile"]
    assert chain[0][-2:] == ["--compile-to=preprocessing", "%s"] and "--mlir-print-debuginfo" not in chain[0]
    pipeline = next(a for a in chain[1] if a.startswith("--pass-pipeline="))
    assert removed not in pipeline and "detach-elementwise" in pipeline
    assert chain[2][-2:] == ["--compile-to=stream", "-"]
    cmds = issue_commands(f)
    assert "--compile-to=preprocessing program.mlir -o llvm-cpu-without.preprocessing.mlir" in cmds[0]
    between = re.search(r" llvm-cpu-without\.preprocessing\.mlir -o (\S+\.mlir)$", cmds[1])
    assert between, cmds[1]  # each step reads the file the one before wrote
    assert cmds[2].endswith(f"--compile-to=stream {between.group(1)} -o ir.mlir") and cmds[3].startswith("grep -E")
    issue = exports.export(path, "issue")
    assert f"| without (`{removed}` removed) |" in issue and f"minus `{removed}`" in issue


def test_schema_1_commands_still_export(tmp_path: Path) -> None:
    stored = ["iree-compile", *CPU.compile_flags, "--compile-to=stream", "$HERE/program.mlir", "-o", "ir.mlir"]
    f = load_finding(_store(tmp_path, "readwrite-constant", "with", [stored]))
    assert compile_chain(f) == [["iree-compile", *CPU.compile_flags, "--compile-to=stream", "%s"]]
    assert issue_commands(f, "bug.mlir")[0].endswith("--compile-to=stream bug.mlir -o ir.mlir")


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.glob("*") if (p / "meta.json").is_file()),
                         ids=lambda p: p.name)
def test_committed_corpus_exports(path: Path) -> None:
    f = load_finding(path)
    assert all("$HERE" not in c for c in issue_commands(f))
    assert lit_run_lines(f) and exports.export(path, "lit").count("// RUN:") == 1


# ---------------------------------------------------------------- mlir_values


def test_scalars_are_valid_mlir_text() -> None:
    assert format_scalar(1e22, "f64") == "1.0e+22"  # MLIR rejects a mantissa without a dot
    assert format_scalar(np.float32(0.5), "f32") == "0.5" and format_scalar(7, "f16") == "7.0"
    payload = np.array([0x7FC00001], dtype=np.uint32).view(np.float32)[0]
    assert format_scalar(payload, "f32") == "0x7FC00001"  # NaN payloads are kept
    assert format_scalar(np.inf, "bf16") == "0x7F80" and format_scalar(-np.inf, "f64") == "0xFFF0000000000000"
    assert format_scalar(np.True_, "i1") == "true" and format_scalar(np.int8(-3), "i8") == "-3"
    assert dense(np.arange(3, dtype=np.int32), "i32", max_nested_bytes=8) == 'dense<"0x000000000100000002000000">'
    assert dense(np.array([True] * 9), "i1", max_nested_bytes=1).startswith("dense<[true,")


def _iree_opt() -> str | None:
    return shutil.which("iree-opt", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))


@pytest.mark.skipif(_iree_opt() is None, reason="needs iree-opt (the iree-base-compiler wheel)")
def test_values_parse_back_to_the_same_bytes() -> None:
    """MLIR parses every printed value to the exact bits (read back as hex)."""
    import ml_dtypes

    special = [1e20, -0.0, np.inf, -np.inf, np.nan, 1e-45, 0.1, 3.0, 6e-8, 65504.0, 1e-5]
    with np.errstate(over="ignore"):  # 1e20 is inf in f16, as intended
        arrays = {
            "f32": np.array(special, np.float32),
            "f16": np.array(special, np.float16),
            "bf16": np.array(special, ml_dtypes.bfloat16),
            "f64": np.array([*special, 1e22, 5e-324], np.float64),
            "i8": np.array([-128, 127, 0], np.int8),
            "i32": np.array([-(2**31), 2**31 - 1], np.int32),
        }
    body = [f"  %c{i} = arith.constant {dense(a, t)} : tensor<{a.size}x{t}>" for i, (t, a) in enumerate(arrays.items())]
    text = "func.func @main() {\n" + "\n".join(body) + "\n  return\n}\n"
    res = subprocess.run([_iree_opt() or "", "--mlir-print-elementsattrs-with-hex-if-larger=1", "-"], input=text,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr[-2000:]
    printed = re.findall(r'dense<"0x([0-9A-F]+)">', res.stdout)
    assert printed == [a.tobytes().hex().upper() for a in arrays.values()]
