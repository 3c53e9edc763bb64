"""The TOSA reference oracle: every IREE cell must compute what the TOSA reference model computes.

A TOSA program means what the TOSA spec says, and Arm's reference model
(`tosa-tools`, see `fuzzir.tosa_tools`) is that meaning, runnable. The program
*as the user gave it* (`Evidence.source`, before any IREE input conversion) runs
on the reference model once per case, on the cell inputs, and each cell that ran
is compared with it: integers exactly, floats by the spec's compliance rule for
the op that computes the output (`fuzzir.tosa_program`: exact, the ULP rule of
add/sub/mul, the dot-product bound, with the reference's own FP64 result and
bound magnitudes), and outputs no rule covers are not compared.

It sees what the differential oracle cannot: a value that every cell gets wrong
the same way. IREE's TOSA max_pool2d on i8 gives `[0, 0, 0]` on Vulkan `with` and
`without` the decoupling pass alike, where llvm-cpu and the reference give
`[6, 7, 8]`; only a reference outside IREE can say which is right. A cell that
disagrees is a `miscompile`; when every cell that ran disagrees the same way, the
message says so (a bug in IREE's TOSA lowering, or in the reference).

It abstains, with the reason, on what the reference cannot run (non-TOSA ops,
types it does not read, dynamic shapes), when tosa-tools is not installed, when
serialization or the reference fails (with the tool's first error line), and
when the spec calls the result UNPREDICTABLE on these inputs or the graph an ERROR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections import OrderedDict

import numpy as np

from fuzzir import tosa_tools
from fuzzir.findings import Observation
from fuzzir.oracles import Abstain, Evidence, Verdict, register
from fuzzir.oracles.outputs import differ, result_facts
from fuzzir.oracles.outputs import tolerance as tolerance_of
from fuzzir.tosa_program import (
    DOT_PRODUCT,
    EXACT,
    FRACTION_BITS,
    NONE,
    NORMAL_MIN,
    TOSA_TYPES,
    ULP,
    OutputRule,
    TosaProgram,
    read_tosa,
)

_DIR = "tosa-reference"
_SHOWN = 6  # elements of each output shown in a message
_CACHE_SIZE = 32
SAME_WAY = ("every IREE cell disagrees with the TOSA reference the same way: a bug in IREE's TOSA lowering, "
            "or in the reference")


def _short(value: np.ndarray) -> str:
    flat = np.asarray(value).reshape(-1)
    head = ", ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in flat[:_SHOWN].tolist())
    return f"[{head}{', ...' if flat.size > _SHOWN else ''}]"


def _ulp(ref: np.ndarray, dtype: str) -> np.ndarray:
    """The spacing of `dtype` values around each (FP64) reference value: 2^(exponent - fraction bits)."""
    frac = FRACTION_BITS[dtype]
    emin = int(np.log2(NORMAL_MIN[dtype]))
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log2(np.abs(ref)))
    exponent = np.where(np.isfinite(exponent), np.maximum(exponent, emin), emin)
    return np.exp2(exponent - frac)


def _overflows(value: np.ndarray, dtype: str) -> np.ndarray:
    """Where `value` is beyond `dtype`'s range (the spec then has no accuracy requirement)."""
    from fuzzir.dtypes import numpy_dtype

    with np.errstate(over="ignore", invalid="ignore"):
        return ~np.isfinite(value.astype(numpy_dtype(dtype))) & np.isfinite(value)


def tolerance(rule: OutputRule, ref: np.ndarray, bound: np.ndarray | None) -> np.ndarray | None:
    """The absolute bound each element of an IREE output may differ from the reference by (None: exact)."""
    if rule.mode == EXACT:
        return None
    ref = np.asarray(ref, dtype=np.float64)
    if rule.mode == ULP:
        tol = rule.ulp * _ulp(ref, rule.dtype)
        return np.where(_overflows(ref, rule.dtype), np.inf, tol)
    assert rule.mode == DOT_PRODUCT and bound is not None
    bnd = np.asarray(bound, dtype=np.float64)
    frac = FRACTION_BITS[rule.dtype]
    ksb = rule.ks + 1  # one more term for a bias (always counted: a looser bound is a safe one)
    abs_bound = 2 * ksb * (3 if rule.dtype == "f32" else 1)
    tol = abs_bound * np.maximum(bnd * 2.0 ** (-1 - frac), NORMAL_MIN[rule.dtype])
    tol = np.where(bnd == 0, 0.0, tol)  # every product zero: the result must be zero
    # A NaN bound, or a bound beyond the type's range (the dot product may overflow): no requirement.
    free = np.isnan(bnd) | _overflows(bnd * (1 + abs_bound * 2.0 ** (-1 - frac)), rule.dtype)
    return np.where(free, np.inf, tol)


class _Reference:
    """The reference model's result for one program on one set of inputs (outputs, tolerances), or why none."""

    def __init__(self, outputs: list[np.ndarray] | None = None, tols: list | None = None, why: str = "") -> None:
        self.outputs = outputs or []
        self.tols = tols or []
        self.why = why


class TosaReference:
    name = "tosa-reference"

    def __init__(self) -> None:
        self._cache: OrderedDict[str, _Reference] = OrderedDict()

    def judge_case(self, evidences: list[Evidence]) -> list[Verdict]:
        ev0 = evidences[0]
        if ev0.source is None:
            return [Abstain("the program's source text is not at hand") for _ in evidences]
        program = read_tosa(ev0.source.text, ev0.source.function)
        if program.problem:
            return [Abstain(program.problem) for _ in evidences]
        ran = [ev for ev in evidences if ev.run is not None and ev.run.ok]
        ran_ids = {id(ev) for ev in ran}  # by identity: Evidence compares its arrays otherwise
        if not ran or ev0.inputs is None:
            return [self._idle(ev) for ev in evidences]
        ref = self._reference(program, ev0)
        if ref.why:
            return [Abstain(ref.why) if id(ev) in ran_ids else self._idle(ev) for ev in evidences]
        program = self._established(program, ev0)
        judged = [j for j, rule in enumerate(program.rules) if rule.mode != NONE]
        if not judged:
            why = next((r.why for r in program.rules), "the function has no outputs")
            return [Abstain(f"no output can be compared: {why}") for _ in evidences]
        problems = {id(ev): self._problems(ev, ref, program, judged) for ev in ran}
        wrong = [ev for ev in ran if problems[id(ev)]]
        same = len(ran) >= 2 and len(wrong) == len(ran) and all(
            self._same_outputs(ran[0], ev, judged) for ev in ran[1:])
        verdicts: list[Verdict] = []
        for ev in evidences:
            if id(ev) not in ran_ids:
                verdicts.append(self._idle(ev))
                continue
            verdicts.append([self._observation(ev, j, problem, ref, program, same)
                             for j, problem in problems[id(ev)]])
        return verdicts

    @staticmethod
    def _established(program: TosaProgram, ev: Evidence) -> TosaProgram:
        """Outputs no rule of the spec bounds, compared exactly where fuzzir establishes them exact."""
        rules = tuple(dataclasses.replace(r, mode=EXACT, established=True)
                      if r.mode == NONE and tolerance_of(ev, j) is None
                      else r for j, r in enumerate(program.rules))
        return dataclasses.replace(program, rules=rules)

    @staticmethod
    def _idle(ev: Evidence) -> Abstain:
        if ev.run is None:
            return Abstain(f"not run: {ev.facts.invalid}" if ev.facts and ev.facts.invalid
                           else f"no {ev.cell.target.name} device here: compiled, not run")
        return Abstain("the module did not run")

    @staticmethod
    def _same_outputs(a: Evidence, b: Evidence, judged: list[int]) -> bool:
        return all(differ(a.run.outputs[j], b.run.outputs[j], None) is None for j in judged)

    @staticmethod
    def _problems(ev: Evidence, ref: _Reference, program: TosaProgram, judged: list[int]) -> list[tuple[int, str]]:
        if len(ev.run.outputs) != len(program.rules):
            return [(-1, f"{len(ev.run.outputs)} outputs, the reference has {len(program.rules)}")]
        found = []
        for j in judged:
            problem = differ(ref.outputs[j], ev.run.outputs[j], ref.tols[j])
            if problem is not None:
                found.append((j, problem))
        return found

    def _observation(self, ev: Evidence, j: int, problem: str, ref: _Reference, program: TosaProgram,
                     same: bool) -> Observation:
        c = ev.cell
        if j < 0:
            return Observation("miscompile", c.variant, c.target.name, c.flags, "run",
                               f"differs from the TOSA reference model: {problem}")
        index, name, family, init, dclass = result_facts(ev, j)
        rule = program.rules[j]
        how = rule.rule if rule.established else "exact compare" if rule.mode == EXACT else f"within {rule.rule}"
        problem = problem.replace("expected", "reference").replace("got", "IREE")
        message = (f"result {j} ({how}) differs from the TOSA reference model: {problem}; "
                   f"reference {_short(ref.outputs[j])}, IREE {_short(ev.run.outputs[j])}")
        if same:
            message += f"; {SAME_WAY}"
        return Observation("miscompile", c.variant, c.target.name, c.flags, "run", message,
                           op_index=index, op_name=name, family=family, init_kind=init, dtype_class=dclass)

    def _reference(self, program: TosaProgram, ev: Evidence) -> _Reference:
        """The reference's outputs for this program and these inputs: one run per case, cached."""
        tools = tosa_tools.find_tools()
        if isinstance(tools, str):
            return _Reference(why=tools)
        digest = hashlib.sha256(repr(tools).encode())
        digest.update(program.text.encode())
        for value in ev.inputs:
            digest.update(str((value.dtype.str, value.shape)).encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        key = digest.hexdigest()
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        ref = self._run(tools, program, ev)
        self._cache[key] = ref
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return ref

    @staticmethod
    def _run(tools: tosa_tools.Tools, program: TosaProgram, ev: Evidence) -> _Reference:
        if len(ev.inputs) != len(program.arg_types):
            return _Reference(why=f"{len(ev.inputs)} inputs for {len(program.arg_types)} arguments")
        parent = os.path.dirname(ev.work) if ev.work else None
        with tempfile.TemporaryDirectory(prefix=_DIR + "-", dir=parent if parent and os.path.isdir(parent)
                                         else None) as work:
            failed = tosa_tools.serialize(tools, program.text, work, ev.limits.compile_timeout)
            if failed:
                return _Reference(why=failed)
            bounds = {j: (TOSA_TYPES[r.dtype], list(program.shapes[j]))
                      for j, r in enumerate(program.rules) if r.mode == DOT_PRODUCT}
            run = tosa_tools.run_reference(tools, work, list(ev.inputs), len(program.rules), ev.limits.run_timeout,
                                           bounds=bounds)
        detail = "" if run.error.startswith("Graph result:") else f": {run.error}"
        if run.status == tosa_tools.UNPREDICTABLE:
            return _Reference(why=f"the TOSA spec calls the result UNPREDICTABLE on these inputs (an overflow a "
                                  f"REQUIRE forbids, for example){detail}")
        if run.status == tosa_tools.ERROR:
            return _Reference(why=f"the reference model finds the graph an ERROR of the spec{detail}")
        if run.status is None:
            return _Reference(why=f"the reference model failed: {run.error}")
        tols = [tolerance(r, run.outputs[j], run.bounds.get(j)) if r.mode != NONE else None
                for j, r in enumerate(program.rules)]
        return _Reference(run.outputs, tols)


register(TosaReference())
