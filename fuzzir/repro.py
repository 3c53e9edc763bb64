"""`repro.sh`: the exact IREE commands that show a finding, with IREE's tools alone.

The script exits 1 while the finding's own symptom shows, 0 once it is gone, and
125 when the build cannot test it (a tool missing, a different failure first):
what `git bisect run` expects. It takes IREE's tools from IREE_COMPILE, IREE_OPT,
IREE_RUN_MODULE, else IREE_BUILD's tools/ or bin/, else PATH, and needs nothing of
fuzzir.

It does not rebuild the commands: it prints the argv the judge ran for the
reproducer cell (`CaseResult.commands`, built by `fuzzir.commands`), one
command per line, quoted by `commands.shell_line`, after copying program.mlir
and the .npy files from its own directory into a temporary work directory and
`cd`-ing there. IR findings check the stream phase IR the last compile step
dumps (`phases/*.stream.mlir`), as the IR oracles did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from fuzzir import commands as cmds
from fuzzir.findings import Finding, Observation, needs_run
from fuzzir.sandbox import DEFAULT_MEM_LIMIT_MB
from fuzzir.targets import TARGETS, Target

# What an IR finding leaves in the stream phase IR, where memory is decided (the IR oracle's verdict is
# made there too): a constant resource bound `rw` by a dispatch, or copied out into a resource a dispatch
# then writes. kind -> (comment, grep -E pattern, what reproduces, what is fixed)
_RW_CONSTANT = r"rw %[^:]*: !stream\.resource<constant>"
_CONSTANT_COPY = (r"stream\.cmd\.copy .*: !stream\.resource<constant>\{[^}]*\} -> "
                  r"!stream\.resource<(external|transient|variable|staging)>")
IR_CHECKS: dict[str, tuple[str, str, str, str]] = {
    "constant-copy": (
        "# A copy out of a constant resource into one a dispatch can write is a copy-on-write of a constant.",
        _CONSTANT_COPY,
        "the stream IR copies a constant resource out to write it",
        "no copy out of a constant resource",
    ),
    "readwrite-constant": (
        "# A dispatch binds a constant resource read-write, or writes a copy made of one.",
        f"{_RW_CONSTANT}|{_CONSTANT_COPY}",
        "a dispatch writes the constant (bound rw, or through a copy of it)",
        "no constant resource is bound rw or copied out",
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
        return [f'echo "cannot test: the results change between calls in one runtime context (meta.json), and '
                f'iree-run-module makes one call; on {target.name} no constant is mapped read-only"; exit {SKIP}']
    return ['if [ "$rc" -ge 128 ]; then echo "reproduces: iree-run-module faulted (exit status $rc) '
            'writing the module\'s read-only constant data"; exit 1; fi',
            f'if [ "$rc" -ne 0 ]; then echo "cannot test: iree-run-module exited $rc"; exit {SKIP}; fi',
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
    if needs_run(o.kind, o.stage):
        run = run_command(TARGETS[o.target], inputs, expected if o.kind == "miscompile" else [],
                          exact=exact, tolerances=tolerances, function=function)
        if o.kind == "mutated-constant":
            run.append("--module_mode=mmap")  # see MUTATED_LOCAL
        argvs.append(run)
    return script(o, argvs, iree_version), argvs


#: The tools a reproducer may call, and the variable that names each (`IREE_BUILD` covers all three).
TOOL_VARIABLES = {"iree-compile": "IREE_COMPILE", "iree-opt": "IREE_OPT", "iree-run-module": "IREE_RUN_MODULE"}
#: `git bisect run`'s reading of a reproducer's exit status.
GOOD, BAD, SKIP = 0, 1, 125
_PLACEHOLDER = re.compile(r"%v|@sym|<loc>|\bNx|0xH|`T`|\bN\b")
#: What a crash of an LLVM/MLIR tool prints besides dying of a signal.
_CRASH_TEXT = "LLVM ERROR|Assertion|Please report issues|Stack dump|Segmentation fault|terminate called"


def fragment(diagnostic: str) -> str:
    """The longest literal piece of a normalized diagnostic (between the placeholders normalization puts
    for names, numbers, shapes and locations): text any build that shows this failure prints verbatim."""
    pieces = [p.strip(" '\":;,.()") for p in _PLACEHOLDER.split(diagnostic)]
    return max(pieces, key=len, default="") if any(len(p) >= 8 for p in pieces) else ""


def _preamble(o: Observation, iree_version: str, tools: list[str]) -> list[str]:
    lines = [
        "#!/usr/bin/env bash",
        f"# fuzzir reproducer: {o.kind} on {o.target}, variant '{o.variant}' "
        f"(decoupling pass {'on' if o.variant == 'with' else 'removed'}), found with IREE {iree_version}.",
        f"# {o.message}",
        f"# Exit status, as `git bisect run` reads it: {GOOD} the symptom is absent (good), {BAD} it is present (bad),",
        f"# {SKIP} this build cannot test it (a tool missing, a flag it does not know, a different failure).",
        "# Which IREE: IREE_COMPILE, IREE_OPT, IREE_RUN_MODULE (paths), else IREE_BUILD (a build or install",
        "# tree: its tools/ or bin/), else PATH. Each command runs verbatim in a scratch copy of this directory.",
        'HERE="$(cd "$(dirname "$0")" && pwd)"',
        "_tool() {",
        '  local var="$1" name="$2" dir',
        '  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi',
        '  for dir in tools bin; do',
        '    if [ -n "${IREE_BUILD:-}" ] && [ -x "$IREE_BUILD/$dir/$name" ]; then',
        '      echo "$IREE_BUILD/$dir/$name"; return',
        '    fi',
        "  done",
        '  command -v "$name"',
        "}",
    ]
    for name in tools:
        var = TOOL_VARIABLES[name]
        bin_ = var + "_BIN"
        lines += [f'{bin_}="$(_tool {var} {name})"',
                  f'if [ -z "${bin_}" ] || [ ! -x "${bin_}" ]; then',
                  f'  echo "cannot test: {name} not found (set {var} or IREE_BUILD, or put it on PATH)"; exit {SKIP}',
                  "fi",
                  f'{name}() {{ "${bin_}" "$@"; }}']
    return lines


def script(o: Observation, argvs: list[list[str]], iree_version: str) -> str:
    """The reproducer of the symptom `o` that runs `argvs` (compile steps, then the run when it needs one).

    Each symptom is checked for itself, never "some command failed": a compile error by a fragment of its
    normalized diagnostic, a compiler crash by its signal or crash text (and the diagnostic where it is
    specific), wrong values by iree-run-module's comparison after the module ran, a runtime failure by its
    failure mode, a written constant by the stream IR; any other failure exits 125 (cannot test)."""
    # Older records name their files through the script's directory ($HERE/x); the work copy has them all.
    argvs = [[a.replace("$HERE/", "") for a in argv] for argv in argvs]
    run = argvs[-1] if argvs and argvs[-1][0] == "iree-run-module" else None
    compiles = argvs[:-1] if run is not None else argvs
    copies = " ".join(f'"$HERE/{f}"' for f in cmds.files_read(argvs))
    tools = [t for t in TOOL_VARIABLES if any(a[0] == t for a in argvs)]
    lines = _preamble(o, iree_version, tools) + [
        'WORK="$(mktemp -d)"',
        "trap 'rm -rf \"$WORK\"' EXIT",
        f'cp {copies} "$WORK"/ || exit {SKIP}',
        f'cd "$WORK" || exit {SKIP}',
    ]
    frag = fragment(o.diagnostic) if o.diagnostic else ""
    for i, cmd in enumerate(compiles):
        last = i == len(compiles) - 1
        line = cmds.shell_line(cmd)
        if o.kind in ("compile-error", "compiler-crash") and last:
            lines += ["{", line, "} 2> stderr.txt", "rc=$?", "cat stderr.txt >&2",
                      f'if [ "$rc" -eq 0 ]; then echo "fixed: iree-compile succeeded"; exit {GOOD}; fi']
            lines += _compile_failure(o, frag)
        elif o.kind == "oom" and o.stage == "compile" and last:
            lines += _under_watch(line, "iree-compile", _rss_limit(o))
        elif o.kind == "timeout" and o.stage == "compile" and last:
            lines += [f"timeout 300 {line}", "rc=$?",
                      f'if [ "$rc" -eq 124 ]; then echo "reproduces: iree-compile ran over 300 s"; exit {BAD}; fi',
                      f'if [ "$rc" -ne 0 ]; then echo "cannot test: iree-compile failed (exit $rc)"; exit {SKIP}; fi',
                      f'echo "fixed: iree-compile finished"; exit {GOOD}']
        else:
            lines += [line, f'if [ "$?" -ne 0 ]; then echo "cannot test: a compile step failed"; exit {SKIP}; fi']
    if o.kind in IR_CHECKS:
        comment, pattern, what, fixed = IR_CHECKS[o.kind]
        lines += [
            comment,
            f"set -- {cmds.PHASES_DIR}/*.stream.mlir",
            f'if [ ! -f "$1" ]; then echo "cannot test: no stream phase IR was dumped"; exit {SKIP}; fi',
            f"if grep -Eq {cmds.shell_line([pattern])} \"$@\"; then",
            f'  echo "reproduces: {what}"; exit {BAD}', "fi",
            f'echo "fixed: {fixed}"; exit {GOOD}']
    if run is not None and o.kind == "oom":
        lines += _under_watch(cmds.shell_line(run), "iree-run-module", _rss_limit(o))
    elif run is not None:
        lines += _run_check(o, run, frag)
    return "\n".join(lines) + "\n"


_LIMIT = re.compile(r"limit of (\d+) MiB")


def _rss_limit(o: Observation) -> int:
    """The resident-memory limit (MiB) an `oom` finding's tool was killed above, as its message says."""
    m = _LIMIT.search(o.message)
    return int(m.group(1)) if m else DEFAULT_MEM_LIMIT_MB


def _under_watch(line: str, what: str, limit_mb: int) -> list[str]:
    """Run `line` in the background, watching its resident memory (and its children's) the way fuzzir's
    `--rss-limit-mb` does: reproduces when it goes above `limit_mb`, fixed when it ends below."""
    kids = '$(cat /proc/"$job"/task/*/children 2>/dev/null)'
    return [
        f"{{ {line}; }} > out.txt 2>&1 &", "job=$!", "peak=0",
        'while kill -0 "$job" 2>/dev/null; do',
        f'  for p in "$job" {kids}; do',
        "    kb=$(awk '/^VmRSS:/{print $2}' /proc/\"$p\"/status 2>/dev/null)",
        '    if [ -n "$kb" ] && [ "$kb" -gt "$peak" ]; then peak=$kb; fi',
        "  done",
        f'  if [ "$peak" -gt {limit_mb * 1024} ]; then kill -9 "$job" {kids} 2>/dev/null',
        f'    echo "reproduces: {what} went above {limit_mb} MiB resident"; exit {BAD}; fi',
        "  sleep 0.05",
        "done",
        'wait "$job"; rc=$?', "cat out.txt",
        f'echo "fixed: {what} stayed under {limit_mb} MiB resident (exit $rc)"; exit {GOOD}']


def _compile_failure(o: Observation, frag: str) -> list[str]:
    """After a failed last compile step (rc, stderr.txt): is it this compile error or this crash?"""
    crashed = f'{{ [ "$rc" -ge 128 ] || grep -Eq {cmds.shell_line([_CRASH_TEXT])} stderr.txt; }}'
    has = f"grep -qF -- {cmds.shell_line([frag])} stderr.txt" if frag else "true"
    if o.kind == "compile-error":
        return [f'if {crashed}; then echo "cannot test: iree-compile crashed instead (exit $rc)"; exit {SKIP}; fi',
                f'if {has}; then echo "reproduces: the compile error ({frag or "any"})"; exit {BAD}; fi',
                f'echo "cannot test: iree-compile failed with another error (exit $rc)"; exit {SKIP}']
    generic = not frag or "Please report issues" in o.diagnostic
    signal = (f'[ "$rc" -eq {128 + o.signal} ] || ' if o.signal and o.signal > 0 else "")
    site = "true" if generic else has
    return [f'if {crashed} && {{ {signal}{site}; }}; then echo "reproduces: iree-compile crashed (exit $rc)"; '
            f"exit {BAD}; fi",
            f'if {crashed}; then echo "cannot test: iree-compile crashed elsewhere (exit $rc)"; exit {SKIP}; fi',
            f'echo "cannot test: iree-compile failed without crashing (exit $rc)"; exit {SKIP}']


def _run_check(o: Observation, run: list[str], frag: str) -> list[str]:
    """The run line and the check of its symptom (rc, out.txt)."""
    prefix = "timeout 300 " if o.kind == "timeout" else ""
    lines = ["{", f"{prefix}{cmds.shell_line(run)}", "} > out.txt 2>&1", "rc=$?", "cat out.txt"]
    if o.kind == "miscompile":
        return lines + [f'if [ "$rc" -eq 0 ]; then echo "fixed: outputs match"; exit {GOOD}; fi',
                        "if grep -q '^\\[FAILED\\] result\\[' out.txt; then "
                        f'echo "reproduces: outputs differ from the expected ones"; exit {BAD}; fi',
                        f'echo "cannot test: iree-run-module failed before comparing (exit $rc)"; exit {SKIP}']
    if o.kind == "timeout":
        return lines + [f'if [ "$rc" -eq 124 ]; then echo "reproduces: the run took over 300 s"; exit {BAD}; fi',
                        f'if [ "$rc" -ne 0 ]; then echo "cannot test: the run failed (exit $rc)"; exit {SKIP}; fi',
                        f'echo "fixed"; exit {GOOD}']
    if o.kind == "mutated-constant":
        return lines + _mutated_lines(TARGETS[o.target])
    has = f"grep -qF -- {cmds.shell_line([frag])} out.txt" if frag else "true"
    crash = '[ "$rc" -ge 128 ]' if o.kind == "runtime-crash" else "false"
    return lines + [f'if [ "$rc" -eq 0 ]; then echo "fixed: the module ran"; exit {GOOD}; fi',
                    f'if {crash} || {has}; then echo "reproduces: iree-run-module failed (exit $rc)"; exit {BAD}; fi',
                    f'echo "cannot test: iree-run-module failed another way (exit $rc)"; exit {SKIP}']
