"""The rebuilt global-optimization pipeline must equal the stock phase, minus one pass."""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator

import pytest
from iree.compiler import ir

from fuzzir import pipeline
from fuzzir.pipeline import (
    DETACH_PASS,
    PassNotFound,
    ablated_pipeline,
    global_opt_pipeline,
    iree_compiler_version,
    parse_pass_headers,
    render_pipeline,
)
from fuzzir.sandbox import run_tool, tool_path
from fuzzir.targets import TARGETS

MATMUL = """\
func.func @main(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %cst = arith.constant dense<1.0> : tensor<4x16xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x16xf32>)
                     outs(%cst : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}
"""

CPU = TARGETS["llvm-cpu"]


def _tool(argv: list[str], cwd: str) -> str:
    res = run_tool([tool_path(argv[0]), *argv[1:]], timeout=60, cwd=cwd)
    assert res.ok, res.stderr[-2000:]
    return res.stdout


def _preprocess(tmp: str, text: str) -> str:
    with open(os.path.join(tmp, "prog.mlir"), "w") as f:
        f.write(text)
    _tool(["iree-compile", *CPU.compile_flags, "--compile-to=preprocessing", "prog.mlir",
           "-o", "pre.mlir"], tmp)
    return os.path.join(tmp, "pre.mlir")


def _run_pipeline(tmp: str, text: str, out: str) -> str:
    _tool(["iree-opt", f"--pass-pipeline={text}", "pre.mlir", "-o", out], tmp)
    return os.path.join(tmp, out)


def _normalized(tmp: str, path: str) -> str:
    """Print through iree-opt with no passes so alias/attribute printing is identical."""
    return _tool(["iree-opt", path], tmp)


def _walk(op: ir.Operation) -> Iterator[ir.Operation]:
    yield op
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                yield from _walk(child.operation)


def _defining_op(value: ir.Value) -> ir.Operation | None:
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    return owner.operation if isinstance(owner, ir.OpView) else owner


def _producer(value: ir.Value) -> str:
    op = _defining_op(value)
    return "<block-arg>" if op is None else op.name


def test_ablated_differs_exactly_by_the_pass() -> None:
    stock = global_opt_pipeline(CPU)
    ablated = ablated_pipeline(CPU)
    assert stock.startswith("builtin.module(") and "iree-hal-" not in stock
    assert "iree-op-pipeline-adaptor" not in stock
    assert stock.count(DETACH_PASS) >= 1 and DETACH_PASS not in ablated
    assert stock.replace(f"{DETACH_PASS},", "").replace(f",{DETACH_PASS}", "") == ablated


def test_bogus_pass_raises() -> None:
    with pytest.raises(PassNotFound, match="no-such-pass"):
        ablated_pipeline(CPU, (), "no-such-pass")


@pytest.mark.parametrize("program", ["matmul", "initializer"])
def test_stock_rebuild_reproduces_compiler(tmp_path, program: str) -> None:
    # The probe keeps a util.initializer alive through the phase: checks those nests too.
    text = MATMUL if program == "matmul" else pipeline.PROBE_PROGRAM
    tmp = str(tmp_path)
    _preprocess(tmp, text)
    _tool(["iree-compile", *CPU.compile_flags, "--compile-to=global-optimization", "prog.mlir",
           "-o", "stock.mlir"], tmp)
    rebuilt = _run_pipeline(tmp, global_opt_pipeline(CPU), "rebuilt.mlir")
    assert _normalized(tmp, rebuilt) == _normalized(tmp, os.path.join(tmp, "stock.mlir"))


def test_ablation_is_real(tmp_path) -> None:
    tmp = str(tmp_path)
    _preprocess(tmp, MATMUL)
    ctx = ir.Context()
    outs: dict[str, str] = {}
    for name, text in (("with", global_opt_pipeline(CPU)), ("without", ablated_pipeline(CPU))):
        with open(_run_pipeline(tmp, text, f"{name}.mlir")) as f:
            module = ir.Module.parse(f.read(), ctx)
        matmuls = [op for op in _walk(module.operation) if op.name == "linalg.matmul"]
        assert len(matmuls) == 1
        init = matmuls[0].operands[2]  # outs operand
        outs[name] = _producer(init)
        if name == "with":
            fill = _defining_op(init)
            assert fill is not None
            assert [_producer(v) for v in fill.operands] == ["arith.constant", "tensor.empty"]
    assert outs == {"with": "linalg.fill", "without": "arith.constant"}


def test_disk_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    pipeline._structure.cache_clear()
    try:
        text = global_opt_pipeline(TARGETS["vmvx"], ("--iree-opt-const-eval=true",))
        files = glob.glob(str(tmp_path / "fuzzir" / "global-opt-*.json"))
        assert len(files) == 1
        with open(files[0]) as f:
            record = json.load(f)
        assert record["pipeline"] == text
        assert record["iree_compiler_version"] == iree_compiler_version()
        pipeline._structure.cache_clear()
        # Served from disk: the same text without deriving it again.
        assert global_opt_pipeline(TARGETS["vmvx"], ("--iree-opt-const-eval=true",)) == text
        assert not glob.glob(str(tmp_path / "fuzzir" / ".tmp-*"))
    finally:
        pipeline._structure.cache_clear()


def test_parse_pass_headers_groups_nests() -> None:
    h = "// -----// IR Dump After {cls}: {arg} ('{anchor}' operation{sym}) //----- //"
    lines = [
        h.format(cls="A", arg="iree-hal-assign-target-devices{targetDevices={local}}",
                 anchor="builtin.module", sym=""),
        h.format(cls="B", arg="p1", anchor="util.func", sym=": @f"),
        h.format(cls="C", arg="p2{x=1 y=2}", anchor="util.func", sym=": @f"),
        h.format(cls="B", arg="p1", anchor="util.func", sym=": @g"),
        h.format(cls="C", arg="p2{x=1 y=2}", anchor="util.func", sym=": @g"),
        h.format(cls="B", arg="p1", anchor="util.initializer", sym=""),
        h.format(cls="C", arg="p2{x=1 y=2}", anchor="util.initializer", sym=""),
        h.format(cls="D", arg="iree-op-pipeline-adaptor", anchor="builtin.module", sym=""),
        h.format(cls="E", arg="m1", anchor="builtin.module", sym=""),
        "%0 = some.ir",
    ]
    items = parse_pass_headers("\n".join(lines))
    assert render_pipeline(items) == (
        "builtin.module(util.func(p1,p2{x=1 y=2}),util.initializer(p1,p2{x=1 y=2}),m1)"
    )
