"""`repro.sh`: the exact IREE commands that show a finding, with IREE's tools alone.

The script exits 1 while the bug reproduces, 0 once it is gone, and 2 when
the program fails in some other way (it then no longer shows *this* bug).
It needs `iree-compile`, `iree-opt` and `iree-run-module` on PATH (the
`iree-base-compiler` and `iree-base-runtime` wheels) and nothing of fuzzir.
"""

from __future__ import annotations

import shlex

import numpy as np

from fuzzir.findings import IR_KINDS, Finding, Observation
from fuzzir.pipeline import ablated_pipeline
from fuzzir.runner import EXACT_VALUE_FLAGS
from fuzzir.targets import TARGETS, Target


def pick_observation(finding: Finding) -> Observation:
    """The cell a reproducer replays: the stock compiler (`with`) when it shows the bug."""
    for o in finding.observations:
        if o.variant == "with":
            return o
    return finding.observations[0]


def compile_commands(target: Target, variant: str, flags: tuple[str, ...], pass_name: str,
                     src: str, stop_after: str | None) -> list[list[str]]:
    """argv lists compiling `src` to module.vmfb (or to `stop_after` IR as ir.mlir)."""
    base = ["iree-compile", *target.compile_flags, *flags]
    out = ["-o", "ir.mlir"] if stop_after else ["-o", "module.vmfb"]
    tail = [f"--compile-to={stop_after}"] if stop_after else []
    if variant == "with":
        return [[*base, *tail, src, *out]]
    pipeline = ablated_pipeline(target, flags, pass_name)
    return [
        [*base, "--compile-to=preprocessing", src, "-o", "preprocessing.mlir"],
        ["iree-opt", f"--pass-pipeline={pipeline}", "preprocessing.mlir", "-o", "global-opt.mlir"],
        [*base, "--compile-from=global-optimization", *tail, "global-opt.mlir", *out],
    ]


def run_command(target: Target, n_inputs: int, n_outputs: int, exact: bool,
                tolerance: float | None) -> list[str]:
    argv = ["iree-run-module", f"--device={target.driver}", "--module=module.vmfb", "--function=main"]
    argv += [f"--input=@$HERE/input{i}.npy" for i in range(n_inputs)]
    argv += [f"--expected_output=@$HERE/expected{i}.npy" for i in range(n_outputs)]
    if exact:
        argv += list(EXACT_VALUE_FLAGS)  # zero tolerance; -0.0 == 0.0 and NaN == NaN, as the oracle judges
    elif tolerance is not None:
        argv += [f"--expected_f32_threshold={tolerance:.3g}", f"--expected_f16_threshold={tolerance:.3g}",
                 "--expected_rtol=0"]
    return argv


def _sh(argv: list[str]) -> str:
    # $HERE must expand, so those words are double-quoted rather than single-quoted.
    return " ".join(f'"{a}"' if "$HERE" in a else shlex.quote(a) for a in argv)


def build(finding: Finding, *, n_inputs: int, n_outputs: int, exact: bool,
          tolerances: list[np.ndarray | None], pass_name: str, iree_version: str) -> tuple[str, list[str]]:
    """The script text and the command lines it runs (for meta.json and reports)."""
    o = pick_observation(finding)
    target = TARGETS[o.target]
    ir_kind = o.kind in IR_KINDS
    compiles = compile_commands(target, o.variant, o.flags, pass_name, "$HERE/program.mlir",
                                "stream" if ir_kind else None)
    lines = [
        "#!/usr/bin/env bash",
        f"# fuzzir reproducer: {o.kind} on {o.target}, variant '{o.variant}' "
        f"(decoupling pass {'on' if o.variant == 'with' else 'removed'}), IREE {iree_version}.",
        f"# {o.message}",
        "# Exits 1 while the bug reproduces, 0 when it is gone, 2 when the program fails otherwise.",
        'HERE="$(cd "$(dirname "$0")" && pwd)"',
        'WORK="$(mktemp -d)"',
        "trap 'rm -rf \"$WORK\"' EXIT",
        'cd "$WORK" || exit 2',
    ]
    shown = [_sh(c) for c in compiles]
    for i, cmd in enumerate(compiles):
        last = i == len(compiles) - 1
        if o.kind in ("compile-error", "compiler-crash") and last:
            lines += [f"{_sh(cmd)} 2> stderr.txt", "rc=$?", "cat stderr.txt >&2",
                      'if [ "$rc" -ne 0 ]; then echo "reproduces: iree-compile exited $rc"; exit 1; fi',
                      'echo "fixed: iree-compile succeeded"; exit 0']
        elif o.kind == "timeout" and o.op == "compile" and last:
            lines += [f"timeout 300 {_sh(cmd)}", "rc=$?",
                      'if [ "$rc" -eq 124 ]; then echo "reproduces: iree-compile ran over 300 s"; exit 1; fi',
                      'echo "fixed: iree-compile finished (exit $rc)"; exit 0']
        else:
            lines.append(f'{_sh(cmd)} || {{ echo "changed: a compile step failed"; exit 2; }}')
    if o.kind == "constant-copy":
        lines += [
            "# A copy whose source is a constant resource is a copy-on-write of a constant.",
            "if grep -Eq 'stream\\.(cmd\\.copy|async\\.clone|async\\.copy).*!stream\\.resource<constant>' "
            "ir.mlir; then",
            '  echo "reproduces: the stream IR copies a constant resource"; exit 1', "fi",
            'echo "fixed: no copy of a constant resource"; exit 0']
    elif o.kind == "readwrite-constant":
        lines += [
            "# In this program only a constant can be tied to a dispatch result: any readwrite binding is it.",
            "if grep -q 'dispatch.tensor<readwrite:' ir.mlir; then",
            '  echo "reproduces: a dispatch binds the constant readwrite"; exit 1', "fi",
            'echo "fixed: no readwrite binding"; exit 0']
    elif o.kind in ("miscompile", "runtime-error", "runtime-crash") or (
            o.kind == "timeout" and o.op != "compile"):
        finite = [float(np.max(t)) for t in tolerances if t is not None and np.size(t)]
        run = run_command(target, n_inputs, n_outputs if o.kind == "miscompile" else 0, exact,
                          max(finite) if finite else None)
        shown.append(_sh(run))
        prefix = "timeout 300 " if o.kind == "timeout" else ""
        lines += [f"{prefix}{_sh(run)}", "rc=$?"]
        if o.kind == "miscompile":
            lines += ['if [ "$rc" -ne 0 ]; then echo "reproduces: outputs differ from expected*.npy"; exit 1; fi',
                      'echo "fixed: outputs match"; exit 0']
        elif o.kind == "timeout":
            lines += ['if [ "$rc" -eq 124 ]; then echo "reproduces: the run took over 300 s"; exit 1; fi',
                      'echo "fixed"; exit 0']
        else:
            lines += ['if [ "$rc" -ne 0 ]; then echo "reproduces: iree-run-module exited $rc"; exit 1; fi',
                      'echo "fixed: the module ran"; exit 0']
    return "\n".join(lines) + "\n", shown
