"""The value oracle: a module's outputs against the numpy reference's, exactly or within a derived bound.

It judges only cells that ran, of programs fuzzir models (the reference needs
the model); everything else is an abstention with its reason.
"""

from __future__ import annotations

from fuzzir.findings import Observation
from fuzzir.model import Program, dtype_class
from fuzzir.oracles import Abstain, Evidence, register
from fuzzir.oracles.reference import compare


def _result_facts(program: Program, j: int) -> tuple[int | None, str, str, str, str]:
    """(op index, op name, family, init kind, dtype class) of the op producing result j."""
    ref = program.results[j]
    if ref.kind != "op":
        return None, f"result{j}", "none", str(ref.kind), dtype_class(program.type_of(ref).dtype)
    op = program.ops[ref.index]
    return (ref.index, op.name, op.family, program.init_label(op, ref.result),
            dtype_class(op.result_types[ref.result].dtype))


class NumpyValues:
    name = "numpy-values"

    def judge(self, ev: Evidence) -> list[Observation] | Abstain:
        if ev.program is None or ev.expectation is None:
            return Abstain(ev.unmodelled or "fuzzir's model does not cover this program")
        if ev.run is None:
            return Abstain(f"no {ev.cell.target.name} device here: compiled, not run")
        if not ev.run.ok:
            return Abstain("the module did not run")
        c = ev.cell
        outputs, expected = ev.run.outputs, ev.expectation
        if expected.why:
            return Abstain(f"the reference cannot judge this program: {expected.why}")
        if len(outputs) != len(expected.outputs):
            return [Observation("miscompile", c.variant, c.target.name, c.flags, "run",
                                f"{len(outputs)} outputs, expected {len(expected.outputs)}")]
        obs = []
        for j, (want, got) in enumerate(zip(expected.outputs, outputs, strict=True)):
            problem = compare(want, got, expected.tolerances[j])
            if problem:
                index, name, family, init, dclass = _result_facts(ev.program, j)
                exactness = "exact" if expected.tolerances[j] is None else "within derived tolerance"
                obs.append(Observation(
                    "miscompile", c.variant, c.target.name, c.flags, "run",
                    f"result {j} ({exactness} compare): {problem}", op_index=index, op_name=name,
                    family=family, init_kind=init, dtype_class=dclass))
        return obs


register(NumpyValues())
