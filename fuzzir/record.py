"""The finding record: the one schema of `meta.json`, read and written only here.

Every reader (minimize, replay, export, the pytest plugin, the CLI) gets a
`FindingRecord` from `FindingRecord.from_json`, so they cannot disagree on
which cells an entry has or which pass its `without` variant removed. The
schema is versioned (`meta_version`); older versions are read and upgraded in
memory, and written back in the current version. Keys this version does not
know are kept in `extra` and written back unchanged, so a newer fuzzir's
fields survive an older one's rewrite.

Version history: 1, the first format (observations name their op as one
string); 2, typed observation identity (stage, op index, op name), commands as
argv lists, and per-cell oracle verdicts in `checked_cells`; within 2, optional `needs` and
`cause` (`fuzzir.blame`), absent until a finding is blamed.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from fuzzir.findings import DEFECT, KINDS, VARIANTS, VERDICTS, Observation
from fuzzir.pipeline import DETACH_PASS

SCHEMA_VERSION = 2
STATUSES = ("open", "fixed")


class RecordError(ValueError):
    """A meta.json that does not fit the schema; the message is one line."""


@dataclass(frozen=True)
class CellRecord:
    """A cell as stored: target name, variant, flags; for checked cells, whether it ran and the oracles."""

    target: str
    variant: str
    flags: tuple[str, ...] = ()
    ran: bool | None = None
    oracles: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"target": self.target, "variant": self.variant, "flags": list(self.flags)}
        if self.ran is not None:
            d["ran"] = self.ran
        if self.oracles is not None:
            d["oracles"] = dict(self.oracles)
        return d

    @classmethod
    def from_json(cls, d: Any) -> CellRecord:
        if not isinstance(d, dict) or not isinstance(d.get("target"), str):
            raise RecordError("a cell has no target")
        if d.get("variant") not in VARIANTS:
            raise RecordError(f"unknown variant {d.get('variant')!r}")
        flags = d.get("flags") or ()
        if not isinstance(flags, list | tuple) or not all(isinstance(f, str) for f in flags):
            raise RecordError("a cell's flags are not a list of strings")
        oracles = d.get("oracles")
        return cls(d["target"], d["variant"], tuple(flags), d.get("ran"),
                   dict(oracles) if isinstance(oracles, dict) else None)

    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.target, self.variant, self.flags)


@dataclass
class FindingRecord:
    """Everything fuzzir knows about a stored finding, besides its files."""

    kind: str
    signature: str
    signature_key: str
    repro_cell: CellRecord
    status: str = "open"
    verdict: str = DEFECT  # about IREE as shipped: defect, latent (only without the pass) or guarded
    message: str = ""
    variants: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    flags: list[list[str]] = field(default_factory=list)
    op: str = ""  # display label of the op the reproducer's observation concerns
    ops: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    init_kinds: list[str] = field(default_factory=list)
    element_types: list[str] = field(default_factory=list)
    exact: bool = True
    iree_version: str = ""
    fuzzir_version: str = ""
    seed: int | None = None
    source: str = ""
    found_after_seconds: float | None = None
    size_ops: int = 1 << 30
    size_elements: int = 1 << 62
    observations: list[Observation] = field(default_factory=list)
    checked_cells: list[CellRecord] = field(default_factory=list)
    removed_pass: str = DETACH_PASS
    commands: list[list[str]] = field(default_factory=list)  # the repro cell's argv, exactly as run
    minimization: dict[str, Any] | None = None
    fixed_in: str | None = None
    reopened_in: str | None = None
    bisect: dict[str, Any] | None = None  # `fuzzir bisect`: the releases tried and the verdict (fuzzir.bisect)
    #: `fuzzir.blame`: what the finding needs, established by experiment (`Needs.to_json`); None until blamed
    needs: dict[str, Any] | None = None
    #: the cause key by what the finding needs (`blame.cause_key`); '' until blamed. Reports, the summary and
    #: promote group findings by it (one row per root cause), the signature stays the first-sight key.
    cause: str = ""
    #: what the program is written in (`fuzzir.frontend_facts.frontend_of`): `fuzzir gen --frontend` with
    #: `seed` regenerates a campaign's program; written only when not linalg
    frontend: str = "linalg"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        return (self.size_ops, self.size_elements)

    def cells(self) -> list[CellRecord]:
        """The cells the finding was seen in, the reproducer's first, each once."""
        seen: dict[tuple[str, str, tuple[str, ...]], CellRecord] = {self.repro_cell.key(): self.repro_cell}
        for o in self.observations:
            seen.setdefault((o.target, o.variant, o.flags), CellRecord(o.target, o.variant, o.flags))
        return list(seen.values())

    def replace(self, **changes: Any) -> FindingRecord:
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = dict(self.extra)
        d.update({
            "meta_version": SCHEMA_VERSION,
            "kind": self.kind, "signature": self.signature, "signature_key": self.signature_key,
            "status": self.status, "verdict": self.verdict, "message": self.message, "variants": list(self.variants),
            "targets": list(self.targets), "flags": [list(f) for f in self.flags],
            "repro_cell": self.repro_cell.to_json(), "op": self.op, "ops": list(self.ops),
            "families": list(self.families), "init_kinds": list(self.init_kinds),
            "element_types": list(self.element_types), "exact": self.exact,
            "iree_version": self.iree_version, "fuzzir_version": self.fuzzir_version, "seed": self.seed,
            "source": self.source, "found_after_seconds": self.found_after_seconds,
            "size": {"ops": self.size_ops, "elements": self.size_elements},
            "observations": [o.to_json() for o in self.observations],
            "checked_cells": [c.to_json() for c in self.checked_cells],
            "removed_pass": self.removed_pass, "commands": [list(c) for c in self.commands],
        })
        if self.cause:
            d["cause"] = self.cause
        if self.frontend != "linalg":
            d["frontend"] = self.frontend
        for key in ("minimization", "fixed_in", "reopened_in", "bisect", "needs"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d

    @classmethod
    def from_json(cls, d: Any) -> FindingRecord:
        """Read any known schema version; a RecordError names the first problem."""
        if not isinstance(d, dict):
            raise RecordError("meta.json is not an object")
        version = d.get("meta_version", 1)
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise RecordError(f"meta.json has schema version {version!r}; this fuzzir reads 1 to {SCHEMA_VERSION}")
        for key in ("signature", "kind"):
            if not isinstance(d.get(key), str):
                raise RecordError(f"meta.json lacks {key!r}")
        if d["kind"] not in KINDS:
            raise RecordError(f"unknown kind {d['kind']!r}")
        if not _SIGNATURE.fullmatch(d["signature"]):
            # It names the entry's directory (promote, the store): '../x' or '/etc' must never be one.
            raise RecordError(f"meta.json has a signature that is not a finding name: {d['signature'][:80]!r}")
        _one_line(d.get("iree_version"), "iree_version")
        for cell in [d.get("repro_cell"), *(d.get("checked_cells") or [])]:
            if isinstance(cell, dict):
                for flag in cell.get("flags") or []:
                    _one_line(flag, "a cell's flag")
        for argv in d.get("commands") or []:
            for arg in argv if isinstance(argv, list) else [argv]:
                _one_line(arg, "a command")
        frontend = d.get("frontend", "linalg")
        if not isinstance(frontend, str) or not _FRONTEND.fullmatch(frontend):
            raise RecordError(f"meta.json has a frontend that is not a dialect name: {str(frontend)[:40]!r}")
        status = d.get("status", "open")
        if status not in STATUSES:
            raise RecordError(f"unknown status {status!r}")
        verdict = d.get("verdict", DEFECT)
        if verdict not in VERDICTS:
            raise RecordError(f"unknown verdict {verdict!r}")
        try:
            observations = [Observation.from_json(o) for o in d.get("observations") or [] if isinstance(o, dict)]
        except TypeError as e:
            raise RecordError(f"an observation does not fit the schema ({e})") from None
        repro = d.get("repro_cell")
        if repro is None and observations:
            o = observations[0]
            repro = {"target": o.target, "variant": o.variant, "flags": list(o.flags)}
        if repro is None:
            raise RecordError("meta.json records no cell to replay in (no repro_cell, no observations)")
        size = d.get("size") if isinstance(d.get("size"), dict) else {}
        # "hits" (schema 2 before hit counts moved to the findings database) is dropped.
        known = {f.name for f in dataclasses.fields(cls)} | {"meta_version", "size", "hits"}
        try:
            return cls(
                kind=d["kind"], signature=d["signature"], signature_key=str(d.get("signature_key", "")),
                repro_cell=CellRecord.from_json(repro), status=status, verdict=verdict,
                message=str(d.get("message", "")),
                variants=list(d.get("variants") or []), targets=list(d.get("targets") or []),
                flags=[list(f) for f in d.get("flags") or []], op=str(d.get("op", "")),
                ops=list(d.get("ops") or []), families=list(d.get("families") or []),
                init_kinds=list(d.get("init_kinds") or []), element_types=list(d.get("element_types") or []),
                exact=bool(d.get("exact", True)), iree_version=str(d.get("iree_version", "")),
                fuzzir_version=str(d.get("fuzzir_version", "")),
                seed=d["seed"] if isinstance(d.get("seed"), int) else None, source=str(d.get("source", "")),
                found_after_seconds=d.get("found_after_seconds"),
                size_ops=int(size.get("ops", 1 << 30)), size_elements=int(size.get("elements", 1 << 62)),
                observations=observations,
                checked_cells=[CellRecord.from_json(c) for c in d.get("checked_cells") or []],
                removed_pass=str(d.get("removed_pass") or DETACH_PASS),
                commands=[_argv(c) for c in d.get("commands") or []],
                minimization=d.get("minimization"), fixed_in=d.get("fixed_in"), reopened_in=d.get("reopened_in"),
                bisect=d["bisect"] if isinstance(d.get("bisect"), dict) else None,
                needs=d["needs"] if isinstance(d.get("needs"), dict) else None, frontend=frontend,
                cause=d["cause"] if isinstance(d.get("cause"), str) else "",
                extra={k: v for k, v in d.items() if k not in known},
            )
        except (TypeError, ValueError) as e:
            if isinstance(e, RecordError):
                raise
            raise RecordError(f"meta.json does not fit the schema ({e.__class__.__name__}: {e})") from None


#: A finding's name: its kind and a hash (`findings.signature_of`), letters, digits and dashes only.
_SIGNATURE = re.compile(r"[a-z][a-z0-9-]{0,80}")
_FRONTEND = re.compile(r"[a-z][a-z0-9_]{0,31}")


def _one_line(value: Any, what: str) -> None:
    """A string that exports write into RUN lines and scripts: a newline or control character there would
    be a command of its own (a crafted corpus entry running code in CI)."""
    if isinstance(value, str) and any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise RecordError(f"meta.json has a control character in {what}: {value[:80]!r}")


def _argv(command: Any) -> list[str]:
    """A command as an argv list; schema 1 stored shell text."""
    if isinstance(command, list) and all(isinstance(a, str) for a in command):
        return list(command)
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError:
            raise RecordError("meta.json has a command that is not valid shell") from None
    raise RecordError("meta.json has a command that is neither an argv list nor shell text")
