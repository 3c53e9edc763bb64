"""The `issue` format: a Markdown bug report for IREE's GitHub.

Title, IREE version, the program, the exact commands (runnable in a directory
holding the program and the `.npy` files too large to inline), expected vs
actual, and the table of (variant, target) cells the finding was seen in. For a
miscompile it recompiles and reruns the program, when the target runs here, to
list the first differing elements.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fuzzir import scratch
from fuzzir.exports import Format, register
from fuzzir.exports.commands import issue_commands
from fuzzir.exports.finding import FindingData
from fuzzir.findings import COMPILE_KINDS, IR_KINDS
from fuzzir.needs import Needs
from fuzzir.targets import TARGETS

# Init kinds that are constants (the subject of fuzzir), preferred when the op is unknown.
_CONSTANT_INITS = ("splat", "nonsplat", "global", "large")


def _variant_table(f: FindingData) -> list[str]:
    obs = f.record.observations
    targets = list(f.record.targets or [f.target.name])
    for o in obs:
        if o.target not in targets:
            targets.append(o.target)
    n_flag_sets = len(f.record.flags)
    rows = ["| variant | " + " | ".join(targets) + " |", "|---" * (len(targets) + 1) + "|"]
    for variant, label in (("with", "with (stock)"), ("without", f"without (`{f.removed_pass}` removed)")):
        cells = []
        for t in targets:
            seen = [o for o in obs if o.variant == variant and o.target == t]
            if not seen:
                cells.append("ok")
                continue
            flag_sets = {" ".join(o.flags) for o in seen}
            note = ""
            if n_flag_sets > 1 and len(flag_sets) < n_flag_sets:
                note = " (" + "; ".join(s or "default flags" for s in sorted(flag_sets)) + ")"
            cells.append(f"{f.kind}{note}")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def _op_and_init(f: FindingData) -> tuple[str, str]:
    """The op the finding concerns (else the program's ops) and the kind of its `outs` init."""
    index, name = f.op_index_and_name()
    init_kinds = f.record.init_kinds
    init = ""
    if index is not None and index < len(init_kinds):
        init = init_kinds[index]
    elif init_kinds:
        init = ([k for k in init_kinds if k in _CONSTANT_INITS] or init_kinds)[0]
    return name or ", ".join(dict.fromkeys(f.record.ops)) or "program", init


def _differences(f: FindingData) -> list[str]:
    """Recompute the repro cell's outputs and tabulate the first differing elements (miscompiles)."""
    from fuzzir.compiler import compile_program
    from fuzzir.runner import run_module
    from fuzzir.targets import device_available

    if not device_available(f.target) or not f.expected:
        return []
    with scratch.temp_dir("export") as tmp:
        src = os.path.join(tmp, "program.mlir")
        Path(src).write_text(f.program)
        res = compile_program(src, f.target, f.variant, flags=tuple(f.flags), workdir=tmp,
                              pass_name=f.removed_pass, dump_phases=False)
        if not res.ok or res.vmfb is None:
            return []
        run = run_module(res.vmfb, f.target, f.inputs, workdir=tmp)
        if not run.ok:
            return []
        rows = ["| output | index | expected | actual |", "|---|---|---|---|"]
        for j, (e, a) in enumerate(zip(f.expected, run.outputs, strict=False)):
            e64, a64 = np.asarray(e, dtype=np.float64), np.asarray(a, dtype=np.float64)
            if e64.shape != a64.shape:
                rows.append(f"| {j} | shape | {e64.shape} | {a64.shape} |")
                continue
            bad = np.argwhere(~((e64 == a64) | (np.isnan(e64) & np.isnan(a64))))
            for idx in bad[:8]:
                t = tuple(int(x) for x in idx)
                rows.append(f"| {j} | {list(t)} | {e[t]} | {a[t]} |")
            if len(bad) > 8:
                rows.append(f"| {j} | … | {len(bad) - 8} more | |")
        return rows if len(rows) > 2 else []


def _expectation(kind: str) -> str:
    if kind in IR_KINDS:
        return ("Expected: no match for the `grep` above: a constant used as a linalg `outs` init "
                "should be read, not written or copied.")
    if kind in COMPILE_KINDS:
        return "Expected: `iree-compile` succeeds (the program is valid linalg on tensors)."
    if kind == "miscompile":
        return ("Expected: `iree-run-module` reports that every output matches "
                "(the expected values come from a numpy reference).")
    return "Expected: the module runs to completion with the expected outputs."


def _reproduces_on(f: FindingData, targets: list[str]) -> list[str]:
    out = []
    for t in targets:
        seen = [o for o in f.record.observations if o.target == t]
        flag_sets = list(dict.fromkeys(" ".join(o.flags) for o in seen))
        variants = sorted({o.variant for o in seen})
        shown = "; ".join(fl or "default flags" for fl in flag_sets) or "default flags"
        shown += f" (variants: {', '.join(variants)})" if variants else ""
        out.append(f"- {t} (`{' '.join(TARGETS[t].compile_flags) if t in TARGETS else t}`), flags: {shown}")
    return out


def _releases(bisected: dict) -> list[str]:
    """What `fuzzir bisect` found across IREE releases ("regressed in 3.X.0; 3.Y.0 gave ...")."""
    from fuzzir.bisect import summary

    return summary(bisected)


def export_issue(f: FindingData, program_file: str = "program.mlir", recompute: bool = True) -> str:
    """The report; `recompute=False` skips rerunning a miscompile."""
    r = f.record
    op, init = _op_and_init(f)
    init_text = f" with a {init} `outs` init" if init else ""
    targets = list(r.targets or [f.target.name])
    message = r.message.strip() or "(no message stored)"
    cmds = issue_commands(f, program_file)
    seed = f", seed {r.seed}" if r.seed is not None else ""
    attached = " (and the attached `.npy` and `.bin` files it names)" if any("=@" in c for c in cmds) else ""
    needs = Needs.from_json(r.needs)
    if needs is not None and needs.constant is False:
        init_text = " (not about constants: the same with an argument init)"
    out = [f"# {f.kind}: `{op}`{init_text} on {', '.join(targets)}", "", "## IREE version", "",
           f"`iree-base-compiler` / `iree-base-runtime` {r.iree_version or 'unknown'} "
           f"(found by fuzzir{seed}; signature `{r.signature}`).",
           *(["", *_releases(r.bisect)] if r.bisect else []),
           "", "## Program", "", f"`{program_file}`:", "", "```mlir", f.program.rstrip("\n"), "```", "",
           "## Commands", "", f"In a directory holding `{program_file}`{attached}:",
           "", "```shell", *cmds, "```", "", "## Expected vs actual", "", _expectation(f.kind),
           "", "Actual:", "", "```", message, "```"]
    if f.kind == "miscompile" and recompute:
        diff = _differences(f)
        if diff:
            out += ["", "First differing elements:", "", *diff]
    if needs is not None:
        out += ["", "## What it needs", "", "Established by fuzzir's blame: one feature changed at a time, recompiled "
                "and rerun in the cell that shows it.", "", needs.words() + ".", "",
                *[f"- `{q}`: {a}" for q, a in needs.answers()]]
    out += ["", "## Variants", "",
            f"Cells are the finding seen in that (variant, target) cell, `ok` where it was not seen. "
            f"`without` is the stock global-optimization pipeline minus `{f.removed_pass}`.", "",
            *_variant_table(f), "", "## Reproduces on", "", *_reproduces_on(f, targets), ""]
    return "\n".join(out)


FORMAT = register(Format("issue", "a Markdown bug report with the exact commands and the variant table",
                         export_issue))
