"""The XLA reference oracle: a StableHLO program's outputs on every cell against XLA's CPU backend.

The differential oracle compares IREE with itself, so a value that every cell gets
wrong the same way (a bug in IREE's StableHLO input conversion) passes it. This
oracle runs the program as the user gave it on StableHLO's own reference
implementation, XLA (through jaxlib, in a child process: `fuzzir.xla_run`), once per
program, with the inputs the cells ran on, and compares each cell's outputs with it:

- integers and booleans, and floats established exact (`value_facts`: integers within the
  type's exact range, through ops that round nothing), bit for bit (-0.0 == 0.0);
- other floats within twice the error bound `stablehlo_bounds` derives from the program's
  structure (reduction lengths, contraction sizes, the type's epsilon), which allows any
  reassociation, FMA and flushed denormals on both sides; an output it derives no bound
  for (division, transcendental functions ...) is not compared, and says why.

A cell whose output differs is a `miscompile`. When every IREE cell that ran differs
from XLA the same way, the message says so: that is a bug in IREE's StableHLO lowering
(or in XLA), which no comparison among IREE's cells can see.

It abstains, with the reason, on what XLA cannot run as written: ops of other dialects
(`util.*`, `flow.*`, linalg mixed in), arguments or results of types it does not take,
dynamic shapes; on a program no cell ran; when jax is not installed; and when XLA itself
fails (its first error line).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from fuzzir import scratch
from fuzzir.findings import Observation
from fuzzir.mlir_walk import plain_program, walk_ops
from fuzzir.oracles import Abstain, Evidence, Verdict, register
from fuzzir.oracles.outputs import differ, result_facts, tolerance
from fuzzir.oracles.stablehlo_bounds import OutputBound, output_bounds
from fuzzir.source import Source
from fuzzir.xla_run import NOT_INSTALLED, XlaResult, run_xla, xla_installed

#: Dialects XLA's StableHLO importer takes.
DIALECTS = ("stablehlo", "chlo", "func", "builtin")
#: Element types of arguments and results passed to and read from XLA.
ELEMENT_TYPES = ("i1", "i8", "i16", "i32", "i64", "ui8", "ui16", "ui32", "ui64", "f16", "bf16", "f32", "f64")
SAME_WAY = "every IREE cell disagrees with XLA the same way: a bug in IREE's StableHLO lowering, or in XLA"


def _name(ev: Evidence) -> str:
    return f"{ev.cell.target.name}/{ev.cell.variant}"


def _short(x: np.ndarray) -> str:
    """An output in one short line, for a message."""
    text = np.array2string(np.asarray(x), threshold=16, edgeitems=3, max_line_width=10_000)
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."


def unsupported(source: Source) -> str:
    """Why XLA cannot run `source` as written ("" when it can)."""
    from iree.compiler import ir

    with ir.Context():
        module = ir.Module.parse(source.text)
        for op in walk_ops(module):
            name = op.operation.name
            if name.partition(".")[0] not in DIALECTS:
                return f"{name} is not StableHLO: XLA runs stablehlo, chlo and func ops only"
    if not any(op.name.startswith(("stablehlo.", "chlo.")) for op in source.ops_at.values()):
        return "the program has no StableHLO op"
    for kind, values in (("argument", source.args), ("result", source.results)):
        for k, a in enumerate(values):
            if a.scalar or a.dynamic:
                return f"{kind} #{k} ({a.type}): XLA takes static tensors only"
            if a.dtype not in ELEMENT_TYPES:
                return f"{kind} #{k} ({a.type}): element type {a.dtype} is not passed to XLA"
    return ""


def _program(source: Source) -> tuple[str, str]:
    """The text XLA gets (its entry is @main) and "", or "" and why there is none."""
    if source.function == "main":
        return source.text, ""
    return plain_program(source.text, source.function)


class XlaReference:
    name = "xla-reference"

    def judge_case(self, evidences: list[Evidence]) -> list[Verdict]:
        first = evidences[0]
        source = first.source
        why = ""
        if not xla_installed():
            why = NOT_INSTALLED
        elif source is None:
            why = "the program was not read from MLIR"
        elif first.inputs is None:
            why = f"no inputs: {first.facts.invalid}" if first.facts and first.facts.invalid else "no inputs"
        why = why or unsupported(source)
        ran = [ev for ev in evidences if ev.run is not None and ev.run.ok]
        if not why and not ran:
            why = "no cell ran"
        if why:
            return [Abstain(why) for _ in evidences]
        text, why = _program(source)
        if why:
            return [Abstain(f"XLA cannot be given the program: {why}") for _ in evidences]
        xla = self._run(text, first)
        if not xla.ok:
            return [Abstain(xla.error if xla.error == NOT_INSTALLED else f"XLA failed: {xla.error}")
                    for _ in evidences]
        bounds = output_bounds(text, "main", list(first.inputs))
        tols = [self._tolerance(first, j, bounds) for j in range(len(xla.outputs))]
        judged = [j for j, t in enumerate(tols) if not isinstance(t, str)]
        if not judged:
            why = next((t for t in tols if isinstance(t, str)), "the function has no outputs")
            return [Abstain(f"no output can be compared: {why}") for _ in evidences]
        verdicts: dict[int, Verdict] = {id(ev): self._judge(ev, xla, judged, tols) for ev in ran}
        wrong = [ev for ev in ran if verdicts[id(ev)]]
        if len(ran) > 1 and len(wrong) == len(ran) and self._same_way(ran, judged):
            for ev in ran:
                verdicts[id(ev)] = [_replace_message(o, f"{o.message}; {SAME_WAY}") for o in verdicts[id(ev)]]
        return [verdicts.get(id(ev), Abstain("the module did not run" if ev.run is not None else
                                             f"no {ev.cell.target.name} device here: compiled, not run"))
                for ev in evidences]

    @staticmethod
    def _run(text: str, ev: Evidence) -> XlaResult:
        timeout = ev.limits.compile_timeout + ev.limits.run_timeout
        if ev.work:
            return run_xla(text, "main", list(ev.inputs), workdir=os.path.join(os.path.dirname(ev.work), "xla"),
                           timeout=timeout)
        with scratch.temp_dir("xla") as work:
            return run_xla(text, "main", list(ev.inputs), workdir=work, timeout=timeout)

    @staticmethod
    def _tolerance(ev: Evidence, j: int, bounds: list[OutputBound]) -> np.ndarray | None | str:
        """None (bit for bit) for an exact output, else the derived float bound, or why neither holds."""
        bound = bounds[j] if j < len(bounds) else OutputBound(why="it was not analysed", undefined="not analysed")
        if bound.undefined:
            return f"result {j} is implementation-defined: {bound.undefined}"
        exact = tolerance(ev, j)
        if exact is None or not isinstance(exact, str):
            return exact
        if bound.tolerance is None:
            return f"result {j} is not exact ({exact}) and has no error bound: {bound.why}"
        return np.float64(bound.tolerance)

    @staticmethod
    def _judge(ev: Evidence, xla: XlaResult, judged: list[int], tols: list) -> list[Observation]:
        c = ev.cell
        outputs = ev.run.outputs
        if len(outputs) != len(xla.outputs):
            return [Observation("miscompile", c.variant, c.target.name, c.flags, "run",
                                f"{len(outputs)} outputs, {len(xla.outputs)} on XLA's CPU reference")]
        obs = []
        for j in judged:
            problem = differ(xla.outputs[j], outputs[j], tols[j])
            if problem is None:
                continue
            index, name, family, init, dclass = result_facts(ev, j)
            how = "exact compare" if tols[j] is None else f"within ±{float(tols[j]):.3g}"
            problem = problem.replace("expected", "XLA").replace("got", "IREE")
            obs.append(Observation(
                "miscompile", c.variant, c.target.name, c.flags, "run",
                f"result {j} ({how}) differs from XLA's CPU reference: {problem}; "
                f"XLA {_short(xla.outputs[j])}, IREE {_short(outputs[j])}",
                op_index=index, op_name=name, family=family, init_kind=init, dtype_class=dclass))
        return obs

    @staticmethod
    def _same_way(ran: list[Evidence], judged: list[int]) -> bool:
        """Whether every cell's judged outputs are the same values (they all differ from XLA alike)."""
        ref = ran[0].run.outputs
        return all(len(ev.run.outputs) == len(ref) and all(differ(ref[j], ev.run.outputs[j], None) is None
                                                           for j in judged) for ev in ran[1:])


def _replace_message(o: Observation, message: str) -> Observation:
    return dataclasses.replace(o, message=message)


register(XlaReference())
