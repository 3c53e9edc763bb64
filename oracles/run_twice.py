"""The run-twice oracle: a function called again with the same inputs must return the same bits.

Nothing in a program without mutable state can make its results depend on how
often it was called, so in one runtime context the entry function is called
`CALLS` times with the cell's inputs and every call's results must equal the
first's byte for byte (bytes, not values: NaN payloads and signed zeros
included). A difference is a `mutated-constant` finding: a constant, or other
state meant to be read-only, was written in place. This is how IREE 3.13's
narrow-N matvec on llvm-cpu shows (IREE's own `tests/e2e/linalg/narrow_n_matmuls.mlir`):
the dispatch binds the accumulator constant's storage read-write, the first call
is right and the second returns different numbers. `iree-run-module` makes one
call, so the ordinary run cannot see it, and neither can any value oracle.

It needs no model of the ops and judges every cell that ran. The calls run in
a child process (`fuzzir.runner.run_calls`; a module that writes its read-only
data may fault, and must take down the child only): a warm child kept from cell
to cell (`fuzzir.warm_calls`; a fresh one per cell cost a quarter of a
campaign's speed), and, whenever the warm child shows a difference or cannot
answer, a fresh child whose answer alone counts. It abstains when the cell did not run, when a value cannot be passed
to the runtime from Python, when the first call in the child does not
reproduce the ordinary run (then the child, not the module, is in doubt), and
when the program stores to a mutable global: such a program legitimately
returns something else on the next call.
"""

from __future__ import annotations

import os

import numpy as np

from fuzzir.findings import Observation
from fuzzir.oracles import Abstain, Evidence, register
from fuzzir.oracles.outputs import result_facts
from fuzzir.runner import CallOutput, CallsResult, run_calls

#: Calls per cell. The second call shows a constant written in place by the first; the third
#: costs a dispatch more and shows state that a call writes back only every other time.
CALLS = 3
#: Ops that write program state which legitimately survives a call.
STATE_WRITERS = ("util.global.store", "util.global.store.indirect", "ml_program.global_store")
_DIR = "run-twice"
_SHOWN = 8  # elements shown of each output in a finding's message


def short(value: np.ndarray | str) -> str:
    """An output in a few characters: its first elements (flattened), '...' when there are more."""
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:40] + "..."
    flat = value.reshape(-1)
    head = ", ".join(str(x) for x in flat[:_SHOWN].tolist())
    return f"[{head}{', ...' if flat.size > _SHOWN else ''}]"


def _same_as_run(first: list[CallOutput], run: list[np.ndarray]) -> bool:
    """Whether the child's first call returned what iree-run-module did (tensors by bytes)."""
    if len(first) != len(run):
        return False
    for got, want in zip(first, run, strict=True):
        if got.scalar is not None or isinstance(want, np.generic):
            continue  # scalars come back in different VM types; the calls are compared among themselves
        if np.ascontiguousarray(want).tobytes() != got.data:
            return False
    return True


def _writes_state(ev: Evidence) -> str:
    """The state-writing op the program has ('' when none): its results may change between calls."""
    names = ev.source.op_names if ev.source is not None else frozenset()
    return next((n for n in STATE_WRITERS if n in names), "")


class RunTwice:
    name = "run-twice"

    def judge(self, ev: Evidence) -> list[Observation] | Abstain:
        if ev.run is None:
            return Abstain(f"not run: {ev.facts.invalid}" if ev.facts and ev.facts.invalid
                           else f"no {ev.cell.target.name} device here: compiled, not run")
        if not ev.run.ok or ev.inputs is None or ev.compiled.vmfb is None:
            return Abstain("the module did not run")
        writer = _writes_state(ev)
        if writer:
            return Abstain(f"the program writes a mutable global ({writer}): its results may change between calls")
        function = ev.source.function if ev.source is not None else "main"
        verdict = self._calls(ev, function, warm=True)
        if isinstance(verdict, list) and not verdict:
            return verdict
        # A warm child (`fuzzir.warm_calls`) served modules before this one: what it shows, or could
        # not do, is asked again of a fresh child, and only that answer counts.
        return self._calls(ev, function, warm=False)

    def _calls(self, ev: Evidence, function: str, *, warm: bool) -> list[Observation] | Abstain:
        assert ev.compiled.vmfb is not None and ev.inputs is not None and ev.run is not None
        res = run_calls(ev.compiled.vmfb, ev.cell.target, ev.inputs,
                        workdir=os.path.join(ev.work, _DIR if warm else f"{_DIR}-fresh"),
                        timeout=ev.limits.run_timeout, function=function, calls=CALLS, warm=warm,
                        mem_limit_mb=ev.limits.rss_limit_mb)
        if not res.calls:
            return Abstain(f"the first call in a child process failed ({res.status}): {res.error}")
        if not _same_as_run(res.calls[0], ev.run.outputs):
            return Abstain("the first call in a child process did not return what iree-run-module did")
        return self._compare(ev, function, res)

    def _compare(self, ev: Evidence, function: str, res: CallsResult) -> list[Observation] | Abstain:
        c = ev.cell
        first = res.calls[0]
        for k, outputs in enumerate(res.calls[1:], start=2):
            changed = [j for j, (a, b) in enumerate(zip(first, outputs, strict=True)) if not a.same(b)]
            if not changed:
                continue
            j = changed[0]
            _, op, family, init, dclass = result_facts(ev, j)
            what = f"result {j}" + (f" ({op})" if op and not op.startswith("result") else "")
            more = f" ({len(changed)} of {len(first)} results changed)" if len(first) > 1 else ""
            return [Observation(
                "mutated-constant", c.variant, c.target.name, c.flags, "run",
                f"@{function}'s results changed between calls in one runtime context: {what} was "
                f"{short(first[j].array())} on call 1, {short(outputs[j].array())} on call {k}{more}; "
                "a constant, or state meant to be read-only, was written in place",
                family=family, init_kind=init, dtype_class=dclass)]
        if res.status in ("timeout", "oom"):
            return Abstain(f"call {res.failed_call} in a child process ran out of "
                           f"{'time' if res.status == 'timeout' else 'memory'}")
        if res.failed_call is not None:
            how = f"signal {res.signal}" if res.status == "crash" and res.signal else res.error
            return [Observation(
                "mutated-constant", c.variant, c.target.name, c.flags, "run",
                f"@{function} failed on call {res.failed_call} in one runtime context after "
                f"{len(res.calls)} call(s) with the same inputs succeeded ({how}); a constant, or state "
                "meant to be read-only, was written in place")]
        return []


register(RunTwice())
