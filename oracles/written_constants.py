"""The IR oracle: a constant must reach a dispatch only through a readonly binding, and never be copied
so that it can be written (see `fuzzir.oracles.ir`).

The verdict is made on stream IR, where memory is decided: a constant's resource
bound read-write by a dispatch, or copied into a resource a dispatch then writes
when the copy was avoidable. Flow IR only explains a stream violation (its
message says how the constant got there): a splat destination that flow ties to a
dispatch but stream fills fresh is clean, and a compile that stopped before the
stream phase is not judged (its compile error is reported by the compile stage).
A copy the program needs (a partial overwrite that reads nothing, such as an
``insert_slice`` into a constant) is a note of `fuzzir.oracles.ir`, not a finding.

It needs no model of the ops, so it judges every cell that produced stream IR; the
program model, when there is one, only adds the op's family, init kind and type class to
what it reports. Without the emitter's name locations (a program fuzzir did not write),
the op and the constant are named by their source location (`linalg.reduce at
model.mlir:12:5`), and the source op there gives the family (its name), init kind and
type class. A mutable `util.global` is never a constant, even where IREE, seeing no
store, turns it into one: a violation whose constant is one is not reported.
"""

from __future__ import annotations

from fuzzir import names
from fuzzir.findings import Observation
from fuzzir.model import Program, dtype_class
from fuzzir.oracles import Abstain, Evidence, Judged, register
from fuzzir.oracles.ir import check_written_constants
from fuzzir.oracles.ir.violations import IRViolation
from fuzzir.pipeline import bindings_version, foreign_compiler
from fuzzir.source import Source


def _op_facts(program: Program | None, label: str) -> tuple[int | None, str, str, str, str]:
    """(op index, op name, family, init kind, dtype class) of the op a violation names."""
    parsed = names.parse_op_loc(label)
    if parsed is None:
        return None, label, "unknown", "unknown", "unknown"
    if program is None or parsed.index >= len(program.ops):
        return parsed.index, parsed.name, "unknown", "unknown", "unknown"
    op = program.ops[parsed.index]
    return parsed.index, parsed.name, op.family, program.init_label(op), dtype_class(op.result_type.dtype)


def _model_facts(program: Program, op_name: str, default: tuple) -> tuple:
    """(op index, family, init kind, dtype class) of the model's only op named `op_name`, else `default`
    (the model keeps no source locations; with one such op there is no doubt which it is)."""
    matches = [i for i, op in enumerate(program.ops) if op.name == op_name]
    if len(matches) != 1:
        return default
    op = program.ops[matches[0]]
    return matches[0], op.family, program.init_label(op), dtype_class(op.result_type.dtype)


#: The order the decoupling pass leaves constant inits in place: a global always, a non-splat often.
_LEFT_FIRST = ("global", "large", "nonsplat", "splat")


def _constant_init(program: Program | None, index: int | None) -> str:
    """The label of op `index`'s constant init the pass leaves first ('' when it has none)."""
    if program is None or index is None or index >= len(program.ops):
        return ""
    op = program.ops[index]
    labels = [program.init_label(op, k) for k in range(len(op.inits))
              if str(program.init_kind(op, k)) in _LEFT_FIRST]
    return min(labels, key=lambda label: _LEFT_FIRST.index(label.split("+")[0]), default="")


Named = tuple[str, str, str, str, str, str]  # op label, family, init kind, dtype class, constant, message


def _source_names(source: Source, v: IRViolation) -> Named | None:
    """The violation named after the user's file, or None when its constant is a mutable global."""
    if v.constant_symbol in source.mutable_globals:
        return None
    constant = v.constant
    for f in v.constant_files:
        where, op, sym = source.locate(f)
        if sym is not None and sym in source.mutable_globals:
            return None
        if op is not None and constant == v.constant:
            constant = f"@{sym}" if sym else op.label(where)
    where, op, _ = source.locate(v.where) if v.where else ("", None, None)
    if op is None:
        return v.op, "unknown", "unknown", "unknown", constant, source.rename(v.message)
    dclass = dtype_class(op.dtype) if op.dtype else "unknown"
    message = source.rename(v.message.replace(v.constant, constant).replace(f"({v.op})", f"({op.name})"))
    return op.label(where), op.family, op.init_kind, dclass, constant, message


class WrittenConstants:
    name = "written-constants"

    def judge(self, ev: Evidence) -> list[Observation] | Judged | Abstain:
        c = ev.cell
        phases = ev.compiled.phase_ir
        if "stream" not in phases:
            # A flow-level tie alone is no verdict (stream may still materialize the destination fresh).
            return Abstain("the compile stopped before stream IR, where written constants are judged")
        try:
            report = check_written_constants(phases)
        except Exception as e:
            foreign = foreign_compiler()
            if foreign is not None:  # another release's IR (`--iree VERSION`): the bindings may not read it
                first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
                return Abstain(f"IR of IREE {foreign} is not readable by the {bindings_version()} bindings: {first}")
            if not isinstance(e, ValueError):
                raise
            # unreadable IR is IREE's output, not a bug of the program
            return [Observation("compile-error", c.variant, c.target.name, c.flags, "ir",
                                f"compiled IR could not be parsed: {e}")]
        violations = report.violations
        # A copy the program needs is no finding; the note says where it is, for a person to read.
        notes = tuple(ev.source.rename(n.message) if ev.source is not None else n.message for n in report.notes)
        obs = []
        for v in violations:
            index, name, family, init, dclass = _op_facts(ev.program, v.op)
            constant, message = v.constant, v.message
            if ev.source is not None and names.parse_op_loc(v.op) is None:
                named = _source_names(ev.source, v)
                if named is None:
                    continue
                name, family, init, dclass, constant, message = named
                if ev.program is not None:  # a user's program the model covers: its op's facts
                    index, family, init, dclass = _model_facts(ev.program, family, (index, family, init, dclass))
            if init == "unknown" or (index is not None and ev.program is not None
                                     and index < len(ev.program.ops) and ev.program.ops[index].more):
                # A multi-result op has one init per output: the constant written names its kind; an
                # unnamed one (IREE reshaped or hoisted it) is the op's constant init the pass leaves first.
                init = names.literal_kind(constant) or _constant_init(ev.program, index) or init
            obs.append(Observation(v.kind, c.variant, c.target.name, c.flags, "ir", message,
                                   op_index=index, op_name=name, family=family, init_kind=init,
                                   dtype_class=dclass, constant=constant))
        return Judged(obs, notes) if notes else obs


register(WrittenConstants())
