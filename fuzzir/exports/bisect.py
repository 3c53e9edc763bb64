"""The `bisect` format: a script for `git bisect run` in an IREE checkout.

At each commit it rebuilds the tools the finding's reproducer calls (`cmake --build` of the given
build directory; a failed build is 125, "cannot test this commit") and runs the finding's `repro.sh`
against that build (`IREE_BUILD`), which exits 0 (good), 1 (bad) or 125 itself. The script names the
finding directory by its absolute path: the reproducer's files stay where they are.
"""

from __future__ import annotations

from fuzzir.commands import shell_line
from fuzzir.exports import ExportError, Format, register
from fuzzir.exports.finding import FindingData
from fuzzir.repro import TOOL_VARIABLES


def render(f: FindingData) -> str:
    """The bisect script of finding `f`."""
    if not (f.path / "repro.sh").is_file():
        raise ExportError(f"{f.path}: no repro.sh to bisect with")
    tools = [t for t in TOOL_VARIABLES if any(argv and argv[0] == t for argv in f.record.commands)] or ["iree-compile"]
    finding = str(f.path.resolve())
    r = f.record
    return "\n".join([
        "#!/usr/bin/env bash",
        f"# fuzzir commit bisection: {r.kind} on {r.repro_cell.target} ({r.signature}), found with IREE "
        f"{r.iree_version or 'unknown'}.",
        f"# {r.message.strip().splitlines()[0] if r.message.strip() else '(no message)'}",
        "# In an IREE checkout configured with CMake into BUILD (default ../iree-build):",
        "#   git bisect start <bad-commit> <good-commit>",
        "#   git bisect run bash THIS_SCRIPT [BUILD]",
        "# Exit status: 0 good, 1 bad (the finding's own symptom), 125 skip (the build failed, or this commit",
        "# cannot test it); 255 stops the bisection (the finding directory is gone).",
        'BUILD="${1:-${IREE_BUILD:-../iree-build}}"',
        f"FINDING={shell_line([finding])}",
        'if [ ! -f "$FINDING/repro.sh" ]; then echo "no reproducer at $FINDING"; exit 255; fi',
        f'cmake --build "$BUILD" --target {" ".join(tools)} || {{ echo "skip: the build failed"; exit 125; }}',
        'IREE_BUILD="$BUILD" bash "$FINDING/repro.sh"',
        "",
    ])


FORMAT = register(Format("bisect", "a script for git bisect run in an IREE checkout: rebuild the tools, run repro.sh",
                         render))
