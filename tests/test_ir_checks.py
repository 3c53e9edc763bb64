"""IR checks against IR produced by the real compiler (iree-compile, never mocked)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fuzzir.oracles.ir import CONSTANT_COPY, READWRITE_CONSTANT, REQUIRED_COPY, IRParseError, check_written_constants
from fuzzir.oracles.ir import find_written_constants as check_ir

CPU = [
    "--iree-hal-target-device=local",
    "--iree-hal-local-target-device-backends=llvm-cpu",
    "--iree-llvmcpu-target-cpu=generic",
]
VULKAN = ["--iree-hal-target-device=vulkan"]
NO_INLINE = ["--iree-flow-inline-constants-max-byte-length=0"]
PHASES = ("global-optimization", "flow", "stream")

pytestmark = pytest.mark.skipif(shutil.which("iree-compile") is None, reason="needs iree-compile")


def compile_phases(tmp_path: Path, src: str, flags: list[str]) -> dict[str, str]:
    """Compile ``src`` and return the phase -> IR file map that check_ir takes."""
    prog = tmp_path / "prog.mlir"
    prog.write_text(src)
    dump = tmp_path / "dump"
    cmd = [
        "iree-compile",
        str(prog),
        *flags,
        "--mlir-print-debuginfo",
        "--mlir-elide-elementsattrs-if-larger=16",
        f"--dump-compilation-phases-to={dump}",
        "-o",
        str(tmp_path / "prog.vmfb"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = {p.name.split(".")[-2]: str(p) for p in dump.glob("*.mlir")}
    return {phase: files[phase] for phase in PHASES}


def kinds(violations: list) -> set[tuple[str, str, str]]:
    return {(v.kind, v.op, v.constant) for v in violations}


# The program from IREE's issue: a reduction whose destination is a constant.
ISSUE = """
func.func @main(%arg0: tensor<4x32xi32>) -> tensor<32xi32> {
  %cst = arith.constant dense<[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,
    25,26,27,28,29,30,31,32]> : tensor<32xi32> loc("cst0:dense")
  %3 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                        affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%arg0 : tensor<4x32xi32>) outs(%INIT : tensor<32xi32>) {
  ^bb0(%in: i32, %out: i32):
    %4 = arith.addi %in, %out : i32
    linalg.yield %4 : i32
  } -> tensor<32xi32> loc("op0:linalg.generic")
  return %3 : tensor<32xi32>
}
"""


def issue_program(init: str = "%cst", extra: str = "", args: str = "") -> str:
    src = ISSUE.replace("%INIT", init)
    if args:
        src = src.replace("%arg0: tensor<4x32xi32>)", f"%arg0: tensor<4x32xi32>, {args})")
    return src.replace("  %3 = linalg.generic", f"{extra}\n  %3 = linalg.generic", 1)


def reduce_program(init_decl: str, n: int = 16, globals_: str = "") -> str:
    """A 4xN reduction into ``%c``, declared by ``init_decl``."""
    return f"""{globals_}
func.func @main(%a: tensor<8x4x{n}xf32>) -> tensor<4x{n}xf32> {{
  {init_decl}
  %r = linalg.generic {{indexing_maps = [affine_map<(k,i,j)->(k,i,j)>, affine_map<(k,i,j)->(i,j)>],
                       iterator_types = ["reduction","parallel","parallel"]}}
      ins(%a : tensor<8x4x{n}xf32>) outs(%c : tensor<4x{n}xf32>) {{
  ^bb0(%x: f32, %o: f32):
    %q = arith.addf %x, %o : f32
    linalg.yield %q : f32
  }} -> tensor<4x{n}xf32> loc("op0:linalg.generic")
  return %r : tensor<4x{n}xf32>
}}
"""


def dense(values: np.ndarray) -> str:
    return np.array2string(values, separator=", ", threshold=10**9).replace("\n", "")


def test_issue_program_without_inlining_is_flagged(tmp_path: Path) -> None:
    v = check_ir(compile_phases(tmp_path, issue_program(), CPU + NO_INLINE))
    assert kinds(v) == {
        (READWRITE_CONSTANT, "op0:linalg.generic", "cst0:dense"),
        (CONSTANT_COPY, "op0:linalg.generic", "cst0:dense"),
    }
    # The verdict is the stream level's; the flow level's tie is only the explanation.
    assert {x.phase for x in v} == {"stream"}
    assert all("\n" not in x.message and "cst0:dense" in x.message for x in v)
    assert all("how it got there (flow): constant cst0:dense reaches dispatch" in x.message for x in v)
    by_kind = {x.kind: x for x in v}
    assert "reads the copy's old values" in by_kind[CONSTANT_COPY].message


@pytest.mark.parametrize(
    ("init", "extra", "args"),
    [
        (
            "%f",
            "  %e = tensor.empty() : tensor<32xi32>\n  %z = arith.constant 0 : i32\n"
            "  %f = linalg.fill ins(%z : i32) outs(%e : tensor<32xi32>) -> tensor<32xi32>",
            "",
        ),
        ("%arg1", "", "%arg1: tensor<32xi32>"),
        (
            "%p",
            "  %e = tensor.empty() : tensor<32xi32>\n"
            "  %p = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, "
            'affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} '
            "ins(%arg1 : tensor<32xi32>) outs(%e : tensor<32xi32>) {\n"
            "  ^bb0(%x: i32, %y: i32):\n    %m = arith.muli %x, %x : i32\n"
            '    linalg.yield %m : i32\n  } -> tensor<32xi32> loc("op1:linalg.generic")',
            "%arg1: tensor<32xi32>",
        ),
    ],
    ids=["fill-of-empty", "function-argument", "op-result"],
)
def test_non_constant_inits_are_clean(tmp_path: Path, init: str, extra: str, args: str) -> None:
    src = issue_program(init, extra, args)
    assert check_ir(compile_phases(tmp_path, src, CPU + NO_INLINE)) == []


def test_splat_constant_is_decoupled_and_clean(tmp_path: Path) -> None:
    src = reduce_program('%c = arith.constant dense<1.5> : tensor<4x16xf32> loc("cst0:splat")')
    assert check_ir(compile_phases(tmp_path, src, CPU + NO_INLINE)) == []


def test_constant_read_or_returned_is_not_a_copy_on_write(tmp_path: Path) -> None:
    """Returning a constant copies it into an exported buffer: no in-place write."""
    vals = dense(np.arange(64, dtype=np.float32) % 7)
    src = f"""
func.func @main(%a: tensor<8x64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {{
  %c = arith.constant dense<{vals}> : tensor<64xf32> loc("cst0:dense")
  %e = tensor.empty() : tensor<64xf32>
  %z = arith.constant 0.0 : f32
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %r = linalg.generic {{indexing_maps = [affine_map<(i,j)->(i,j)>, affine_map<(i,j)->(j)>,
                       affine_map<(i,j)->(j)>], iterator_types = ["reduction","parallel"]}}
      ins(%a, %c : tensor<8x64xf32>, tensor<64xf32>) outs(%f : tensor<64xf32>) {{
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.addf %p, %o : f32
    linalg.yield %q : f32
  }} -> tensor<64xf32> loc("op0:linalg.generic")
  return %r, %c : tensor<64xf32>, tensor<64xf32>
}}
"""
    phases = compile_phases(tmp_path, src, CPU + NO_INLINE)
    assert "stream.cmd.copy" in Path(phases["stream"]).read_text()  # the export copy exists
    assert check_ir(phases) == []


@pytest.mark.parametrize("flags", [CPU + NO_INLINE, VULKAN + NO_INLINE], ids=["cpu", "vulkan"])
def test_global_held_constant_is_flagged(tmp_path: Path, flags: list[str]) -> None:
    vals = dense((np.arange(64, dtype=np.float32) % 5).reshape(4, 16))
    glob = f'util.global private @cst1 = dense<{vals}> : tensor<4x16xf32> loc("cst1:global")'
    src = reduce_program('%c = util.global.load @cst1 : tensor<4x16xf32> loc("cst1:global")', globals_=glob)
    v = check_ir(compile_phases(tmp_path, src, flags))
    assert kinds(v) == {
        (READWRITE_CONSTANT, "op0:linalg.generic", "cst1:global"),
        (CONSTANT_COPY, "op0:linalg.generic", "cst1:global"),
    }


def test_large_hex_constant_is_flagged_with_default_flags(tmp_path: Path) -> None:
    """Over 256 bytes IREE never inlines the constant, so the default flags miss it too."""
    raw = (np.arange(4 * 64, dtype=np.float32) % 11).astype("<f4").tobytes()
    decl = f'%c = arith.constant dense<"0x{raw.hex().upper()}"> : tensor<4x64xf32> loc("cst0:large")'
    v = check_ir(compile_phases(tmp_path, reduce_program(decl, n=64), CPU))
    # IREE collapses the 4x64 constant to 64x4 elements and gives the copy the op's
    # location; the name is recovered from the global-optimization phase.
    assert kinds(v) == {
        (READWRITE_CONSTANT, "op0:linalg.generic", "cst0:large"),
        (CONSTANT_COPY, "op0:linalg.generic", "cst0:large"),
    }


def test_global_splat_filled_fresh_is_clean(tmp_path: Path) -> None:
    """A splat global is materialized by a fill into a fresh resource: flow ties the dispatch to it,
    but no constant resource is bound read-write or copied, so nothing is written."""
    glob = 'util.global private @cst1 = dense<2.0> : tensor<4x16xf32> loc("cst1:global")'
    src = reduce_program('%c = util.global.load @cst1 : tensor<4x16xf32> loc("cst1:global")', globals_=glob)
    phases = compile_phases(tmp_path, src, CPU + NO_INLINE)
    assert "stream.cmd.fill" in Path(phases["stream"]).read_text()
    report = check_written_constants(phases)
    assert report.judged and report.violations == [] and report.notes == []
    assert kinds(report.flow) == {(READWRITE_CONSTANT, "op0:linalg.generic", "cst1:global")}  # explanation only


def test_file_locations_fall_back_to_entry_point(tmp_path: Path) -> None:
    """Without name locations the op is the dispatch entry and the constant its type."""
    src = issue_program().replace(' loc("cst0:dense")', "").replace(' loc("op0:linalg.generic")', "")
    v = check_ir(compile_phases(tmp_path, src, CPU + NO_INLINE))
    assert kinds(v) == {
        (READWRITE_CONSTANT, "main_dispatch_0_reduction_32x4_i32", "tensor<32xi32>"),
        (CONSTANT_COPY, "main_dispatch_0_reduction_32x4_i32", "tensor<32xi32>"),
    }
    assert all("prog.mlir:" in x.message for x in v)


def test_parse_failure_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mlir"
    bad.write_text("module { this is not mlir }\n")
    with pytest.raises(IRParseError) as info:
        check_ir({"flow": str(bad)})
    assert "\n" not in str(info.value)
    with pytest.raises(IRParseError):
        check_ir({"stream": str(tmp_path / "missing.mlir")})


def test_a_copy_on_write_is_reported_at_its_first_writer_only(tmp_path: Path) -> None:
    # The issue's reduction writes the constant's copy; a scatter then updates that result in
    # place. Only the reduction met the constant: the scatter chains on an intermediate.
    extra_arg = "%upd: tensor<1xi32>"
    src = issue_program(args=extra_arg).replace(
        "  return %3 : tensor<32xi32>",
        """  %idx = arith.constant dense<[[4]]> : tensor<1x1xi32>
  %5 = iree_linalg_ext.scatter dimension_map = [0] unique_indices(true)
      ins(%upd, %idx : tensor<1xi32>, tensor<1x1xi32>) outs(%3 : tensor<32xi32>) {
  ^bb0(%u: i32, %o: i32):
    iree_linalg_ext.yield %u : i32
  } -> tensor<32xi32> loc("op1:iree_linalg_ext.scatter")
  return %5 : tensor<32xi32>""")
    v = check_ir(compile_phases(tmp_path, src, CPU + NO_INLINE))
    assert {x.op for x in v} == {"op0:linalg.generic"}, [x.message for x in v]
    assert {x.kind for x in v} == {READWRITE_CONSTANT, CONSTANT_COPY}


def test_no_stream_ir_is_not_judged(tmp_path: Path) -> None:
    """Flow IR alone is no verdict: a compile that stopped before stream is not judged."""
    phases = compile_phases(tmp_path, issue_program(), CPU + NO_INLINE)
    report = check_written_constants({"flow": phases["flow"]})
    assert not report.judged and report.violations == [] and report.flow


# A splat destination of iree_linalg_ext.scan, in the `util.unfoldable_constant` form of IREE's own
# e2e test (tests/e2e/linalg_ext_ops/scan.mlir): flow ties the dispatch to the splat, stream fills it.
SCAN = """
func.func @scan_1d_dim0_inclusive_sum() -> (tensor<6xf32>, tensor<f32>) {
  %input = util.unfoldable_constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %init = tensor.empty() : tensor<6xf32>
  %t0 = util.unfoldable_constant dense<0.0> : tensor<f32>
  %0:2 = iree_linalg_ext.scan dimension(0) inclusive(true) ins(%input : tensor<6xf32>)
         outs(%init, %t0 : tensor<6xf32>, tensor<f32>) {
           ^bb0(%arg0 : f32, %arg1 : f32):
             %sum = arith.addf %arg0, %arg1 : f32
             iree_linalg_ext.yield %sum : f32
         } -> tensor<6xf32>, tensor<f32>
  return %0#0, %0#1 : tensor<6xf32>, tensor<f32>
}
"""

# A scatter into a splat constant (StableHLO scatter and dynamic-update-slice lower to this).
SCATTER = """
func.func @main(%upd: tensor<2xi32>) -> tensor<8xi32> {
  %init = arith.constant dense<3> : tensor<8xi32> loc("cst0:splat")
  %idx = arith.constant dense<[[1], [5]]> : tensor<2x1xi32>
  %r = iree_linalg_ext.scatter dimension_map = [0] unique_indices(true)
      ins(%upd, %idx : tensor<2xi32>, tensor<2x1xi32>) outs(%init : tensor<8xi32>) {
  ^bb0(%u: i32, %o: i32):
    %s = arith.addi %u, %o : i32
    iree_linalg_ext.yield %s : i32
  } -> tensor<8xi32> loc("op0:iree_linalg_ext.scatter")
  return %r : tensor<8xi32>
}
"""


@pytest.mark.parametrize("src", [SCAN, SCATTER], ids=["scan", "scatter"])
@pytest.mark.parametrize("flags", [CPU, CPU + NO_INLINE], ids=["default", "no-inline"])
def test_splat_destination_filled_fresh_is_clean(tmp_path: Path, src: str, flags: list[str]) -> None:
    phases = compile_phases(tmp_path, src, flags)
    report = check_written_constants(phases)
    assert report.judged and report.violations == [] and report.notes == [], [v.message for v in report.violations]


# IREE's tests/e2e/linalg/narrow_n_matmuls.mlir @matvec, its check returned instead: the accumulator
# is a non-splat `util.unfoldable_constant`, and IREE 3.13 binds that constant's own resource `rw`.
MATVEC = """
func.func @matvec() -> tensor<3xi32> {
  %lhs = util.unfoldable_constant dense<[[1, 2, 0, 5], [3, 4, -1, -3], [5, 6, -7, 0]]> : tensor<3x4xi8>
  %rhs = util.unfoldable_constant dense<[-2, 3, 4, -1]> : tensor<4xi8>
  %acc = util.unfoldable_constant dense<[1, 2, 3]> : tensor<3xi32>
  %result = linalg.matvec ins(%lhs, %rhs : tensor<3x4xi8>, tensor<4xi8>) outs(%acc : tensor<3xi32>) -> tensor<3xi32>
  return %result : tensor<3xi32>
}
"""


def test_constant_bound_read_write_in_place_is_flagged(tmp_path: Path) -> None:
    phases = compile_phases(tmp_path, MATVEC, CPU)
    text = Path(phases["stream"]).read_text()
    assert "rw %" in text and "!stream.resource<constant>" in text
    (v,) = check_ir(phases)
    assert v.kind == READWRITE_CONSTANT and v.phase == "stream" and v.constant == "tensor<3xi32>"
    assert "written in place, in the constant's own storage" in v.message
    assert "how it got there (flow)" in v.message


def insert_program(stride: int, size: int = 1) -> str:
    """An argument inserted into a non-splat constant; the constant's other values must stay."""
    return f"""
func.func @main(%arg0: tensor<{size}xf32>) -> tensor<8xf32> {{
  %cst = arith.constant dense<[1.0, 0.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]> : tensor<8xf32> loc("cst0:nonsplat")
  %r = tensor.insert_slice %arg0 into %cst[2] [{size}] [{stride}] : tensor<{size}xf32> into tensor<8xf32> loc("op0:ins")
  return %r : tensor<8xf32>
}}
"""


@pytest.mark.parametrize("stride", [1, 2], ids=["contiguous", "strided"])
def test_insert_slice_into_constant_is_clean(tmp_path: Path, stride: int) -> None:
    """The copy keeps the constant's other values: the program needs it; at most a note."""
    report = check_written_constants(compile_phases(tmp_path, insert_program(stride, 3), CPU + NO_INLINE))
    assert report.judged and report.violations == [], [v.message for v in report.violations]
    assert all(n.kind == REQUIRED_COPY and "as the program requires" in n.message for n in report.notes)
    if stride == 2:  # a strided insert is a dispatch writing part of the constant's copy (a contiguous one a copy)
        assert [n.constant for n in report.notes] == ["cst0:nonsplat"]


def test_check_prints_a_required_copy_as_a_note_not_a_finding(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`fuzzir check` shows the note (text and JSON) with the cells it was seen in, and exits clean."""
    import json

    from fuzzir.cli import main

    src = tmp_path / "insert.mlir"
    src.write_text(insert_program(2, 3).replace(' loc("cst0:nonsplat")', "").replace(' loc("op0:ins")', ""))
    args = ["check", str(src), "--targets", "llvm-cpu", f"--iree-flag={NO_INLINE[0]}", "--no-blame"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "note (llvm-cpu with, llvm-cpu without): " in text and "as the program requires" in text
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and len(report["notes"]) == 1
    (note,) = report["notes"]
    assert note["cells"] == ["llvm-cpu with", "llvm-cpu without"] and f"{src}:" in note["note"]
