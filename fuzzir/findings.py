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

import hashlib
import re
from dataclasses import asdict, dataclass, field

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
#: Severity order: a program with several findings is minimized for the first.
SEVERITY = {k: i for i, k in enumerate(KINDS)}


@dataclass(frozen=True)
class Observation:
    kind: str
    variant: str  # "with" or "without"
    target: str
    flags: tuple[str, ...]
    op: str  # the op it concerns: a name loc like "op0:linalg.matmul", or an op name
    message: str  # one line
    family: str = ""
    init_kind: str = ""
    dtype_class: str = ""
    diagnostic: str = ""  # normalized first diagnostic, for compile errors and crashes
    signal: int | None = None
    constant: str = ""
    known: str = ""  # a known-issue tag from fuzzir.filters

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
            parts = [self.kind, self.target, self.op]
        else:
            parts = [self.kind, self.target, op_name(self.op), self.diagnostic]
        return "|".join(parts)

    @property
    def signature(self) -> str:
        return signature_of(self.signature_key())

    def to_json(self) -> dict:
        d = asdict(self)
        d["flags"] = list(self.flags)
        return d


def signature_of(key: str) -> str:
    """A short, filesystem-safe name for a signature key: kind plus a hash."""
    kind = key.split("|", 1)[0]
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def op_name(op: str) -> str:
    """'op3:linalg.matmul' -> 'linalg.matmul'; other texts unchanged."""
    return op.split(":", 1)[1] if re.fullmatch(r"op\d+:[\w.]+", op) else op


_NORMALIZERS = [
    (re.compile(r"\"[^\"]*\.mlir\":\d+:\d+|[\w./-]+\.mlir:\d+:\d+"), "<loc>"),
    (re.compile(r"loc\([^)]*\)"), "<loc>"),
    (re.compile(r"%[\w.$-]+"), "%v"),
    (re.compile(r"@[\w.$-]+"), "@sym"),
    (re.compile(r"\b(\d+x)+([a-z]\w*)"), r"Nx\2"),
    (re.compile(r"0x[0-9A-Fa-f]+"), "0xH"),
    (re.compile(r"\b\d+\b"), "N"),
    (re.compile(r"\s+"), " "),
]


def normalize_diagnostic(text: str) -> str:
    """Strip what varies between copies of one bug: names, shapes, numbers, locations."""
    text = text.strip()
    # Drop the op dump and location a diagnostic may end with ("...marked illegal: %4 = ... loc(...)").
    for cut in (": %", ' loc(', ": \""):
        if cut in text:
            text = text[: text.index(cut)]
    for pattern, repl in _NORMALIZERS:
        text = pattern.sub(repl, text)
    return text[:200]


def first_diagnostic(stderr: str) -> str:
    """The first `error:` line's message, else the first LLVM/abort line, else ''."""
    from fuzzir.compiler import first_error_line  # compiler imports nothing of findings

    error = first_error_line(stderr)
    if error is not None:
        return error
    for line in stderr.splitlines():
        if re.search(r"LLVM ERROR|Assertion|Aborted|Segmentation|terminate|RESOURCE_EXHAUSTED|"
                     r"INTERNAL|INVALID_ARGUMENT|UNIMPLEMENTED|FAILED_PRECONDITION", line):
            return line.strip()
    return ""


def diagnostic_op(diagnostic: str) -> str:
    """The op a diagnostic names: "'linalg.generic' op ..." -> 'linalg.generic'."""
    m = re.match(r"'([\w.]+)' op", diagnostic)
    return m.group(1) if m else ""


@dataclass
class Finding:
    """Observations of one program that share a signature."""

    signature: str
    kind: str
    key: str
    observations: list[Observation] = field(default_factory=list)

    @property
    def variants(self) -> list[str]:
        return sorted({o.variant for o in self.observations}, key=("with", "without").index)

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


def group(observations: list[Observation]) -> list[Finding]:
    """One finding per signature, in order of severity then first appearance."""
    found: dict[str, Finding] = {}
    for o in observations:
        f = found.setdefault(o.signature, Finding(o.signature, o.kind, o.signature_key()))
        f.observations.append(o)
    return sorted(found.values(), key=lambda f: SEVERITY[f.kind])
