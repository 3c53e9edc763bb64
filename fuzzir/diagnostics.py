"""Reading IREE's diagnostics: the first error, the op it names, and a normal form for signatures.

Diagnostics are free text on stderr (no structured form leaves the process), so
this is the one place where fuzzir matches text with regular expressions on them.
"""

from __future__ import annotations

import re

_ERROR_LINE = re.compile(r"\berror: (.*)")
_ABORT_LINE = re.compile(r"LLVM ERROR|Assertion|Aborted|Segmentation|terminate|RESOURCE_EXHAUSTED|"
                         r"INTERNAL|INVALID_ARGUMENT|UNIMPLEMENTED|FAILED_PRECONDITION")
_DIAGNOSTIC_OP = re.compile(r"'([\w.]+)' op")
_NORMALIZERS = [
    (re.compile(r"for type `[^`]*`"), "for type `T`"),  # the element type an attribute was asked for
    (re.compile(r"\"[^\"]*\.mlir\":\d+:\d+|[\w./-]+\.mlir:\d+:\d+"), "<loc>"),
    (re.compile(r"loc\([^)]*\)"), "<loc>"),
    (re.compile(r"%[\w.$-]+"), "%v"),
    (re.compile(r"@[\w.$-]+"), "@sym"),
    (re.compile(r"\b(\d+x)+([a-z]\w*)"), r"Nx\2"),
    (re.compile(r"0x[0-9A-Fa-f]+"), "0xH"),
    (re.compile(r"\b\d+\b"), "N"),
    (re.compile(r"\s+"), " "),
]


def first_error_line(stderr: str) -> str | None:
    """Text after ``error: `` on the first diagnostic error line, if any."""
    for line in stderr.splitlines():
        m = _ERROR_LINE.search(line)
        if m:
            return m.group(1).strip()
    return None


def first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def first_diagnostic(stderr: str) -> str:
    """The first `error:` line's message, else the first LLVM/abort line, else ''."""
    error = first_error_line(stderr)
    if error is not None:
        return error
    for line in stderr.splitlines():
        if _ABORT_LINE.search(line):
            return line.strip()
    return ""


def diagnostic_op(diagnostic: str) -> str:
    """The op a diagnostic names: "'linalg.generic' op ..." -> 'linalg.generic'."""
    m = _DIAGNOSTIC_OP.match(diagnostic)
    return m.group(1) if m else ""


def normalize_diagnostic(text: str) -> str:
    """Strip what varies between copies of one bug: names, shapes, numbers, locations."""
    text = text.strip()
    # Drop the op dump and location a diagnostic may end with ("...marked illegal: %4 = ... loc(...)").
    for cut in (": %", ' loc(', ": \"", ", see attribute"):
        if cut in text:
            text = text[: text.index(cut)]
    for pattern, repl in _NORMALIZERS:
        text = pattern.sub(repl, text)
    return text[:200]


_GLOBAL_WRITE = re.compile(r"write affecting operations on global resources")


def is_global_write(diagnostic: str) -> bool:
    """GPU codegen's refusal to write a global (constant) resource: what the decoupling pass prevents."""
    return bool(_GLOBAL_WRITE.search(diagnostic))
