"""The repro cell's commands, cleaned for a lit test (a pipe) or a bug report (named files).

`record.commands` holds the argv lists the reproducer cell ran. Besides the
compile itself they carry what only fuzzir needs: phase dumps
(`--dump-compilation-phases-to=DIR`), IR printing flags (`--mlir-print-debuginfo`,
`--mlir-elide-elementsattrs-if-larger=N`, which must never reach a step whose
output is compiled further), `-o` outputs and file names of fuzzir's work
directory (`"$HERE/program.mlir"` in schema 1; `program.mlir` and intermediate
`.mlir` files now). Those are dropped and the steps rewired: a lit test pipes
each step into the next (`%s`, then `-`); a report names its files. Where a
finding stores no compile steps, or stops short of the end of a `without`
chain (a step failed), the missing steps come from `fuzzir.repro.compile_commands`
with the record's removed pass.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass

import numpy as np

from fuzzir.exports.finding import ExportError, FindingData
from fuzzir.exports.values import is_float, run_value
from fuzzir.findings import IR_KINDS, needs_run
from fuzzir.repro import IR_PATTERNS

COMPILE_TOOLS = ("iree-compile", "iree-opt")
# fuzzir's bookkeeping: side files, and printing choices that do not change what is compiled.
_DROPPED_PREFIXES = ("--dump-compilation-phases-to=", "--mlir-elide-elementsattrs-if-larger=")
_DROPPED = ("--mlir-print-debuginfo",)
_DROPPED_WITH_VALUE = ("--dump-compilation-phases-to", "--mlir-elide-elementsattrs-if-larger")
# Marks where a step reads its input; replaced by `%s`, `-` or a file name.
_INPUT = "\0input"
# A value longer than this is referenced as a .npy file in issue reports instead of inlined.
INLINE_VALUE_CHARS = 4000


@dataclass
class Step:
    """One compile step: tool and flags with `_INPUT` where it reads, and the file it wrote."""

    argv: list[str]
    output: str | None


def _clean(argv: list[str]) -> Step:
    """A stored argv without outputs and bookkeeping flags; its (first) input becomes `_INPUT`."""
    out = [os.path.basename(argv[0])]
    output = None
    has_input = False
    args = iter(argv[1:])
    for a in args:
        if a == "-o" or a in _DROPPED_WITH_VALUE:
            value = next(args, None)
            output = value if a == "-o" else output
        elif a.startswith(("-o=", "--o=")) or (a.startswith("-o") and not a.startswith("--")):
            output = a.split("=", 1)[1] if "=" in a else a[2:]
        elif a.startswith(_DROPPED_PREFIXES) or a in _DROPPED:
            continue
        elif (a == "-" or not a.startswith("-")) and not has_input:
            out.append(_INPUT)
            has_input = True
        else:
            out.append(a)
    if not has_input:
        out.append(_INPUT)
    return Step(out, os.path.basename(output) if output else None)


def _compile_to(step: Step) -> str | None:
    return next((a.split("=", 1)[1] for a in step.argv if a.startswith("--compile-to=")), None)


def _complete(steps: list[Step]) -> bool:
    """Whether the last step compiles to the end (or to stream IR), not to an intermediate phase."""
    return bool(steps) and steps[-1].argv[0] == "iree-compile" and _compile_to(steps[-1]) in (None, "stream")


def compile_steps(f: FindingData) -> list[Step]:
    """The repro cell's compile steps, cleaned; the last one stops at stream IR for IR kinds only."""
    steps = [_clean(c) for c in f.record.commands if c and os.path.basename(c[0]) in COMPILE_TOOLS]
    if not _complete(steps):
        from fuzzir.pipeline import PassNotFound, PipelineError
        from fuzzir.repro import compile_commands

        try:
            fallback = compile_commands(f.target, f.variant, tuple(f.flags), f.removed_pass, "program.mlir", None)
        except (PassNotFound, PipelineError) as e:
            detail = (str(e).strip().splitlines() or [e.__class__.__name__])[0]
            raise ExportError(f"{f.path}: cannot rebuild the steps meta.json lacks: {detail}") from None
        steps += [_clean(c) for c in fallback[len(steps):]]
    last = [a for a in steps[-1].argv if not a.startswith("--compile-to=")]
    if f.kind in IR_KINDS:
        last.insert(last.index(_INPUT), "--compile-to=stream")
    steps[-1] = Step(last, steps[-1].output)
    return steps


def compile_chain(f: FindingData) -> list[list[str]]:
    """The compile steps as a pipe: the first reads `%s` (the lit file), later ones stdin."""
    return [[("%s" if n == 0 else "-") if a == _INPUT else a for a in s.argv]
            for n, s in enumerate(compile_steps(f))]


def compile_files(f: FindingData, program_file: str) -> list[list[str]]:
    """The compile steps over named files: `program_file`, intermediates, then module.vmfb (or ir.mlir)."""
    steps = compile_steps(f)
    argvs = []
    source = program_file
    for n, s in enumerate(steps):
        if n == len(steps) - 1:
            output = "ir.mlir" if f.kind in IR_KINDS else "module.vmfb"
        else:
            output = s.output if s.output and s.output.endswith(".mlir") else f"step{n + 1}.mlir"
        argvs.append([*(source if a == _INPUT else a for a in s.argv), "-o", output])
        source = output
    return argvs


def runs_module(f: FindingData) -> bool:
    """Whether the finding shows only when the module runs (the report then shows the run command)."""
    return needs_run(f.kind, f.stage)


def run_compare_flags(f: FindingData) -> list[str]:
    """How outputs are compared: the stored run command's flags, else by exactness and type."""
    from fuzzir.commands import BYTE_EXACT_FLAGS, EXACT_VALUE_FLAGS

    for argv in f.record.commands:
        if argv and os.path.basename(argv[0]) == "iree-run-module":
            flags = [a for a in argv[1:] if a.startswith(("--equality_mode", "--expected_")) and
                     not a.startswith("--expected_output")]
            if flags:
                return flags
    if not f.exact:
        return []  # iree-run-module's default tolerances
    if any(is_float(e) for e in f.expected):
        # A value compare: the sign of a zero depends on summation order, which is not a bug.
        return list(EXACT_VALUE_FLAGS)
    return list(BYTE_EXACT_FLAGS)


def run_argv(f: FindingData, module: str = "-", *, expected: bool = True,
             inline_limit: int | None = None) -> list[str]:
    """iree-run-module with the inputs (and expected outputs) as text, or as `@<name>.npy` when over the limit."""
    from fuzzir.commands import value_ref

    def value(flag: str, array: np.ndarray, stem: str, i: int) -> str:
        text = run_value(array)
        if inline_limit is not None and len(text) > inline_limit:
            return f"--{flag}={value_ref(stem, i, array)}"  # the entry's file, as repro.sh reads it
        return f"--{flag}={text}"

    argv = ["iree-run-module", f"--device={f.target.driver}", f"--module={module}", f"--function={f.function}"]
    argv += [value("input", x, "input", i) for i, x in enumerate(f.inputs)]
    if expected:
        argv += [value("expected_output", x, "expected", i) for i, x in enumerate(f.expected)]
        argv += run_compare_flags(f)
    return argv


def quote(argv: list[str]) -> str:
    """Shell text of an argv; inline values double-quoted (digits, signs, dots and letters only)."""
    words = []
    for a in argv:
        if a.startswith(("--input=", "--expected_output=")) and "=@" not in a:
            flag, value = a.split("=", 1)
            words.append(f'{flag}="{value}"')
        else:
            words.append(shlex.quote(a))
    return " ".join(words)


def issue_commands(f: FindingData, program_file: str = "program.mlir") -> list[str]:
    """The finding's commands, runnable in a directory holding `program_file` (and any .npy it names)."""
    cmds = [quote(c) for c in compile_files(f, program_file)]
    if runs_module(f):
        cmds.append(quote(run_argv(f, "module.vmfb", expected=f.kind == "miscompile",
                                   inline_limit=INLINE_VALUE_CHARS)))
    if f.kind in IR_KINDS:
        cmds.append(f"grep -E {shlex.quote(IR_PATTERNS[f.kind])} ir.mlir")
    return cmds
