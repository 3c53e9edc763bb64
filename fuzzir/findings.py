"""The finding vocabulary, observations, and the signature rule.

An *observation* is one symptom on one (target, variant, flags) cell of the
compile matrix. Observations of a program that share a *signature* form one
*finding*; its `variants` say whether the decoupling pass caused, fixed or
missed the bug.

Signature rule (stable across runs and machines; blind to SSA names,
locations, shapes and constant values):

- `compile-error`: the normalized first diagnostic and the op it names, per target;
- `compiler-crash`, `runtime-crash`: the signal and the normalized first diagnostic, per target;
- `timeout`: the stage (compile or run), per target;
- `runtime-error`: the normalized first diagnostic, per target;
- `miscompile`: the op family, init kind and element type class of the op producing the
  wrong output, per target (different backends are different bugs);
- `readwrite-constant`, `constant-copy`: op family, init kind and element type class;
  dispatch formation is target-independent, so the targets merge into one finding;
- a symptom a known-issue filter recognizes (`fuzzir.filters`): the kind and the filter's tag.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from fuzzir import names

KINDS = (
    "miscompile",
    "compile-error",
    "compiler-crash",
    "timeout",
    "runtime-error",
    "runtime-crash",
    "readwrite-constant",
    "constant-copy",
)
IR_KINDS = ("readwrite-constant", "constant-copy")
COMPILE_KINDS = ("compile-error", "compiler-crash")
#: Kinds only running a module shows: on a target without a device they cannot be judged.
RUN_ONLY_KINDS = ("miscompile", "runtime-error", "runtime-crash")
#: Severity order: a program with several findings is minimized for the first.
SEVERITY = {k: i for i, k in enumerate(KINDS)}
VARIANTS = ("with", "without")


def needs_run(kind: str, stage: str) -> bool:
    """Whether a symptom of this kind (seen at this stage) shows only when the module runs."""
    return kind in RUN_ONLY_KINDS or (kind == "timeout" and stage != "compile")

#: Where in the pipeline an observation was made.
STAGES = ("compile", "ir", "run")


@dataclass(frozen=True)
class Observation:
    """One symptom in one cell, with typed identity: the stage, and the op when one is known."""

    kind: str
    variant: str  # "with" or "without"
    target: str
    flags: tuple[str, ...]
    stage: str  # one of STAGES
    message: str  # one line
    op_index: int | None = None  # position of the op in a fuzzir program, when known
    op_name: str = ""  # the op's MLIR name ("linalg.matmul"), or a dispatch/source name when no index
    family: str = ""
    init_kind: str = ""
    dtype_class: str = ""
    diagnostic: str = ""  # normalized first diagnostic, for compile errors and crashes
    signal: int | None = None
    constant: str = ""
    known: str = ""  # a known-issue tag from fuzzir.filters

    @property
    def op(self) -> str:
        """A display label: 'op2:linalg.matmul', an op name, or the stage."""
        if self.op_index is not None:
            return names.op_loc(self.op_index, self.op_name)
        return self.op_name or self.stage

    def _subject(self) -> str:
        # The run stage's token is the entry function's name, as signatures have always had it,
        # so that stored signatures stay stable.
        return self.op_name or ("main" if self.stage == "run" else self.stage)

    def signature_key(self) -> str:
        if self.known:
            return "|".join([self.kind, "known", self.known])
        if self.kind in IR_KINDS:
            parts = [self.kind, self.family, self.init_kind, self.dtype_class]
        elif self.kind == "miscompile":
            parts = [self.kind, self.target, self.family, self.init_kind, self.dtype_class]
        elif self.kind in ("compiler-crash", "runtime-crash"):
            parts = [self.kind, self.target, str(self.signal), self.diagnostic]
        elif self.kind == "timeout":
            parts = [self.kind, self.target, self.stage]
        else:
            parts = [self.kind, self.target, self._subject(), self.diagnostic]
        return "|".join(parts)

    @property
    def signature(self) -> str:
        return signature_of(self.signature_key())

    def with_known(self, tag: str) -> Observation:
        return dataclasses.replace(self, known=tag)

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["flags"] = list(self.flags)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Observation:
        """From either form: typed fields (schema 2) or the legacy `op` string (schema 1)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in fields}
        kw["flags"] = tuple(kw.get("flags") or ())
        if "stage" not in d:
            kw.update(_legacy_identity(str(d.get("kind", "")), str(d.get("op", ""))))
        return cls(**kw)


def _legacy_identity(kind: str, op: str) -> dict[str, Any]:
    """Typed identity from schema 1's `op`: a name location, an op name, or a stage word."""
    parsed = names.parse_op_loc(op)
    stage = "ir" if kind in IR_KINDS else "run" if kind in RUN_ONLY_KINDS else "compile"
    if parsed is not None:
        return {"stage": stage, "op_index": parsed.index, "op_name": parsed.name}
    if op in ("compile", "run", "ir"):
        return {"stage": op, "op_name": ""}
    if op == "main":
        return {"stage": "run", "op_name": ""}
    return {"stage": stage, "op_name": op}


def signature_of(key: str) -> str:
    """A short, filesystem-safe name for a signature key: kind plus a hash."""
    kind = key.split("|", 1)[0]
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


@dataclass
class Finding:
    """Observations of one program that share a signature."""

    signature: str
    kind: str
    key: str
    observations: list[Observation] = field(default_factory=list)

    @property
    def variants(self) -> list[str]:
        return sorted({o.variant for o in self.observations}, key=VARIANTS.index)

    @property
    def targets(self) -> list[str]:
        return sorted({o.target for o in self.observations})

    @property
    def flag_sets(self) -> list[list[str]]:
        seen: list[list[str]] = []
        for o in self.observations:
            if list(o.flags) not in seen:
                seen.append(list(o.flags))
        return seen

    @property
    def first(self) -> Observation:
        return self.observations[0]

    def repro_observation(self) -> Observation:
        """The cell a reproducer replays: the stock compiler (`with`) when it shows the bug."""
        for o in self.observations:
            if o.variant == "with":
                return o
        return self.observations[0]


def group(observations: list[Observation]) -> list[Finding]:
    """One finding per signature, in order of severity then first appearance."""
    found: dict[str, Finding] = {}
    for o in observations:
        f = found.setdefault(o.signature, Finding(o.signature, o.kind, o.signature_key()))
        f.observations.append(o)
    return sorted(found.values(), key=lambda f: SEVERITY[f.kind])
