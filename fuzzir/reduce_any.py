"""Reducing a program fuzzir did not write, to a smaller one with the same signature.

The model-based minimizer (`fuzzir.minimize`) needs the program model. For any other
program this uses IREE's own reducer: `iree-reduce` is not a console script of the
wheel, but its entry point `ireeReduceRunMain` is exported by the wheel's
`libIREECompiler.so`, so it is called through ctypes in a child process (it may exit
or crash; fuzzir must not). Its contract is upstream's: `iree-reduce SCRIPT INPUT -o
OUTPUT`, the script exits 0 while the candidate is still interesting. The script here
runs `python -m fuzzir.reduce_any SPEC CANDIDATE`: the candidate is judged in the
finding's cell and is interesting when it shows the same signature key.

A candidate that is not valid MLIR, or has no entry function, is not interesting.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fuzzir import scratch
from fuzzir.any_program import SourceError, load_program
from fuzzir.judge import Settings, judge_program, shows_signature
from fuzzir.sandbox import run_tool
from fuzzir.targets import TARGETS, Cell

_CALL = """import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
args = [b"iree-reduce"] + [a.encode() for a in sys.argv[2:]]
argv = (ctypes.c_char_p * (len(args) + 1))(*args, None)
lib.ireeReduceRunMain.restype = ctypes.c_int
sys.exit(lib.ireeReduceRunMain(len(args), argv))
"""


@dataclass(frozen=True)
class Reduced:
    text: str  # the reduced program (the input when nothing smaller was found)
    seconds: float
    tool: str  # "iree-reduce"
    problem: str = ""  # why no reduction happened ("" when one did)


def compiler_library() -> str | None:
    """The wheel's libIREECompiler.so, which exports `ireeReduceRunMain`."""
    spec = importlib.util.find_spec("iree.compiler._mlir_libs")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = os.path.join(folder, "libIREECompiler.so")
        if os.path.exists(path):
            return path
    return None


def reducer_spec(cell: Cell, key: str, settings: Settings, function: str | None, dims: dict, seed: int) -> dict:
    return {"target": cell.target.name, "variant": cell.variant, "flags": list(cell.flags), "key": key,
            "pass_name": settings.pass_name, "compile_timeout": settings.compile_timeout,
            "run_timeout": settings.run_timeout, "function": function, "variants": list(settings.variants),
            "dims": [[a, d, n] for (a, d), n in dims.items()], "seed": seed}


def interesting(spec: dict, text: str, filename: str = "candidate.mlir") -> bool:
    """Whether `text` shows signature `spec["key"]` when judged in the spec's cell."""
    dims = {(a, d): n for a, d, n in spec["dims"]}
    try:
        loaded = load_program(text, filename, function=spec["function"], dims=dims)
    except (SourceError, ValueError):
        return False
    cell = Cell(TARGETS[spec["target"]], spec["variant"], tuple(spec["flags"]))
    settings = Settings(targets=(cell.target,), pass_name=spec["pass_name"],
                        compile_timeout=spec["compile_timeout"], run_timeout=spec["run_timeout"])
    return shows_signature(spec["key"], cell, tuple(spec.get("variants", ("with", "without"))),
                           lambda c: judge_program(loaded.program, text, spec["seed"], settings, cells=[c],
                                                   source=loaded.source, unmodelled=loaded.unmodelled).observations)


def interesting_within(spec: dict, text: str, seconds: float) -> bool | None:
    """`interesting(spec, text)` judged in a child process killed after `seconds`; None when it ran out
    of time. A reducer with a budget checks this way, so no check outlasts the budget however loaded the
    machine is; the child's compile and run timeouts are capped at `seconds` too, so a tool it started
    does not outlive the budget by more than that."""
    spec = {**spec, "compile_timeout": min(spec["compile_timeout"], seconds),
            "run_timeout": min(spec["run_timeout"], seconds)}
    with scratch.temp_dir("check") as work:
        spec_path, candidate = os.path.join(work, "spec.json"), os.path.join(work, "candidate.mlir")
        Path(spec_path).write_text(json.dumps(spec))
        Path(candidate).write_text(text)
        res = run_tool([sys.executable, "-m", "fuzzir.reduce_any", spec_path, candidate], timeout=seconds, cwd=work,
                       mem_limit_mb=None)  # its children limit their own tools
    return None if res.timed_out else res.returncode == 0


def reduce_text(text: str, cell: Cell, key: str, settings: Settings, *, function: str | None = None,
                dims: dict | None = None, seed: int = 0, time_budget: float = 300.0) -> Reduced:
    """`text` reduced by iree-reduce while it shows signature `key` in `cell`."""
    start = time.monotonic()
    lib = compiler_library()
    if lib is None:
        return Reduced(text, 0.0, "iree-reduce", "libIREECompiler.so not found in the wheel")
    with scratch.temp_dir("reduce") as work:
        spec = os.path.join(work, "spec.json")
        Path(spec).write_text(json.dumps(reducer_spec(cell, key, settings, function, dims or {}, seed)))
        script = os.path.join(work, "interesting.sh")
        Path(script).write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in (
            sys.executable, "-m", "fuzzir.reduce_any", spec)) + ' "$1"\n')
        os.chmod(script, 0o755)
        src, out = os.path.join(work, "input.mlir"), os.path.join(work, "reduced.mlir")
        Path(src).write_text(text)
        res = run_tool([sys.executable, "-c", _CALL, lib, script, src, "-o", out], timeout=time_budget, cwd=work,
                       mem_limit_mb=None)  # its children limit their own tools
        seconds = time.monotonic() - start
        if not res.ok or not os.path.exists(out):
            lines = res.stderr.strip().splitlines()
            said = [ln for ln in lines if "LLVM ERROR" in ln or "error:" in ln] or lines[-1:] or ["failed"]
            why = "timed out" if res.timed_out else said[0].strip()[:200]
            return Reduced(text, seconds, "iree-reduce", f"iree-reduce {why}")
        return Reduced(Path(out).read_text(), seconds, "iree-reduce")


def main(argv: list[str]) -> int:
    """The interestingness script: exit 0 when the candidate still shows the signature."""
    spec_path, candidate = argv
    spec = json.loads(Path(spec_path).read_text())
    return 0 if interesting(spec, Path(candidate).read_text()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
