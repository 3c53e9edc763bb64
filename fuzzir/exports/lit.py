"""The `lit` format: the program with `// RUN:` lines that fail while the bug is there.

The RUN lines pipe the repro cell's compile steps into `iree-run-module
--expected_output=...` (values inlined, so the file is self-contained), into
`not grep` for IR findings, or to /dev/null for a compile that must succeed.
lit is not in the IREE wheels: `python -m fuzzir.exports.lit_runner FILE.mlir`
runs the lines with bash.
"""

from __future__ import annotations

import shlex

from fuzzir.exports import Format, register
from fuzzir.exports.commands import IR_PATTERNS, compile_chain, quote, run_argv
from fuzzir.exports.finding import ExportError, FindingData, header
from fuzzir.findings import COMPILE_KINDS, IR_KINDS


def lit_run_lines(f: FindingData) -> list[str]:
    """The shell commands of the lit test, with `%s` for the file itself."""
    chain = " | ".join(quote(c) for c in compile_chain(f))
    if f.kind in IR_KINDS:
        return [f"{chain} | not grep -E {shlex.quote(IR_PATTERNS[f.kind])}"]
    if f.kind in COMPILE_KINDS and not f.expected:
        return [f"{chain} > /dev/null"]
    return [f"{chain} | {quote(run_argv(f))}"]


def render(f: FindingData) -> str:
    """A lit test: passes once the bug is fixed."""
    if f.kind == "mutated-constant":
        raise ExportError(f"{f.path}: results that change between calls cannot be shown by a lit test (one call of a "
                          "module read from a pipe); its repro.sh shows it on a CPU target")
    lines = header(f, "//")
    if f.kind in IR_KINDS:
        lines.append("// It passes when the compiled stream IR no longer shows the violation.")
    else:
        lines.append("// It passes when the program compiles and runs to the expected values.")
    lines += [f"// RUN: {cmd}" for cmd in lit_run_lines(f)]
    lines.append("")
    return "\n".join(lines) + "\n" + f.program.rstrip("\n") + "\n"


FORMAT = register(Format("lit", "a lit test whose RUN lines fail while the bug reproduces", render))
