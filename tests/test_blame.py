"""Counterfactual blame against the real compiler: what a finding needs, by experiment.

Each answer is tested on a program where IREE 3.13 shows it: a written constant that needs its
constant and one value bound to two destinations that does not (the same diagnostic, two causes),
a miscompile that needs the constant, a crash that needs a flag, a compile error that needs a target.
Corpus entries serve as the programs where they are the real case (copied: blame writes meta.json).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fuzzir.any_program import load_program
from fuzzir.blame import Subject, blame, blame_entry, cause_key, symptom
from fuzzir.findings import Observation, group
from fuzzir.judge import Settings, judge_program, plan_cells
from fuzzir.needs import Needs
from fuzzir.targets import TARGETS

CORPUS = Path(__file__).resolve().parent.parent / "crashes"

_REDUCE = """\
func.func @main(%a: tensor<4x8xi32>) -> tensor<8xi32> {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%c : tensor<8xi32>) {
  ^bb0(%x: i32, %acc: i32):
    %s = arith.addi %x, %acc : i32
    linalg.yield %s : i32
  } -> tensor<8xi32>
  return %r : tensor<8xi32>
}
"""

# One value bound to both destinations of a multi-result op: the same "write affecting operations on
# global resources" error as a written constant, but with an argument in its place too.
_SHARED = """\
func.func @main(%a: tensor<4x8xi32>) -> (tensor<8xi32>, tensor<8xi32>) {
  %c = arith.constant dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xi32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                          affine_map<(d0, d1) -> (d1)>],
                         iterator_types = ["reduction", "parallel"]}
      ins(%a : tensor<4x8xi32>) outs(%c, %c : tensor<8xi32>, tensor<8xi32>) {
  ^bb0(%x: i32, %acc: i32, %acc2: i32):
    %s = arith.addi %x, %acc : i32
    %m = arith.maxsi %x, %acc2 : i32
    linalg.yield %s, %m : i32, i32
  } -> (tensor<8xi32>, tensor<8xi32>)
  return %r#0, %r#1 : tensor<8xi32>, tensor<8xi32>
}
"""


def _blame_text(text: str, tmp_path: Path, target: str = "llvm-cpu"):
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "program.mlir"
    path.write_text(text)
    loaded = load_program(text, str(path))
    settings = Settings(targets=(TARGETS[target],), flag_sets=((),))
    case = judge_program(loaded.program, text, 0, settings, cells=plan_cells(settings, 0), source=loaded.source,
                         unmodelled=loaded.unmodelled)
    findings = group(case.observations)
    assert findings, "IREE 3.13 shows no symptom here any more"
    finding = findings[0]
    subject = Subject(text, list(case.inputs), loaded.program, str(path), loaded.source.function)
    return finding, blame(subject, finding, settings, budget=120)


def _blame_corpus_entry(name: str, tmp_path: Path) -> Needs:
    copy = tmp_path / name
    shutil.copytree(CORPUS / name, copy)
    needs = blame_entry(copy, budget=180)
    meta = json.loads((copy / "meta.json").read_text())
    assert Needs.from_json(meta["needs"]) == needs  # one record, written where every reader reads it
    assert meta["cause"].endswith(meta["signature_key"].rsplit("|", 1)[1])
    return needs


# ------------------------------------------------------------------------------------------ unit
def test_symptom_ignores_surface_facts() -> None:
    a = Observation("compile-error", "with", "llvm-cpu", (), "compile", "m", family="reduction", init_kind="splat",
                    diagnostic="'linalg.generic' op failed for Nxf16")
    b = Observation("compile-error", "with", "vmvx", (), "compile", "other", family="pooling", init_kind="arg",
                    diagnostic="'linalg.generic' op failed for Nxf32")
    assert symptom(a) == symptom(b)  # the element type is not the symptom; the dtype question asks about it
    m0 = Observation("miscompile", "with", "vulkan", (), "run", "result 0 (exact compare): 1 of 4 differ")
    m1 = Observation("miscompile", "with", "vulkan", (), "run", "result 1 (exact compare): 1 of 4 differ")
    assert symptom(m0) != symptom(m1)
    rw = Observation("readwrite-constant", "with", "vulkan", (), "ir", "bound read-write")
    copy = Observation("constant-copy", "with", "vulkan", (), "ir", "copied")
    assert symptom(rw) == symptom(copy)


def test_needs_record_reads_back_and_refuses_garbage() -> None:
    needs = Needs(constant=False, init_value=None, pass_=True, flags=["--x"], targets=["vulkan"], dtype=None,
                  why={"init_value": "outside the model"}, without="clean", tried=["llvm-cpu", "vulkan"], seconds=3.5)
    assert Needs.from_json(json.loads(json.dumps(needs.to_json()))) == needs
    assert Needs.from_json("constant") is None
    odd = Needs.from_json({"constant": "yes", "flags": [1, 2], "targets": "vulkan"})
    assert odd is not None and odd.constant is None and odd.flags is None and odd.targets is None
    assert "not about constants" in needs.words() and "needs target vulkan" in needs.words()


# ------------------------------------------------------------------------- the real compiler
def test_same_diagnostic_different_needs_are_two_causes(tmp_path: Path) -> None:
    """A small constant written by a reduction and one value bound to two destinations give the same
    normalized diagnostic on llvm-cpu; only the argument experiment tells the causes apart."""
    written, written_needs = _blame_text(_REDUCE, tmp_path / "a")
    shared, shared_needs = _blame_text(_SHARED, tmp_path / "b")
    assert written.first.diagnostic == shared.first.diagnostic
    assert written_needs.constant is True  # with an argument init the reduction compiles
    assert shared_needs.constant is False  # with arguments in both destinations: the same error
    assert written_needs.pass_ is False and written_needs.flags == [] and "llvm-cpu" in written_needs.targets
    assert cause_key(written.first, written_needs) != cause_key(shared.first, shared_needs)
    assert "written-constant" not in cause_key(shared.first, shared_needs)


@pytest.mark.slow
def test_miscompile_needs_the_constant(tmp_path: Path) -> None:
    """Max pooling into a non-splat constant: the pass detaches it as fill(0) + add, which is wrong for
    max; the same pooling with the init passed as an argument is right (the pass does not touch it)."""
    needs = _blame_corpus_entry("miscompile-978cad5abacb", tmp_path)
    assert needs.constant is True
    assert needs.pass_ is True  # without the pass it is right
    assert needs.flags == []


@pytest.mark.slow
def test_crash_needs_a_flag_and_no_constant(tmp_path: Path) -> None:
    """Flow's closure optimization segfaults on one value used as both destinations, only with constant
    inlining off; with arguments in the destinations it crashes the same way."""
    needs = _blame_corpus_entry("compiler-crash-1f2a57eceef8", tmp_path)
    assert needs.flags == ["--iree-flow-inline-constants-max-byte-length=0"]
    assert needs.constant is False


@pytest.mark.slow
def test_compile_error_needs_a_target(tmp_path: Path) -> None:
    """An f16 matmul that ROCm's codegen fails to distribute: rocm only (cuda shares LLVMGPU and compiles
    it), and not about constants."""
    needs = _blame_corpus_entry("compile-error-221b7de2d97e", tmp_path)
    assert needs.targets == ["rocm"]
    assert set(needs.tried) == set(TARGETS)
    assert needs.constant is False


def test_blame_within_budget_leaves_answers_open(tmp_path: Path) -> None:
    """A spent budget is an unanswered question with its reason, never a guess."""
    path = tmp_path / "program.mlir"
    path.write_text(_REDUCE)
    loaded = load_program(_REDUCE, str(path))
    settings = Settings(targets=(TARGETS["llvm-cpu"],), flag_sets=((),))
    finding = group([Observation("compile-error", "with", "llvm-cpu", (), "compile", "x", diagnostic="x")])[0]
    needs = blame(Subject(_REDUCE, [np.zeros((4, 8), np.int32)], loaded.program, str(path)), finding, settings,
                  budget=0)
    assert needs.constant is None and "budget" in needs.why["constant"]


# The StableHLO campaign's scatter into a constant broadcast (seed 36, `fuzzir gen --frontend stablehlo`):
# IREE folds the broadcast into one constant, which the scatter's dispatch is given read-write.
_SCATTER_INTO_BROADCAST = """\
func.func @main(%arg0: tensor<2x4xi32>) -> tensor<4x4xi32> {
  %c1 = stablehlo.constant dense<[2, 1, 4, 0]> : tensor<4xi32>
  %v2 = stablehlo.broadcast_in_dim %c1, dims = [1] : (tensor<4xi32>) -> tensor<4x4xi32>
  %c3 = stablehlo.constant dense<[[3], [1]]> : tensor<2x1xi32>
  %v4 = "stablehlo.scatter"(%v2, %c3, %arg0) ({
    ^bb0(%lhs: tensor<i32>, %rhs: tensor<i32>):
      stablehlo.return %rhs : tensor<i32>
  }) {scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0],
      scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, indices_are_sorted = false, unique_indices = true}
      : (tensor<4x4xi32>, tensor<2x1xi32>, tensor<2x4xi32>) -> tensor<4x4xi32>
  return %v4 : tensor<4x4xi32>
}
"""


def test_a_destination_computed_from_a_constant_needs_that_constant(tmp_path: Path) -> None:
    """The constant that reaches the scatter is the broadcast of %c1: passing %c1 as an argument takes the
    constant away (before, only literal destinations were passed, the symptom stayed, and blame said 'not
    about constants': the wrong cause)."""
    finding, needs = _blame_text(_SCATTER_INTO_BROADCAST, tmp_path)
    assert finding.kind == "readwrite-constant"
    assert needs.constant is True, needs.words()
