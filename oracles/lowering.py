"""A program fuzzir did not write, lowered to IREE's `input` phase: one dialect set for every frontend.

StableHLO, TOSA and linalg programs all reach the same linalg/tensor/arith form
after IREE's input conversion (`iree-compile --compile-to=input`, locations kept
with `--mlir-print-debuginfo`, so they still point into the user's file). The
value analysis (`value_facts`) and the constant-as-argument rewrite read that
form with the bindings instead of knowing each frontend's ops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from fuzzir import scratch
from fuzzir.diagnostics import first_error_line, first_line
from fuzzir.frontend_facts import FRONTEND_DIALECTS
from fuzzir.sandbox import run_tool, tool_path

_GENERALIZE = "builtin.module({kind}(linalg-generalize-named-ops))"


@dataclass(frozen=True)
class Lowered:
    """The input-phase IR of a program (`text`), or why there is none (`problem`)."""

    text: str = ""
    problem: str = ""


def _as_named(filename: str) -> str:
    """The path under `work` to write the program to, so that the compiler's locations say `filename`."""
    rel = os.path.normpath(filename) if filename and not os.path.isabs(filename) else ""
    if not rel or rel.startswith(os.pardir) or rel == ".":
        rel = os.path.basename(filename) or "program.mlir"
    return rel


def lower(text: str, filename: str, *, timeout: float = 60.0, debuginfo: bool = True) -> Lowered:
    """`iree-compile --compile-to=input` on `text`; locations name `filename` (the user's file) with `debuginfo`."""
    with scratch.temp_dir("lower") as work:
        name = _as_named(filename)
        if os.path.isabs(filename) and os.path.isfile(filename):
            with open(filename) as f:
                same = f.read() == text
            name = filename if same else name
        if not os.path.isabs(name):
            os.makedirs(os.path.dirname(os.path.join(work, name)), exist_ok=True)
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        out = os.path.join(work, "fuzzir-input-phase.mlir")
        try:
            tool = tool_path("iree-compile")
        except FileNotFoundError as e:
            return Lowered(problem=str(e))
        res = run_tool([tool, name, "--compile-to=input", *(["--mlir-print-debuginfo"] if debuginfo else []),
                        "-o", out], timeout=timeout, cwd=work)
        if not res.ok:
            why = first_error_line(res.stderr) or first_line(res.stderr) or "it failed"
            return Lowered(problem=f"IREE's input conversion failed: {why}")
        with open(out) as f:
            return Lowered(text=f.read())


def frontend_dialect(ir: object, module: object) -> str:
    """The first frontend dialect an op of `module` belongs to, or ''."""
    found: list[str] = []

    def visit(op: object) -> object:
        dialect = op.operation.name.partition(".")[0]
        if dialect in FRONTEND_DIALECTS:
            found.append(dialect)
            return ir.WalkResult.INTERRUPT
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found[0] if found else ""


def lower_frontend(text: str, filename: str, *, timeout: float = 60.0) -> Lowered:
    """A StableHLO/TOSA program as the plain linalg/tensor/util IR IREE's own tools read (the reducer
    registers no frontend dialect): the input phase without locations, frontend module attributes
    (`tosa.target_env`) dropped. A program with no frontend op comes back unchanged."""
    from iree.compiler import ir

    with ir.Context():
        try:
            if not frontend_dialect(ir, ir.Module.parse(text)):
                return Lowered(text=text)
        except Exception as e:  # noqa: BLE001 - MLIR's parse error
            return Lowered(problem=f"not valid MLIR: {first_line(str(e))}")
    lowered = lower(text, filename, timeout=timeout, debuginfo=False)
    if lowered.problem:
        return lowered
    with ir.Context():
        module = ir.Module.parse(lowered.text)
        attrs = module.operation.attributes
        for name in [a for a in attrs if a.partition(".")[0] in FRONTEND_DIALECTS]:
            del attrs[name]
        left = frontend_dialect(ir, module)
        if left:
            return Lowered(problem=f"IREE's input conversion left {left} ops in place")
        return Lowered(text=str(module))


def parse_lowered(ir: object, text: str, function: str, *, generalize: bool = True) -> tuple[object, object]:
    """(module, entry function) of input-phase IR, named linalg ops generalized when asked."""
    from iree.compiler.passmanager import PassManager

    module = ir.Module.parse(text)
    if generalize:
        kinds = {op.operation.name for op in module.body.operations} & {"util.func", "func.func"}
        for kind in sorted(kinds):
            PassManager.parse(_GENERALIZE.format(kind=kind)).run(module.operation)
    return module, entry_function(ir, module, function)


def entry_function(ir: object, module: object, function: str) -> object:
    for op in module.body.operations:
        if op.operation.name in ("util.func", "func.func") and "sym_name" in op.attributes:
            if ir.StringAttr(op.attributes["sym_name"]).value == function and len(op.regions[0].blocks):
                return op
    raise ValueError(f"no function @{function} in the input-phase IR")
