"""The `check` format: an e2e test for IREE's `tests/e2e/regression/`.

@main becomes a private callee of a no-argument test function that holds the
inputs as `util.unfoldable_constant`s (so they are not folded into the program)
and compares each result with `check.expect_eq` / `check.expect_almost_eq`.
"""

from __future__ import annotations

import re

from fuzzir.exports import ExportError, Format, register
from fuzzir.exports.commands import run_compare_flags
from fuzzir.exports.finding import FindingData, header, signature_types
from fuzzir.exports.values import dense_literal, is_float, tensor_type


def check_test_name(f: FindingData) -> str:
    """A function name from the signature: 'compile-error-3fa2…' -> 'compile_error_3fa2…'."""
    name = re.sub(r"\W", "_", f.record.signature or f.path.name)
    return name if re.match(r"[A-Za-z_]", name) else f"t_{name}"


def _tolerance(f: FindingData) -> str | None:
    for a in run_compare_flags(f):
        if a.startswith("--expected_f32_threshold="):
            return a.split("=", 1)[1]
    return None


def render(f: FindingData) -> str:
    """The test: @main inlined as a private callee, values as constants."""
    if not f.expected:
        raise ExportError(f"{f.path}: no expected<i>.npy: a check test needs the expected outputs")
    name = check_test_name(f)
    impl = f"{name}_main"
    program, n = re.subn(r"func\.func\s+(?:public\s+)?@main\b", f"func.func private @{impl}", f.program)
    if n != 1:
        raise ExportError(f"{f.path}: program.mlir has no single func.func @main")
    lines = header(f, "//")
    lines.append(f"// Compile flags of the finding: {' '.join([*f.target.compile_flags, *f.flags])}")
    if f.variant == "without":
        lines.append(f"// Note: the finding needs {f.removed_pass} removed; the stock compiler may pass.")
    lines += ["", program.rstrip("\n"), "", f"func.func @{name}() {{"]
    args, types = [], []
    declared = signature_types(f.program)[0]
    for i, x in enumerate(f.inputs):
        lines.append(f"  %input{i} = util.unfoldable_constant {dense_literal(x)} : {tensor_type(x)}")
        args.append(f"%input{i}")
        types.append(tensor_type(x))
        if i < len(declared) and "?" in declared[i]:  # a dynamic-shaped argument: cast the static value
            lines.append(f"  %cast{i} = tensor.cast %input{i} : {tensor_type(x)} to tensor<{declared[i]}>")
            args[-1], types[-1] = f"%cast{i}", f"tensor<{declared[i]}>"
    arg_types = ", ".join(types)
    res_types = ", ".join(tensor_type(x) for x in f.expected)
    results = "%result" if len(f.expected) == 1 else f"%result:{len(f.expected)}"
    lines.append(f"  {results} = func.call @{impl}({', '.join(args)}) : ({arg_types}) -> ({res_types})")
    tol = _tolerance(f)
    for j, e in enumerate(f.expected):
        ref = "%result" if len(f.expected) == 1 else f"%result#{j}"
        lines.append(f"  %expected{j} = arith.constant {dense_literal(e)} : {tensor_type(e)}")
        if f.exact or not is_float(e):
            lines.append(f"  check.expect_eq({ref}, %expected{j}) : {tensor_type(e)}")
        else:
            atol = f", atol {float(tol):.6e}" if tol is not None else ""
            lines.append(f"  check.expect_almost_eq({ref}, %expected{j}{atol}) : {tensor_type(e)}")
    lines += ["  return", "}", ""]
    return "\n".join(lines)


FORMAT = register(Format("check", "an e2e test for IREE's tests/e2e/regression/ (check.expect_*)", render))
