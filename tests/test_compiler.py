"""Both variants compile on every target; failures are classified, never raised."""

from __future__ import annotations

import os

import pytest

from fuzzir.compiler import REQUIRED_PHASES, VARIANTS, classify, compile_program
from fuzzir.diagnostics import first_error_line
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import TARGETS

# An elementwise program: the decoupling pass has nothing to do, so both
# variants must compile everywhere.
ADD = """\
func.func @main(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = arith.addf %a, %b : tensor<4x8xf32> loc("add0")
  return %0 : tensor<4x8xf32>
}
"""

# A matmul accumulating into a constant, with name locations as fuzzir's emitter sets them.
MATMUL = """\
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %cst = arith.constant dense<1.0> : tensor<4x16xf32> loc("cst0")
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>)
                     outs(%cst : tensor<4x16xf32>) -> tensor<4x16xf32> loc("mm0")
  return %0 : tensor<4x16xf32>
}
"""


def _write(tmp_path, name: str, text: str) -> str:
    path = os.path.join(str(tmp_path), name)
    with open(path, "w") as f:
        f.write(text)
    return path


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("target", list(TARGETS))
def test_compiles_everywhere(tmp_path, target: str, variant: str) -> None:
    src = _write(tmp_path, "prog.mlir", ADD)
    res = compile_program(src, TARGETS[target], variant, workdir=str(tmp_path))
    assert res.status == "ok", res.stderr[-2000:]
    assert res.vmfb and os.path.getsize(res.vmfb) > 0
    for phase in REQUIRED_PHASES:
        assert os.path.isfile(res.phase_ir[phase]), phase
    assert len(res.commands) == (1 if variant == "with" else 3)
    assert res.seconds > 0 and res.first_error is None and res.signal is None


def test_commands_replay_from_workdir(tmp_path) -> None:
    src = _write(tmp_path, "prog.mlir", MATMUL)
    res = compile_program(src, TARGETS["vmvx"], "without", workdir=str(tmp_path))
    assert res.status == "ok", res.stderr[-2000:]
    os.unlink(res.vmfb)
    for argv in res.commands:
        assert not any(a.startswith("/") for a in argv[1:]), argv
        assert run_tool([tool_path(argv[0]), *argv[1:]], timeout=60, cwd=str(tmp_path)).ok
    assert os.path.isfile(res.vmfb)


def test_locations_survive_into_stream(tmp_path) -> None:
    src = _write(tmp_path, "prog.mlir", MATMUL)
    for variant in VARIANTS:
        res = compile_program(src, TARGETS["vmvx"], variant, workdir=str(tmp_path))
        for phase in REQUIRED_PHASES:
            with open(res.phase_ir[phase]) as f:
                text = f.read()
            assert 'loc("mm0")' in text and 'loc("cst0")' in text, (variant, phase)


def test_without_matmul_into_constant_fails_codegen_on_cpu(tmp_path) -> None:
    """Observed on IREE 3.13: without decoupling, llvm-cpu codegen rejects the dispatch."""
    src = _write(tmp_path, "prog.mlir", MATMUL)
    stock = compile_program(src, TARGETS["llvm-cpu"], "with", workdir=str(tmp_path))
    assert stock.status == "ok"
    res = compile_program(src, TARGETS["llvm-cpu"], "without", workdir=str(tmp_path))
    assert res.status == "error" and res.vmfb is None
    assert res.first_error and "write affecting operations on global resources" in res.first_error
    # Phases reached before the failure are still there for the IR checker.
    assert {"global-optimization", "flow", "stream"} <= set(res.phase_ir)


def test_malformed_program_is_an_error(tmp_path) -> None:
    src = _write(tmp_path, "bad.mlir", "func.func @main( {\n")
    for variant in VARIANTS:
        res = compile_program(src, TARGETS["llvm-cpu"], variant, workdir=str(tmp_path))
        assert res.status == "error" and res.vmfb is None
        assert res.first_error and "expected" in res.first_error
        assert len(res.commands) == 1


def test_compiler_crash_is_classified(tmp_path) -> None:
    # A bad Vulkan target makes iree-compile 3.13 print an error and then segfault.
    src = _write(tmp_path, "prog.mlir", ADD)
    res = compile_program(src, TARGETS["vulkan"], "with", flags=("--iree-vulkan-target=bogus",),
                          workdir=str(tmp_path))
    assert res.status == "crash" and res.signal == 11
    assert res.first_error == "Unknown Vulkan target 'bogus'"


def test_timeout(tmp_path) -> None:
    src = _write(tmp_path, "prog.mlir", ADD)
    res = compile_program(src, TARGETS["llvm-cpu"], "with", workdir=str(tmp_path), timeout=0.01)
    assert res.status == "timeout" and res.vmfb is None


def test_helpers() -> None:
    assert first_error_line("x\nprog.mlir:1:2: error: 'foo' op bad\nerror: later") == "'foo' op bad"
    assert first_error_line("warning: w") is None
    res = run_tool(["sh", "-c", "echo 'PLEASE submit a bug report' >&2; exit 1"], timeout=5)
    assert classify(res) == "crash"


def test_unknown_variant(tmp_path) -> None:
    with pytest.raises(ValueError, match="variant"):
        compile_program("x.mlir", TARGETS["vmvx"], "sideways", workdir=str(tmp_path))


def test_a_reused_workdir_shows_no_stale_phases(tmp_path) -> None:
    """The program is copied to program.mlir and a previous compile's phase dumps are cleared."""
    ok = compile_program(_write(tmp_path, "prog.mlir", ADD), TARGETS["vmvx"], "with", workdir=str(tmp_path))
    assert ok.status == "ok" and "stream" in ok.phase_ir
    assert ok.commands[0][-3:] == ["program.mlir", "-o", "module.vmfb"]
    bad = compile_program(_write(tmp_path, "bad.mlir", "func.func @main( {\n"), TARGETS["vmvx"], "with",
                          workdir=str(tmp_path))
    assert bad.status == "error" and "stream" not in bad.phase_ir
    with open(os.path.join(str(tmp_path), "program.mlir")) as f:
        assert f.read().startswith("func.func @main( {")
