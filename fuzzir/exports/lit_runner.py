"""Run a lit file's RUN lines without lit: `python -m fuzzir.exports.lit_runner FILE.mlir`.

lit is not in the IREE wheels, so the tests exported by the `lit` format are
checked here the way lit would run them: each RUN line under bash with
`pipefail`, the usual substitutions, and LLVM's `not`. Exit status 0 when every
line passes, else the failing line's status (2 for a file without RUN lines or
bad usage).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from fuzzir import scratch
from fuzzir.sandbox import run_tool

_RUN = re.compile(r"^\s*//\s*RUN:(.*)$")
_SUBST = re.compile(r"%(%|s|S|t|T)")
_SHELL_PRELUDE = """set -o pipefail
not() {
  "$@"; local rc=$?
  if [ $rc -eq 0 ]; then return 1; elif [ $rc -gt 128 ]; then return $rc; fi
  return 0
}
"""
EXIT_USAGE = 2


def read_run_lines(text: str) -> list[str]:
    """RUN commands of a lit file, joining lines continued with a trailing backslash."""
    commands: list[str] = []
    pending = ""
    for line in text.splitlines():
        m = _RUN.match(line)
        if not m:
            continue
        part = m.group(1).strip()
        if part.endswith("\\"):
            pending += part[:-1] + " "
            continue
        commands.append(pending + part)
        pending = ""
    if pending:
        commands.append(pending)
    return commands


def tool_env() -> dict[str, str]:
    """The environment with this Python's bin directory first on PATH: where pip put the
    IREE wheels' `iree-compile` and `iree-run-module`, even when the venv is not activated."""
    bindir = os.path.dirname(sys.executable)
    return {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}


def run_lit(path: str | os.PathLike[str], *, timeout: float = 600.0, echo: bool = True) -> int:
    """Run a lit file's RUN lines with bash, as lit would: 0 when all pass, else the failing status.

    Substitutes %s (the file), %S (its directory), %t/%T (a temporary path/directory)
    and %%; `not` inverts a command's status like LLVM's (a crash stays a failure).
    """
    path = Path(path).resolve()
    commands = read_run_lines(path.read_text())
    if not commands:
        if echo:
            print(f"{path}: no RUN lines", file=sys.stderr)
        return EXIT_USAGE
    with scratch.temp_dir("lit") as tmp:
        values = {"%": "%", "s": shlex.quote(str(path)), "S": shlex.quote(str(path.parent)),
                  "t": shlex.quote(os.path.join(tmp, "t")), "T": shlex.quote(tmp)}
        for cmd in commands:
            line = _SUBST.sub(lambda m: values[m.group(1)], cmd)
            # Through the sandbox: the line's tools run in their own group and die with the runner.
            res = run_tool(["bash", "-c", _SHELL_PRELUDE + line], timeout=timeout, mem_limit_mb=None, cwd=tmp,
                           env=tool_env(), stderr_cap=None)
            if res.timed_out:
                if echo:
                    print(f"RUN line timed out after {timeout:.0f}s: {cmd[:200]}", file=sys.stderr)
                return 124
            if res.returncode != 0:
                if echo:
                    print(f"RUN line failed (exit {res.returncode}): {cmd[:300]}", file=sys.stderr)
                    out = res.stdout + res.stderr
                    sys.stderr.write(out if len(out) <= 6000 else out[:3000] + "\n[...]\n" + out[-3000:])
                return res.returncode if res.returncode is not None else 137
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not Path(args[0]).is_file():
        print("error: usage: python -m fuzzir.exports.lit_runner FILE.mlir", file=sys.stderr)
        return EXIT_USAGE
    return run_lit(args[0])


if __name__ == "__main__":
    sys.exit(main())
