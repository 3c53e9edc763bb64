"""A program fuzzir did not write, lowered to IREE's `input` phase: one dialect set for every frontend.

StableHLO, TOSA and linalg programs all reach the same linalg/tensor/arith form
after IREE's input conversion (`iree-compile --compile-to=input`, locations kept
with `--mlir-print-debuginfo`, so they still point into the user's file). The
value analysis (`value_facts`) and the constant-as-argument rewrite read that
form with the bindings instead of knowing each frontend's ops.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from fuzzir.diagnostics import first_error_line, first_line
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


def lower(text: str, filename: str, *, timeout: float = 60.0) -> Lowered:
    """`iree-compile --compile-to=input` on `text`; locations name `filename` (the user's file)."""
    with tempfile.TemporaryDirectory(prefix="fuzzir-lower-") as work:
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
        res = run_tool([tool, name, "--compile-to=input", "--mlir-print-debuginfo", "-o", out],
                       timeout=timeout, cwd=work)
        if not res.ok:
            why = first_error_line(res.stderr) or first_line(res.stderr) or "it failed"
            return Lowered(problem=f"IREE's input conversion failed: {why}")
        with open(out) as f:
            return Lowered(text=f.read())


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
