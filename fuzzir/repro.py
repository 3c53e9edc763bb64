"""`repro.sh`: the exact IREE commands that show a finding, with IREE's tools alone.

The script exits 1 while the bug reproduces, 0 once it is gone, and 2 when
the program fails in some other way (it then no longer shows *this* bug).
It needs `iree-compile`, `iree-opt` and `iree-run-module` on PATH (the
`iree-base-compiler` and `iree-base-runtime` wheels) and nothing of fuzzir.

It does not rebuild the commands: it prints the argv the judge ran for the
reproducer cell (`CaseResult.commands`, built by `fuzzir.commands`), one
command per line, quoted by `commands.shell_line`, after copying program.mlir
and the .npy files from its own directory into a temporary work directory and
`cd`-ing there. IR findings check the stream phase IR the last compile step
dumps (`phases/*.stream.mlir`), as the IR oracles did.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fuzzir import commands as cmds
from fuzzir.findings import Finding, needs_run
from fuzzir.targets import TARGETS, Target

# What an IR finding leaves in the stream phase IR.
# kind -> (comment, grep -E pattern, what reproduces, what is fixed)
IR_CHECKS: dict[str, tuple[str, str, str, str]] = {
    "constant-copy": (
        "# A copy whose source is a constant resource is a copy-on-write of a constant.",
        r"stream\.(cmd\.copy|async\.clone|async\.copy).*!stream\.resource<constant>",
        "the stream IR copies a constant resource",
        "no copy of a constant resource",
    ),
    "readwrite-constant": (
        "# In this program only a constant can be tied to a dispatch result: any readwrite binding is it.",
        r"dispatch\.tensor<readwrite:",
        "a dispatch binds the constant readwrite",
        "no readwrite binding",
    ),
}
#: kind -> the grep -E pattern alone, for the exports' RUN lines.
IR_PATTERNS: dict[str, str] = {kind: check[1] for kind, check in IR_CHECKS.items()}


#: A `mutated-constant` finding (results that change between calls, `oracles.run_twice`) needs two
#: calls in one context, which iree-run-module does not make. On the local drivers it has another
#: face IREE's tools show in one call: with --module_mode=mmap the module's constants stay in the
#: read-only file mapping, and a dispatch that writes one faults (checked on 3.13 with IREE's
#: narrow-N matvec, llvm-cpu and vmvx). A GPU copies constants to device memory: no fault there.
MUTATED_LOCAL = ("local-task", "local-sync")


def _mutated_lines(target: Target) -> list[str]:
    """The end of a `mutated-constant` reproducer, after its run line (exit status in $rc)."""
    if target.driver not in MUTATED_LOCAL:
        return ['echo "cannot show: the results change between calls in one runtime context (meta.json), and '
                f'iree-run-module makes one call; on {target.name} no constant is mapped read-only"; exit 2']
    return ['if [ "$rc" -ge 128 ]; then echo "reproduces: iree-run-module faulted (exit status $rc) '
            'writing the module\'s read-only constant data"; exit 1; fi',
            'if [ "$rc" -ne 0 ]; then echo "changed: iree-run-module exited $rc"; exit 2; fi',
            'echo "fixed: the module ran with its constants mapped read-only"; exit 0']


def compile_commands(target: Target, variant: str, flags: tuple[str, ...], pass_name: str,
                     src: str, stop_after: str | None) -> list[list[str]]:
    """Deprecated: the chain of `fuzzir.commands` without phase dumps, reading `src`.

    Kept for fuzzir.exports.commands' fallback (records without `commands`); with stop_after the
    last step stops at that phase and writes ir.mlir instead of module.vmfb.
    """
    steps = cmds.compile_steps(target, variant, flags, pass_name=pass_name, dump_phases=False)
    steps = [[src if a == cmds.PROGRAM else a for a in argv] for argv in steps]
    if stop_after:
        steps[-1] = [*steps[-1][:-3], f"--compile-to={stop_after}", steps[-1][-3], "-o", "ir.mlir"]
    return steps


def run_command(target: Target, inputs: Sequence[np.ndarray], expected: Sequence[np.ndarray], *,
                exact: bool, tolerances: Sequence[np.ndarray | None], function: str = "main") -> list[str]:
    """The reproducer's iree-run-module argv: the judge's run step against expected<i> files."""
    finite = [float(np.max(t)) for t in tolerances if t is not None and np.size(t)]
    return cmds.repro_run_step(target, inputs, expected, exact=exact, tolerance=max(finite) if finite else None,
                               function=function)


def build(finding: Finding, *, compiles: list[list[str]], inputs: Sequence[np.ndarray],
          expected: Sequence[np.ndarray], exact: bool, tolerances: Sequence[np.ndarray | None],
          iree_version: str, function: str = "main") -> tuple[str, list[list[str]]]:
    """The script text and the argv lists it runs, verbatim (for meta.json and reports).

    compiles: the compile argv the judge ran in the reproducer cell; function: the entry it runs.
    """
    o = finding.repro_observation()
    argvs = [list(c) for c in compiles]
    run: list[str] | None = None
    if needs_run(o.kind, o.stage):
        run = run_command(TARGETS[o.target], inputs, expected if o.kind == "miscompile" else [],
                          exact=exact, tolerances=tolerances, function=function)
        if o.kind == "mutated-constant":
            run.append("--module_mode=mmap")  # see MUTATED_LOCAL
        argvs.append(run)
    copies = " ".join(f'"$HERE/{f}"' for f in cmds.files_read(argvs))
    lines = [
        "#!/usr/bin/env bash",
        f"# fuzzir reproducer: {o.kind} on {o.target}, variant '{o.variant}' "
        f"(decoupling pass {'on' if o.variant == 'with' else 'removed'}), IREE {iree_version}.",
        f"# {o.message}",
        "# Exits 1 while the bug reproduces, 0 when it is gone, 2 when the program fails otherwise.",
        "# Each command runs verbatim in a scratch copy of this directory (meta.json `commands`).",
        'HERE="$(cd "$(dirname "$0")" && pwd)"',
        'WORK="$(mktemp -d)"',
        "trap 'rm -rf \"$WORK\"' EXIT",
        f'cp {copies} "$WORK"/ || exit 2',
        'cd "$WORK" || exit 2',
    ]
    for i, cmd in enumerate(compiles):
        last = i == len(compiles) - 1
        line = cmds.shell_line(cmd)
        if o.kind in ("compile-error", "compiler-crash") and last:
            lines += [line, "rc=$?",
                      'if [ "$rc" -ne 0 ]; then echo "reproduces: iree-compile exited $rc"; exit 1; fi',
                      'echo "fixed: iree-compile succeeded"; exit 0']
        elif o.kind == "timeout" and o.stage == "compile" and last:
            lines += [f"timeout 300 {line}", "rc=$?",
                      'if [ "$rc" -eq 124 ]; then echo "reproduces: iree-compile ran over 300 s"; exit 1; fi',
                      'echo "fixed: iree-compile finished (exit $rc)"; exit 0']
        else:
            lines += [line, 'if [ "$?" -ne 0 ]; then echo "changed: a compile step failed"; exit 2; fi']
    if o.kind in IR_CHECKS:
        comment, pattern, what, fixed = IR_CHECKS[o.kind]
        lines += [
            comment,
            f"set -- {cmds.PHASES_DIR}/*.stream.mlir",
            'if [ ! -f "$1" ]; then echo "changed: no stream phase IR was dumped"; exit 2; fi',
            f"if grep -Eq {cmds.shell_line([pattern])} \"$@\"; then",
            f'  echo "reproduces: {what}"; exit 1', "fi",
            f'echo "fixed: {fixed}"; exit 0']
    if run is not None:
        prefix = "timeout 300 " if o.kind == "timeout" else ""
        lines += [f"{prefix}{cmds.shell_line(run)}", "rc=$?"]
        if o.kind == "miscompile":
            lines += ['if [ "$rc" -ne 0 ]; then echo "reproduces: outputs differ from the expected ones"; exit 1; fi',
                      'echo "fixed: outputs match"; exit 0']
        elif o.kind == "timeout":
            lines += ['if [ "$rc" -eq 124 ]; then echo "reproduces: the run took over 300 s"; exit 1; fi',
                      'echo "fixed"; exit 0']
        elif o.kind == "mutated-constant":
            lines += _mutated_lines(TARGETS[o.target])
        else:
            lines += ['if [ "$rc" -ne 0 ]; then echo "reproduces: iree-run-module exited $rc"; exit 1; fi',
                      'echo "fixed: the module ran"; exit 0']
    return "\n".join(lines) + "\n", argvs
