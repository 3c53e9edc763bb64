"""The finding vocabulary, observations, root-cause keys and verdicts.

An *observation* is one symptom on one (target, variant, flags) cell of the
compile matrix. A program's observations that share a *cause key* form one
*finding*; its signature is the cause key plus which variants showed it
(`variant_key`): for what the pass exists to prevent, the exact pattern, because "the
pass causes it", "the pass misses it" and "only the pass hides it" are different
causes; for the rest, whether IREE as shipped shows it or only the pass-less pipeline.

Cause keys follow the compiler's behaviour, not the surface of the program
(stable across runs and machines; blind to SSA names, locations, shapes and values):

- `readwrite-constant`, `constant-copy` (a constant written by a dispatch, and the
  runtime's copy of it: one cause, two symptoms): what the constant is (splat,
  non-splat literal, global) and whether the pass's matcher applies to the op at all
  (`pass_matcher`); the op family, element type and how the constant came to be bound
  (size, flags, a resource blob) are not part of it;
- `compile-error`: the normalized first diagnostic and the op it names, per codegen
  (cuda and rocm share LLVMGPU codegen, so they are one), or for every target at once when the
  compiler stopped before executables exist (the last phase it finished, `phase`); when codegen refuses to write
  a global resource, instead of the op, which constant init the pipeline left in place
  (`leftover_constant`): a global, a non-splat init of an op outside the pass's matcher...;
- `compiler-crash`, `runtime-crash`: the signal and the normalized first diagnostic, per codegen
  (or for every target, as for compile errors);
- `timeout`: the stage (compile or run), per target;
- `runtime-error`: the normalized first diagnostic, per target;
- `mutated-constant` (results that change between calls in one runtime context): per target
  only, whatever op or constant shows it (the runtime writing read-only data is one cause);
- `miscompile`: the op family, init kind and element type class of the op producing the
  wrong output, per target (different backends are different bugs);
- a symptom a known-issue filter recognizes (`fuzzir.filters`): the kind and the filter's tag.

Verdicts (`verdict`) are about the compiler IREE ships, `with` the pass: a finding
seen `with` is a *defect*; one seen only `without` is *guarded* when it is what the
pass exists to prevent (a written or copied constant, the "write affecting operations
on global resources" error) and *latent* otherwise (a later stage's bug the pass masks).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any

from fuzzir import names
from fuzzir.diagnostics import is_global_write
from fuzzir.pass_matcher import constant_class, constant_key, matcher

KINDS = (
    "miscompile",
    "mutated-constant",  # results changed between calls of one context (oracles.run_twice)
    "compile-error",
    "compiler-crash",
    "timeout",
    "oom",  # a compiler or runtime child killed above the resident memory limit (`--rss-limit-mb`)
    "runtime-error",
    "runtime-crash",
    "readwrite-constant",
    "constant-copy",
)
IR_KINDS = ("readwrite-constant", "constant-copy")
#: The cause-key kind of both IR kinds: a dispatch writes a constant (and the runtime copies it).
WRITTEN_CONSTANT = "readwrite-constant"
#: The cause-key kind (and signature prefix) of a written constant whose constant is known, whatever
#: the symptom: an IR kind, or codegen refusing to write it (a compile error). The finding's kind
#: is its most severe symptom.
WRITTEN = "written-constant"
COMPILE_KINDS = ("compile-error", "compiler-crash")
#: Kinds only running a module shows: on a target without a device they cannot be judged.
RUN_ONLY_KINDS = ("miscompile", "mutated-constant", "runtime-error", "runtime-crash")
#: Severity order: a program with several findings is minimized for the first.
SEVERITY = {k: i for i, k in enumerate(KINDS)}
VARIANTS = ("with", "without")
DEFECT, LATENT, GUARDED = "defect", "latent", "guarded"
VERDICTS = (DEFECT, LATENT, GUARDED)
#: `about` values: the compiler as shipped (default), or the pass itself (every variant counts).
SHIPPED, PASS = "shipped", "pass"


def needs_run(kind: str, stage: str) -> bool:
    """Whether a symptom of this kind (seen at this stage) shows only when the module runs."""
    return kind in RUN_ONLY_KINDS or (kind in ("timeout", "oom") and stage != "compile")

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
    phase: str = ""  # for compile kinds: the last compilation phase the compiler finished ("" unknown)

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

    def cause_key(self) -> str:
        """What this symptom says about its cause (see the module docstring); no variant in it."""
        kind = WRITTEN_CONSTANT if self.kind in IR_KINDS else self.kind
        if self.known:
            return "|".join([kind, "known", self.known])
        facts = self.constant_facts()
        if facts:
            # A constant written by a dispatch: one cause per constant the pass leaves in place,
            # whatever each codegen makes of it (a readwrite binding and the runtime's copy, or
            # llvm-cpu / LLVMGPU refusing to write a global resource), whatever the op family and
            # type, and however the constant came to be bound (size, flags, a resource blob).
            parts = [WRITTEN, facts]
        elif self.kind in IR_KINDS:
            parts = [kind, constant_class(self.init_kind), matcher(self.family, self.init_kind)]
        elif self.kind == "miscompile":
            parts = [kind, self.target, self.family, self.init_kind, self.dtype_class]
        elif self.kind in ("compiler-crash", "runtime-crash"):
            parts = [kind, self._where(), str(self.signal), self.diagnostic]
        elif self.kind in ("timeout", "oom"):
            parts = [kind, self.target, self.stage]
        elif self.kind == "compile-error" and is_global_write(self.diagnostic):
            # No constant left in place: codegen refuses to write some other global resource.
            parts = [kind, codegen(self.target), "global-write", self.init_kind or "unknown"]
        elif self.kind == "compile-error":
            parts = [kind, self._where(), self._subject(), self.diagnostic]
        else:
            parts = [kind, self.target, self._subject(), self.diagnostic]
        return "|".join(parts)

    def _where(self) -> str:
        """'any' when the compiler stopped in a target-independent phase (the same failure then
        shows on every target: one finding), else the codegen of the target."""
        return "any" if self.phase in TARGET_INDEPENDENT_PHASES else codegen(self.target)

    def constant_facts(self) -> str:
        """'<constant class>:<pass matcher>' of the constant a guard symptom is about, or '' when
        it is not one or the constant is not known (a user's program without a model; a global
        write with no constant in the program)."""
        if self.kind in IR_KINDS:
            facts = constant_key(constant_class(self.init_kind), matcher(self.family, self.init_kind))
        elif self.kind == "compile-error" and is_global_write(self.diagnostic):
            facts = self.init_kind
        else:
            return ""
        return "" if "unknown" in facts or facts in ("", "none") else facts

    @property
    def pass_applies(self) -> bool:
        """False when the pass's matcher cannot touch the constant this symptom is about (a global, a
        constant seen through a reshape, a non-splat init of an op without a contraction/convolution
        interface, or the destination of a tensor op): then which variants show it says nothing about
        the pass (a `without` cell may just fail earlier)."""
        return self.constant_facts().partition(":")[2] not in ("no-lookthrough", "no-interface", "not-linalg")

    @property
    def guard_symptom(self) -> bool:
        """Whether this is what the decoupling pass exists to prevent."""
        return self.kind in IR_KINDS or (self.kind == "compile-error" and is_global_write(self.diagnostic))

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
    """A short, filesystem-safe name for a signature key: its first field plus a hash."""
    kind = key.split("|", 1)[0]
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def variant_pattern(variants: set[str] | list[str]) -> str:
    """'with+without', 'with' or 'without': which variants showed a cause."""
    return "+".join(v for v in VARIANTS if v in variants)


def variant_key(observations: list[Observation]) -> str:
    """The variant part of a signature.

    For what the pass exists to prevent (a written constant, codegen refusing to write a
    global) about a constant the pass's matcher applies to, the exact pattern: "the pass
    causes it" (with), "misses it" (with+without) and "prevents it" (without) are different
    causes. For everything else (including constants the pass cannot touch), only whether
    IREE as shipped shows it ('with') or only the pass-less pipeline does ('without'):
    a splat init that the pass turns into a fill shows a fill-init bug only `with`, while
    a fill init shows it in both, and that is one bug."""
    variants = {o.variant for o in observations}
    if all(o.guard_symptom and o.pass_applies for o in observations):
        return variant_pattern(variants)
    return "with" if "with" in variants else "without"


@dataclass
class Finding:
    """Observations of one program that share a cause, with the variant pattern they show."""

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

    def verdict(self, about: str = SHIPPED) -> str:
        """DEFECT, LATENT or GUARDED (module docstring); `about=PASS` makes everything a defect,
        for engineers who study the pass itself."""
        if about == PASS or "with" in self.variants:
            return DEFECT
        return GUARDED if all(o.guard_symptom for o in self.observations) else LATENT

    def repro_observation(self) -> Observation:
        """The cell a reproducer replays: the stock compiler (`with`) when it shows the bug."""
        for o in self.observations:
            if o.variant == "with":
                return o
        return self.observations[0]


def group(observations: list[Observation]) -> list[Finding]:
    """One finding per cause and variant pattern, in order of severity then first appearance.

    A finding's kind is the most severe kind among its observations (a written
    constant and its copy are one cause: the finding is the write)."""
    by_cause: dict[str, list[Observation]] = {}
    for o in observations:
        by_cause.setdefault(o.cause_key(), []).append(o)
    found = []
    for cause, obs in by_cause.items():
        key = f"{cause}|{variant_key(obs)}"
        kind = min((o.kind for o in obs), key=SEVERITY.__getitem__)
        obs = sorted(obs, key=lambda o: SEVERITY[o.kind])  # stable: first appearance within a kind
        found.append(Finding(signature_of(key), kind, key, obs))
    return sorted(found, key=lambda f: SEVERITY[f.kind])


def split_verdicts(findings: list[Finding], about: str = SHIPPED) -> dict[str, list[Finding]]:
    """The findings by verdict: {DEFECT: [...], LATENT: [...], GUARDED: [...]}."""
    out: dict[str, list[Finding]] = {v: [] for v in VERDICTS}
    for f in findings:
        out[f.verdict(about)].append(f)
    return out


# ---------------------------------------------------------------- cause facets
#: Phases before executables exist (`--dump-compilation-phases-to` names): a compile that last
#: finished one of these failed before anything target-specific ran.
TARGET_INDEPENDENT_PHASES = frozenset({"input", "abi", "preprocessing", "global-optimization",
                                       "dispatch-creation", "flow"})
#: Codegen a target shares with another: the same codegen bug shows on both.
_CODEGEN = {"cuda": "llvmgpu", "rocm": "llvmgpu", "vulkan": "spirv", "llvm-cpu": "llvmcpu"}


def codegen(target: str) -> str:
    return _CODEGEN.get(target, target)
