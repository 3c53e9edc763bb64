"""What a finding needs: the one record of counterfactual blame (`fuzzir.blame` fills it in).

Each answer is True, False or None; a None has its reason in `why`. `constant: True` means the
symptom goes away when the constants reaching destinations become arguments; `pass: True` that it
goes away without the decoupling pass (`without` says what shows instead); `flags` is the smallest
set of non-default flags it still shows with; `targets` every target tried on which it shows;
`dtype: True` that it goes away in the wider type of its class. Stored in `meta.json` as `needs`
(`FindingRecord.needs`), printed in `fuzzir check --json`, and read back here only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fuzzir.findings import codegen


@dataclass
class Needs:
    """What a finding needs, each answer True, False or None (with its reason in `why`)."""

    constant: bool | None = None
    #: asked when the constant is needed: True when it is needed *as a destination* (gone with an argument in
    #: the destination while the constant stays in the program), False when the constant alone shows it
    destination: bool | None = None
    init_value: bool | None = None
    pass_: bool | None = None
    flags: list[str] | None = None
    targets: list[str] | None = None
    dtype: bool | None = None
    why: dict[str, str] = field(default_factory=dict)  # a reason per None, and how an answer was judged
    without: str = ""  # what the symptom's cell shows without the pass ("the same", "clean", another symptom)
    tried: list[str] = field(default_factory=list)  # the targets tried
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"constant": self.constant, "destination": self.destination, "init_value": self.init_value,
                "pass": self.pass_,
                "flags": self.flags, "targets": self.targets, "dtype": self.dtype, "why": dict(self.why),
                "without": self.without, "targets_tried": list(self.tried), "seconds": round(self.seconds, 2)}

    @classmethod
    def from_json(cls, d: Any) -> Needs | None:
        """Read a stored `needs` (untrusted: anything malformed reads as None)."""
        if not isinstance(d, dict):
            return None

        def answer(key: str) -> bool | None:
            v = d.get(key)
            return v if isinstance(v, bool) else None

        def names(key: str) -> list[str] | None:
            v = d.get(key)
            return [str(x) for x in v] if isinstance(v, list) and all(isinstance(x, str) for x in v) else None

        why = d.get("why") if isinstance(d.get("why"), dict) else {}
        seconds = d.get("seconds")
        return cls(answer("constant"), answer("destination"), answer("init_value"), answer("pass"), names("flags"),
                   names("targets"),
                   answer("dtype"), {str(k): str(v) for k, v in why.items()}, str(d.get("without", "")),
                   names("targets_tried") or [], float(seconds) if isinstance(seconds, int | float) else 0.0)

    def key(self) -> str:
        """The part of a cause key that says what the finding needs (codegens, not targets: cuda and
        rocm share one)."""
        def yn(v: bool | None) -> str:
            return "?" if v is None else "yes" if v else "no"

        targets = "?" if self.targets is None else ",".join(sorted({codegen(t) for t in self.targets}))
        flags = "?" if self.flags is None else ",".join(sorted(self.flags))
        return (f"needs:constant={yn(self.constant)};dest={yn(self.destination)};init={yn(self.init_value)};"
                f"dtype={yn(self.dtype)};"
                f"targets={targets};flags={flags}")

    def about_constants(self) -> bool | None:
        """Whether the finding is about a constant in a destination (fuzzir's class of bug): True when it
        needs the constant (and, where that was asked, as a destination), False when it needs no constant
        or the constant alone shows it, None when not established."""
        if self.constant is True and self.destination is False:
            return False
        return self.constant

    def words(self) -> str:
        """What it needs, for people: 'not about constants: the same with an argument init; needs target
        vulkan; no flags'."""
        parts = []
        if self.constant is True and self.destination is False:
            parts.append("needs the constant but not in a destination (the same with an argument there and the "
                         "constant still in the program)")
        elif self.constant is True:
            parts.append("needs the constant (gone when it is passed as an argument)")
        elif self.constant is False:
            parts.append("not about constants: the same with the constants passed as arguments")
        else:
            parts.append(f"constant not established ({self.why.get('constant', 'not tried')})")
        if self.init_value is True:
            parts.append("needs the init's values (gone with a zero fill)")
        elif self.init_value is False:
            parts.append("any init value shows it")
        if self.pass_ is True:
            parts.append(f"caused by the pass (without it: {self.without or 'clean'})")
        elif self.pass_ is False and self.without:
            parts.append(f"without the pass: {self.without}")
        if self.targets is not None:
            parts.append(("needs target " if len(self.targets) == 1 else "on targets ") + ", ".join(self.targets)
                         + (f" (of {', '.join(self.tried)} tried)" if len(self.tried) > len(self.targets) else ""))
        if self.flags is not None:
            parts.append("needs flags " + " ".join(self.flags) if self.flags else "no flags")
        if self.dtype is True:
            parts.append("needs its element type (gone when widened)")
        elif self.dtype is False:
            parts.append("the same in a wider element type")
        return "; ".join(parts)

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer with its reason) for each question, as a report lists them."""
        def say(q: str, v: object) -> str:
            text = "null" if v is None else str(v).lower() if isinstance(v, bool) else ", ".join(v) or "none"
            why = self.why.get(q)
            return f"{text} ({why})" if why else text

        return [("constant", say("constant", self.constant)), ("destination", say("destination", self.destination)),
                ("init_value", say("init_value", self.init_value)),
                ("pass", say("pass", self.pass_)), ("flags", say("flags", self.flags)),
                ("targets", say("targets", self.targets)), ("dtype", say("dtype", self.dtype))]
