"""Hypothesis strategies for random programs with constants in `outs`.

Programs are valid by construction: every draw picks shapes that fit, so there
is no rejection loop (only a restricted `init_kinds` rejects the rare draw whose
shape overrules the focus's kind). One op (the *focus*) always writes into a constant
(splat, non-splat, global-held or large); the others draw their init from
every kind, chain onto earlier results and share earlier constants.

What each op looks like is up to its family (`fuzzir.families`, one module per
family); this module holds the builder primitives the families draw with and
the `programs` strategy that iterates the family registry.

Tensor contents are not drawn element by element (a large constant has up to
a few MiB): a drawn 32-bit seed fills them through numpy, so the program is
still a pure function of hypothesis' choices.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fuzzir import families as fam
from fuzzir.families._reshape import draw_reshape
from fuzzir.generators.bodies import body_expr
from fuzzir.generators.dynamic import dynamic_dims
from fuzzir.model import (
    CLASSIC_DTYPES,
    CONSTANT_INIT_KINDS,
    DTYPES,
    INLINE_CONSTANT_LIMIT_BYTES,
    NUMPY_DTYPE,
    Expr,
    InitKind,
    Literal,
    LiteralKind,
    Op,
    Program,
    Ref,
    TensorType,
    is_float,
)

T = TypeVar("T")

#: Magnitude of literal values per type: small integers keep float sums exact.
LITERAL_RANGE = {"f32": 4, "f16": 2, "i32": 8, "i8": 8, "bf16": 2, "i64": 8, "i16": 8}
#: Every op kind the registered families draw, in registry order.
OP_KINDS = fam.OP_KINDS
INIT_KINDS = tuple(InitKind)
VALUES = ("exact", "float")
#: Constant sizes in bytes around the 256-byte inline limit (`INLINE_CONSTANT_LIMIT_BYTES`).
STRADDLE_BELOW = (240, 248, 252, 256)
STRADDLE_ABOVE = (260, 264, 272)


def literal_data(seed: int, ttype: TensorType, splat: bool, values: str = "exact") -> np.ndarray:
    """Deterministic tensor contents from a seed."""
    rng = np.random.default_rng(seed)
    shape = ttype.shape
    r = LITERAL_RANGE[ttype.dtype]
    if values == "float" and is_float(ttype.dtype):
        data = rng.uniform(-1, 1, size=(1,) if splat else shape)
    else:
        data = rng.integers(-r, r + 1, size=(1,) if splat else shape)
    data = data.astype(NUMPY_DTYPE[ttype.dtype])
    if splat:
        return np.full(shape, data.reshape(-1)[0], dtype=data.dtype)
    return data


@dataclass
class _Builder:
    """The program under construction; implements `fuzzir.families.Builder` for the families' draw code."""

    draw: st.DrawFn
    dtype: str
    values: str
    focus_kinds: tuple[InitKind, ...] = CONSTANT_INIT_KINDS  # what the focus op may share
    args: list[TensorType] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    consumed: set[Ref] = field(default_factory=set)  # op results some later op reads
    pending: InitKind | None = None  # the constant kind the focus op writes into
    hint: TensorType | None = None  # an earlier result to chain onto, when drawn

    # ---- values -------------------------------------------------------------
    def dim(self, lo: int = 1, hi: int = 8) -> int:
        return self.draw(st.integers(lo, hi))

    def new_arg(self, t: TensorType) -> Ref:
        self.args.append(t)
        return Ref("arg", len(self.args) - 1)

    def literal(self, kind: LiteralKind, t: TensorType) -> Ref:
        seed = self.draw(st.integers(0, 2**32 - 1))
        data = literal_data(seed, t, splat=kind in (LiteralKind.SPLAT, LiteralKind.FILL), values=self.values)
        if kind is LiteralKind.EMPTY:
            data = np.zeros(t.shape, dtype=NUMPY_DTYPE[t.dtype])
        self.literals.append(Literal(kind, t, data))
        return Ref("lit", len(self.literals) - 1)

    def constant(self, data: np.ndarray, dtype: str) -> Ref:
        """A constant holding exactly `data` (scatter indices): a splat when all values are equal."""
        flat = data.reshape(-1)
        kind = LiteralKind.SPLAT if flat.size <= 1 or bool(np.all(flat == flat[0])) else LiteralKind.DENSE
        t = TensorType(tuple(int(d) for d in data.shape), dtype)
        self.literals.append(Literal(kind, t, np.ascontiguousarray(data, dtype=NUMPY_DTYPE[dtype])))
        return Ref("lit", len(self.literals) - 1)

    def reshaped(self, ref: Ref) -> Ref:
        """One in four new constants is materialized in another shape and reshaped to its use (`draw_reshape`)."""
        lit = self.literals[ref.index]
        reshape = draw_reshape(self, lit.type)
        if reshape is not None:
            self.literals[ref.index] = dataclasses.replace(lit, reshape=reshape)
        return ref

    def existing(self, t: TensorType, kinds: tuple[str, ...]) -> list[Ref]:
        refs: list[Ref] = []
        if "op" in kinds:
            refs += [Ref("op", i, k) for i, op in enumerate(self.ops) for k, rt in enumerate(op.result_types)
                     if rt == t]
        if "arg" in kinds:
            refs += [Ref("arg", i) for i, a in enumerate(self.args) if a == t]
        return refs

    def input(self, t: TensorType) -> Ref:
        """An `ins` operand: an earlier result when one fits (a chain), else an argument."""
        chained = self.existing(t, ("op",))
        if chained and self.draw(st.integers(0, 3)) > 0:
            return self.draw(st.sampled_from(chained))
        reused = self.existing(t, ("arg",))
        if reused and self.draw(st.integers(0, 3)) == 0:
            return self.draw(st.sampled_from(reused))
        return self.new_arg(t)

    def init(self, t: TensorType, constant: bool) -> Ref:
        """An `outs` operand of the drawn init kind (the focus op's: `pending`)."""
        kind = self.pending if constant and self.pending else self.draw(st.sampled_from(INIT_KINDS))
        shareable = self.focus_kinds if constant else CONSTANT_INIT_KINDS
        shared = [Ref("lit", i) for i, lit in enumerate(self.literals)
                  if lit.type == t and lit.init_kind in shareable]
        if shared and kind in CONSTANT_INIT_KINDS and self.draw(st.integers(0, 2)) == 0:
            return self.draw(st.sampled_from(shared))  # one constant shared by several ops
        if kind is InitKind.SPLAT:
            return self.reshaped(self.literal(LiteralKind.SPLAT, t))
        if kind is InitKind.GLOBAL:
            return self.reshaped(self.literal(LiteralKind.GLOBAL, t))
        if kind is InitKind.FILL:
            return self.literal(LiteralKind.FILL, t)
        if kind is InitKind.RESULT:
            prior = [r for r in self.existing(t, ("op",)) if r not in self.consumed]
            if prior:
                return self.draw(st.sampled_from(prior))
            return self.new_arg(t)
        if kind in (InitKind.ARG, InitKind.EMPTY):
            return self.new_arg(t)
        # NONSPLAT or LARGE: a dense constant; LARGE only when the shape is over the inline limit.
        # Real models carry their weights as `dense_resource` blobs: one in three is printed that way.
        as_resource = self.draw(st.integers(0, 2)) == 0
        return self.reshaped(self.literal(LiteralKind.RESOURCE if as_resource else LiteralKind.DENSE, t))

    def out_type(self, shape: tuple[int, ...]) -> TensorType:
        return TensorType(shape, self.dtype)

    def straddling(self, above: bool) -> int:
        """An element count whose tensor is just over (or at and under) the 256-byte inline limit."""
        targets = STRADDLE_ABOVE if above else STRADDLE_BELOW
        size = np.dtype(NUMPY_DTYPE[self.dtype]).itemsize
        return max(1, self.draw(st.sampled_from(targets)) // size)

    def large_length(self) -> int:
        """The kept length of a large 1-D constant: far over the inline limit, or just over it."""
        if self.draw(st.integers(0, 2)) == 0:
            return self.straddling(above=True)
        return self.draw(st.sampled_from((512, 1024, 4096)))

    def shape(self, rank: int, large: bool = False) -> tuple[int, ...]:
        near = rank >= 1 and self.pending in (InitKind.NONSPLAT, InitKind.LARGE) and self.draw(st.integers(0, 2)) == 0
        if near:  # the focus op's constant straddles the inline limit: 240..256 bytes, or 260..272
            n = self.straddling(above=large or self.pending is InitKind.LARGE)
            lead = self.dim(1, 4) if rank >= 2 and n % 2 == 0 else 1
            lead = lead if n % lead == 0 else 1
            return (*([1] * (rank - 2)), lead, n // lead) if rank >= 2 else (n,)
        if large:
            # Over the 256-byte inline limit even for i8; up to 1 MiB of f32.
            dims = [self.dim(1, 4) for _ in range(max(rank - 2, 0))]
            dims += [self.draw(st.sampled_from((32, 64, 128, 512))) for _ in range(min(rank, 2))]
            return tuple(dims)
        return tuple(self.dim() for _ in range(rank))

    # ---- bodies -------------------------------------------------------------
    def body_expr(self, n_ins: int, allow_out: bool, depth: int = 2) -> Expr:
        return body_expr(self.draw, self.dtype, self.values, n_ins, allow_out, depth)

    # ---- ops ----------------------------------------------------------------
    def prefer_large(self, constant: bool) -> bool:
        return constant and self.pending is InitKind.LARGE

    def op(self, kind: str, constant: bool) -> Op:
        return fam.family_for_kind(kind).draw(self, kind, constant)

    def add(self, op: Op) -> None:
        for r in op.operands:
            if r.kind == "op":
                self.consumed.add(r)
        self.ops.append(op)


@dataclass(frozen=True)
class _Options:
    """Validated, canonically ordered `programs` knobs (hashable: `generate` caches on them)."""

    op_kinds: tuple[str, ...]
    init_kinds: tuple[InitKind, ...]
    dtypes: tuple[str, ...]
    max_ops: int
    values: str


def _subset(knob: str, given_values: Iterable[T] | str | None, valid: tuple[T, ...],
            parse: Callable[[object], T] = lambda v: v) -> tuple[T, ...]:
    """`given_values` in the order of `valid` (so a set gives the same programs as a tuple); ValueError if bad."""
    if given_values is None:
        return valid
    if isinstance(given_values, str):
        given_values = (given_values,)
    names = ", ".join(str(v) for v in valid)
    chosen: set[T] = set()
    for v in given_values:
        try:
            item = parse(v)
        except ValueError:
            item = None
        if item not in valid:
            raise ValueError(f"{knob}: unknown value {v!r}; valid: {names}")
        chosen.add(item)
    if not chosen:
        raise ValueError(f"{knob}: give at least one of {names}")
    return tuple(v for v in valid if v in chosen)


def _options(*, families: Iterable[str] | None = None, init_kinds: Iterable[str] | None = None,
             dtypes: Iterable[str] | None = None, max_ops: int = 4, values: str = "exact",
             op_kinds: Iterable[str] | None = None) -> _Options:
    kinds = _subset("op_kinds", op_kinds, fam.OP_KINDS)
    if families is not None:
        names = _subset("families", families, fam.FAMILIES)
        drawn = tuple(k for k in kinds if fam.family_for_kind(k).name in names)
        if not drawn:
            raise ValueError(f"families {', '.join(names)} draw none of the op_kinds {', '.join(kinds)}")
        kinds = drawn
    if isinstance(max_ops, bool) or not isinstance(max_ops, int) or max_ops < 1:
        raise ValueError(f"max_ops: {max_ops!r} is not a positive integer")
    if values not in VALUES:
        raise ValueError(f"values: unknown value {values!r}; valid: {', '.join(VALUES)}")
    return _Options(
        op_kinds=kinds,
        init_kinds=_subset("init_kinds", init_kinds, CONSTANT_INIT_KINDS, InitKind),
        dtypes=_subset("dtypes", dtypes, DTYPES),
        max_ops=max_ops,
        values=values,
    )


@st.composite
def _programs(draw: st.DrawFn, o: _Options) -> Program:
    # The classic types (f32, f16, i32, i8) in three programs of four, bf16/i64/i16 in the fourth.
    classic = [d for d in o.dtypes if d in CLASSIC_DTYPES]
    newer = [d for d in o.dtypes if d not in CLASSIC_DTYPES]
    pool = newer if newer and (not classic or draw(st.integers(0, 3)) == 0) else classic
    dtype = draw(st.sampled_from(pool))
    b = _Builder(draw, dtype, o.values, focus_kinds=o.init_kinds)
    n = draw(st.integers(1, o.max_ops))
    focus = draw(st.integers(0, n - 1))
    for i in range(n):
        kind = draw(st.sampled_from(o.op_kinds))
        b.hint = b.ops[-1].result_type if b.ops and draw(st.booleans()) else None
        b.pending = draw(st.sampled_from(o.init_kinds)) if i == focus else None
        b.add(b.op(kind, constant=i == focus))
    results = tuple(Ref("op", i, k) for i, op in enumerate(b.ops) for k in range(len(op.result_types))
                    if Ref("op", i, k) not in b.consumed)
    program = Program(tuple(b.args), tuple(b.literals), tuple(b.ops), results)
    if draw(st.integers(0, 3)) == 0:  # as frontends emit: some argument dims dynamic
        program = program.replace(dynamic=dynamic_dims(program, draw))
    program.validate()
    # A shape can overrule the drawn kind (one element is a splat; a dense constant over the inline
    # limit is large): with init_kinds restricted, such a draw is rejected rather than mislabelled.
    assume(program.init_kind(program.ops[focus]) in o.init_kinds)
    return program


def programs(*, families: Iterable[str] | None = None, init_kinds: Iterable[str] | None = None,
             dtypes: Iterable[str] | None = None, max_ops: int = 4, values: str = "exact",
             op_kinds: Iterable[str] | None = None) -> st.SearchStrategy[Program]:
    """Random programs in which at least one op (the focus) writes into a constant.

    families: op families to draw from, by name (default: every registered family).
    init_kinds: the constant kinds the focus op may write into (splat, nonsplat, global, large).
    dtypes: element types (f32, f16, i32, i8, bf16, i64, i16; the last three in about a quarter of
    programs when drawn with the others); max_ops: ops per program at most;
    values: "exact" (small integers) or "float" (uniform in [-1, 1] for float types).
    op_kinds: finer than families, e.g. ("matmul", "conv"); intersected with `families`.
    Bad values raise ValueError here, not at draw time.
    """
    return _programs(_options(families=families, init_kinds=init_kinds, dtypes=dtypes, max_ops=max_ops,
                              values=values, op_kinds=op_kinds))


# ---- seeded generation through hypothesis' public fuzzing entry point -----------------------------

#: Bytes per attempt: hypothesis 6.170 decodes 4 ops from at most ~100 bytes; the rest is slack for other versions.
_BUFFER_BYTES = 4096
_BUFFER_BYTES_PER_OP = 1024
#: Buffers tried before giving up: only a restricted `init_kinds` makes a buffer invalid, and rarely.
_ATTEMPTS = 1000


class _SeededDraw:
    """One `@given(programs(...))` function run through `fuzz_one_input`, capturing what it drew.

    `fuzz_one_input` is hypothesis' public way to turn bytes into examples (the same one
    `fuzzir.atheris_target` uses); building the decorated function costs more than drawing one
    program, hence one per option set (and thread: the captured program is per instance).
    """

    def __init__(self, options: _Options) -> None:
        self.program: Program | None = None
        self.buffer_bytes = _BUFFER_BYTES + _BUFFER_BYTES_PER_OP * options.max_ops

        @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(_programs(options))
        def capture(program: Program) -> None:
            self.program = program

        self._fuzz_one_input = capture.hypothesis.fuzz_one_input

    def __call__(self, seed: int) -> Program:
        stream = random.Random(seed)
        for _ in range(_ATTEMPTS):
            self.program = None
            self._fuzz_one_input(stream.randbytes(self.buffer_bytes))
            program, self.program = self.program, None
            if program is not None:
                return program
        raise RuntimeError(f"seed {seed}: no valid program in {_ATTEMPTS} buffers; are the options too narrow?")


_local = threading.local()


def _seeded_draw(options: _Options) -> _SeededDraw:
    cache: dict[_Options, _SeededDraw] = _local.__dict__.setdefault("draws", {})
    if options not in cache:
        if len(cache) >= 64:
            cache.clear()
        cache[options] = _SeededDraw(options)
    return cache[options]


def generate(seed: int, **kwargs: object) -> Program:
    """The program for `seed` (knobs as for `programs`): the same seed gives the same program, byte for byte.

    The seed expands (`random.Random(seed).randbytes`) into buffers that hypothesis decodes
    with `fuzz_one_input`; an invalid buffer moves on to the next one from the same stream.
    Programs are stable for one hypothesis version; another version may decode bytes differently.
    """
    return _seeded_draw(_options(**kwargs))(seed)  # type: ignore[arg-type]


__all__ = ["programs", "generate", "literal_data", "OP_KINDS", "INLINE_CONSTANT_LIMIT_BYTES"]
