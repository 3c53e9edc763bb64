"""The IR oracle: a constant must reach a dispatch only through a readonly binding, and never be copied
so that it can be written (see `fuzzir.oracles.ir`).

It needs no model of the ops, so it judges every cell that produced flow and
stream IR; the program model, when there is one, only adds the op's family,
init kind and type class to what it reports.
"""

from __future__ import annotations

from fuzzir import names
from fuzzir.findings import Observation
from fuzzir.model import Program, dtype_class
from fuzzir.oracles import Abstain, Evidence, register
from fuzzir.oracles.ir import find_written_constants


def _op_facts(program: Program | None, label: str) -> tuple[int | None, str, str, str, str]:
    """(op index, op name, family, init kind, dtype class) of the op a violation names."""
    parsed = names.parse_op_loc(label)
    if parsed is None:
        return None, label, "unknown", "unknown", "unknown"
    if program is None or parsed.index >= len(program.ops):
        return parsed.index, parsed.name, "unknown", "unknown", "unknown"
    op = program.ops[parsed.index]
    return parsed.index, parsed.name, op.family, str(program.init_kind(op)), dtype_class(op.result_type.dtype)


class WrittenConstants:
    name = "written-constants"

    def judge(self, ev: Evidence) -> list[Observation] | Abstain:
        c = ev.cell
        phases = ev.compiled.phase_ir
        if "flow" not in phases and "stream" not in phases:
            return Abstain("the compile stopped before flow IR")
        try:
            violations = find_written_constants(phases)
        except ValueError as e:  # unreadable IR is IREE's output, not a bug of the program
            return [Observation("compile-error", c.variant, c.target.name, c.flags, "ir",
                                f"compiled IR could not be parsed: {e}")]
        obs = []
        for v in violations:
            index, name, family, init, dclass = _op_facts(ev.program, v.op)
            if init == "unknown":
                init = names.literal_kind(v.constant) or init
            obs.append(Observation(v.kind, c.variant, c.target.name, c.flags, "ir", v.message,
                                   op_index=index, op_name=name, family=family, init_kind=init,
                                   dtype_class=dclass, constant=v.constant))
        return obs


register(WrittenConstants())
