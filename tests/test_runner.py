"""Compiled modules run out of process and agree with numpy exactly on small integers."""

from __future__ import annotations

import os

import numpy as np
import pytest

import fuzzir.runner
from fuzzir.compiler import compile_program
from fuzzir.runner import expected_output_args, run_module
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import TARGETS, device_available

MATMUL = """\
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %cst = arith.constant dense<1.0> : tensor<4x16xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>)
                     outs(%cst : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
"""

MIXED = """\
func.func @main(%a: tensor<3xf16>, %b: tensor<2x2xi8>, %s: tensor<f32>)
    -> (tensor<3xf16>, tensor<2x2xi8>, tensor<f32>) {
  %0 = arith.addf %a, %a : tensor<3xf16>
  %1 = arith.addi %b, %b : tensor<2x2xi8>
  %2 = arith.mulf %s, %s : tensor<f32>
  return %0, %1, %2 : tensor<3xf16>, tensor<2x2xi8>, tensor<f32>
}
"""


def _inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    a = rng.integers(-8, 9, size=(4, 8)).astype(np.float32)
    b = rng.integers(-8, 9, size=(8, 16)).astype(np.float32)
    return [a, b]


def _compile(tmp_path, text: str, target: str, variant: str = "with") -> str:
    src = os.path.join(str(tmp_path), "prog.mlir")
    with open(src, "w") as f:
        f.write(text)
    res = compile_program(src, TARGETS[target], variant, workdir=str(tmp_path), dump_phases=False)
    assert res.status == "ok", res.stderr[-2000:]
    assert res.vmfb is not None
    return res.vmfb


def _check_matmul(tmp_path, target: str, variant: str = "with") -> None:
    vmfb = _compile(tmp_path, MATMUL, target, variant)
    a, b = _inputs()
    run = run_module(vmfb, TARGETS[target], [a, b], workdir=str(tmp_path))
    assert run.status == "ok", run.stderr
    assert len(run.outputs) == 1
    np.testing.assert_array_equal(run.outputs[0], a @ b + 1.0)
    assert run.command[0] == "iree-run-module" and f"--device={TARGETS[target].driver}" in run.command


@pytest.mark.parametrize("target", ["llvm-cpu", "vmvx"])
def test_matmul_matches_numpy(tmp_path, target: str) -> None:
    _check_matmul(tmp_path, target)


def test_vmvx_without_decoupling_matches_numpy(tmp_path) -> None:
    # vmvx compiles the undecoupled matmul (llvm-cpu and GPU targets reject it).
    _check_matmul(tmp_path, "vmvx", "without")


@pytest.mark.vulkan
def test_matmul_on_vulkan(tmp_path) -> None:
    if not device_available(TARGETS["vulkan"]):
        pytest.skip("no Vulkan device")
    _check_matmul(tmp_path, "vulkan")


def test_mixed_types_scalars_and_multiple_results(tmp_path) -> None:
    vmfb = _compile(tmp_path, MIXED, "llvm-cpu")
    ins = [
        np.array([1, 2, -3], np.float16),
        np.array([[1, -2], [100, 4]], np.int8),
        np.array(3.0, np.float32),
    ]
    run = run_module(vmfb, TARGETS["llvm-cpu"], ins, workdir=str(tmp_path))
    assert run.status == "ok", run.stderr
    expected = [ins[0] + ins[0], (ins[1] + ins[1]).astype(np.int8), ins[2] * ins[2]]
    for got, want in zip(run.outputs, expected, strict=True):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_runtime_error_is_classified(tmp_path) -> None:
    vmfb = _compile(tmp_path, MATMUL, "llvm-cpu")
    wrong = [np.zeros((3, 3), np.float32), np.zeros((8, 16), np.float32)]
    run = run_module(vmfb, TARGETS["llvm-cpu"], wrong, workdir=str(tmp_path))
    assert run.status == "error" and run.outputs == []
    assert "4x8" in run.stderr or "shape" in run.stderr


def test_expected_output_args_exact(tmp_path) -> None:
    vmfb = _compile(tmp_path, MATMUL, "llvm-cpu")
    a, b = _inputs()
    run = run_module(vmfb, TARGETS["llvm-cpu"], [a, b], workdir=str(tmp_path))
    want = a @ b + 1.0
    close = want.copy()
    close[0, 0] = np.nextafter(close[0, 0], np.float32(np.inf))  # one ulp off
    signed_zero = np.where(want == 0, np.float32(-0.0), want).astype(np.float32)
    for name, arr in (("good", want), ("close", close), ("zero", signed_zero)):
        np.save(os.path.join(str(tmp_path), f"{name}.npy"), arr)

    def check(name: str, **kwargs: bool) -> int | None:
        argv = [tool_path("iree-run-module"), *run.command[1:]]
        argv = [x for x in argv if not x.startswith("--output=")]
        argv += expected_output_args([f"{name}.npy"], **kwargs)
        return run_tool(argv, timeout=60, cwd=str(tmp_path)).returncode

    assert check("good") == 0
    assert check("close") != 0  # the default tolerance (1e-4) would accept this
    assert check("zero") == 0  # value compare: -0.0 == 0.0
    assert check("good", byte_exact=True) == 0
    assert check("close", byte_exact=True) != 0


def test_known_result_types_skip_iree_dump_module(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    vmfb = _compile(tmp_path, MIXED, "llvm-cpu")
    ins = [np.array([1, 2, -3], np.float16), np.array([[1, -2], [100, 4]], np.int8), np.array(3.0, np.float32)]

    def no_dump(*_args: object) -> None:
        raise AssertionError("iree-dump-module ran although the result types were given")

    monkeypatch.setattr(fuzzir.runner, "_signature", no_dump)
    types = ["tensor<3xf16>", "tensor<2x2xi8>", "tensor<f32>"]
    run = run_module(vmfb, TARGETS["llvm-cpu"], ins, workdir=str(tmp_path), result_types=types)
    assert run.status == "ok", run.stderr
    assert [o.dtype for o in run.outputs] == [np.float16, np.int8, np.float32]
    assert run.command[2] == "--module=module.vmfb"  # compiled in workdir: named relative to it
    assert [a for a in run.command if a.startswith("--output=")] == [f"--output=@output{k}.npy" for k in range(3)]


INTS = """\
func.func @main(%a: tensor<3xi8>, %b: tensor<2x2xi16>, %c: tensor<i32>, %d: tensor<2xi64>)
    -> (tensor<3xi8>, tensor<2x2xi16>, tensor<i32>, tensor<2xi64>) {
  %0 = arith.addi %a, %a : tensor<3xi8>
  %1 = arith.addi %b, %b : tensor<2x2xi16>
  %2 = arith.addi %c, %c : tensor<i32>
  %3 = arith.addi %d, %d : tensor<2xi64>
  return %0, %1, %2, %3 : tensor<3xi8>, tensor<2x2xi16>, tensor<i32>, tensor<2xi64>
}
"""


def test_the_reproducers_compare_passes_right_integers_and_fails_wrong_ones(tmp_path) -> None:
    """An integer .npy reads as `si32` and fails against an `i32` result whatever the values:
    a reproducer comparing that way would "reproduce" every integer finding forever."""
    from fuzzir import commands as cmds
    from fuzzir.store import _save

    vmfb = _compile(tmp_path, INTS, "llvm-cpu")
    ins = [np.array([1, -2, 3], np.int8), np.array([[1, -2], [100, 4]], np.int16), np.array(-7, np.int32),
           np.array([5, -6], np.int64)]
    for k, x in enumerate(ins):
        np.save(tmp_path / f"input{k}.npy", x)

    def compare(expected: list[np.ndarray]) -> int | None:
        for k, e in enumerate(expected):
            _save(tmp_path, "expected", k, e)
        argv = cmds.repro_run_step(TARGETS["llvm-cpu"], ins, expected, exact=True)
        argv = [tool_path("iree-run-module"), *argv[1:]]
        argv = [a.replace("--module=module.vmfb", f"--module={vmfb}") for a in argv]
        return run_tool(argv, timeout=60, cwd=str(tmp_path)).returncode

    right = [np.asarray(x + x) for x in ins]
    assert [cmds.value_ref("expected", k, e) for k, e in enumerate(right)][:3] == [
        "3xi8=@expected0.bin", "2x2xi16=@expected1.bin", "i32=@expected2.bin"]
    assert compare(right) == 0
    wrong = [r.copy() for r in right]
    wrong[1][1, 0] += 1
    assert compare(wrong) != 0
