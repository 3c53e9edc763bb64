"""The TOSA generator (`fuzzir.generators.tosa`): determinism, and that its programs compile with IREE,
run on the TOSA reference model, and put constants in linalg destinations by IREE's own input conversion."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

from fuzzir import tosa_tools
from fuzzir.generators.tosa import FRONTEND, generate
from fuzzir.oracles.lowering import lower
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.source import destinations, init_kind, read_source
from fuzzir.tosa_program import read_tosa

SEEDS = range(30)
_CONSTANT_KINDS = ("splat", "nonsplat", "large", "global")


def constant_destinations(lowered: str) -> tuple[int, int]:
    """(linalg destinations that are constants, destinations computed only from constants and not a plain
    fill) in input-phase IR: the bias a conv writes into is a broadcast of a constant, not a constant."""
    from iree.compiler import ir

    from fuzzir.mlir_walk import module_globals, walk_ops

    def constant_only(value: object, depth: int = 0) -> bool:
        owner = value.owner
        if isinstance(owner, ir.Block) or depth > 32:
            return False
        return all(constant_only(v, depth + 1) for v in owner.operands)

    def has_constant(value: object, depth: int = 0) -> bool:
        owner = value.owner
        if isinstance(owner, ir.Block) or depth > 32:
            return False
        if owner.operation.name == "arith.constant" and str(owner.results[0].type).startswith("tensor<"):
            return True
        return any(has_constant(v, depth + 1) for v in owner.operands)

    constants = derived = 0
    with ir.Context():
        module = ir.Module.parse(lowered)
        globals_ = module_globals(ir, module)
        for op in walk_ops(module):
            if op.operation.name in ("linalg.fill", "linalg.transpose", "linalg.generic") and not (
                    op.operation.name == "linalg.generic" and any("reduction" in str(a) for a in [
                        op.attributes["iterator_types"]])):
                continue  # a fill, a weight transpose, an elementwise broadcast: not an accumulating op
            for dest in destinations(ir, op):
                kind = init_kind(ir, dest, globals_)
                if kind in _CONSTANT_KINDS:
                    constants += 1
                elif constant_only(dest) and has_constant(dest):
                    derived += 1
    return constants, derived


def test_the_generator_is_deterministic_and_writes_tosa_the_reference_reads() -> None:
    assert FRONTEND == "tosa"
    texts = [generate(seed) for seed in range(8)]
    assert texts == [generate(seed) for seed in range(8)]  # same seed, same bytes
    assert len(set(texts)) == len(texts)
    for text in texts:
        program = read_tosa(text, "main")
        assert program.problem == "", program.problem
        assert any(op in program.ops for op in ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.transpose_conv2d"))


def test_max_ops_bounds_the_blocks() -> None:
    for seed in range(10):
        program = read_tosa(generate(seed, max_ops=1), "main")
        blocks = [op for op in program.ops if op in ("tosa.conv2d", "tosa.depthwise_conv2d", "tosa.transpose_conv2d",
                                                      "tosa.matmul", "tosa.avg_pool2d", "tosa.max_pool2d",
                                                      "tosa.reduce_sum", "tosa.reduce_max")]
        assert len(blocks) == 1, (seed, program.ops)


def _inputs(text: str) -> list[np.ndarray]:
    source = read_source(text, filename="gen.mlir")
    rng = np.random.default_rng(0)
    return [rng.integers(-4, 5, size=a.shape).astype(np.int8 if a.dtype == "i8" else np.float32)
            for a in source.args]


@pytest.mark.slow
def test_every_program_compiles_runs_on_the_reference_and_most_write_into_constants() -> None:
    tools = tosa_tools.find_tools()
    assert not isinstance(tools, str), tools
    with_constant = 0
    for seed in SEEDS:
        text = generate(seed)
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "gen.mlir")
            with open(path, "w") as f:
                f.write(text)
            res = run_tool([tool_path("iree-compile"), "--iree-hal-target-device=local",
                            "--iree-hal-local-target-device-backends=llvm-cpu", path, "-o",
                            os.path.join(work, "gen.vmfb")], timeout=300)
            assert res.ok, (seed, res.stderr[-2000:])
            program = read_tosa(text, "main")
            assert tosa_tools.serialize(tools, program.text, work, 60) == "", seed
            run = tosa_tools.run_reference(tools, work, _inputs(text), len(program.rules), 60)
            assert run.status == tosa_tools.VALID, (seed, run.error)
        lowered = lower(text, "gen.mlir")
        assert not lowered.problem, (seed, lowered.problem)
        constants, derived = constant_destinations(lowered.text)
        with_constant += bool(constants or derived)
    share = with_constant / len(SEEDS)
    print(f"TOSA generator: {with_constant}/{len(SEEDS)} programs ({share:.0%}) have a constant, or a value "
          "computed only from constants, in a linalg destination at IREE's input phase")
    assert share >= 0.8
