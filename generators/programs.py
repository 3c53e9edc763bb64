"""Hypothesis strategies for random programs with constants in `outs`.

Programs are valid by construction: every draw picks shapes that fit, so there
is no rejection loop. One op (the *focus*) always writes into a constant
(splat, non-splat, global-held or large); the others draw their init from
every kind, chain onto earlier results and share earlier constants.

Tensor contents are not drawn element by element (a large constant has up to
a few MiB): a drawn 32-bit seed fills them through numpy, so the program is
still a pure function of hypothesis' choices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.internal.conjecture.data import ConjectureData

from fuzzir import families as fam
from fuzzir.model import (
    BINARY_FLOAT,
    BINARY_INT,
    COMBINERS,
    CONSTANT_INIT_KINDS,
    DTYPES,
    INLINE_CONSTANT_LIMIT_BYTES,
    NUMPY_DTYPE,
    AffineExpr,
    Expr,
    InitKind,
    LinalgOp,
    Literal,
    LiteralKind,
    Program,
    Ref,
    TensorType,
    dtype_class,
    is_float,
)

#: Magnitude of literal values per type: small integers keep float sums exact.
LITERAL_RANGE = {"f32": 4, "f16": 2, "i32": 8, "i8": 8}
OP_KINDS = ("elementwise", "reduction", "matmul", "batch_matmul", "matvec", "contraction_generic",
            "conv", "depthwise", "pooling")
INIT_KINDS = tuple(InitKind)
CONSTANT_KINDS = (InitKind.SPLAT, InitKind.NONSPLAT, InitKind.GLOBAL, InitKind.LARGE)


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
    draw: st.DrawFn
    dtype: str
    values: str
    args: list[TensorType] = field(default_factory=list)
    literals: list[Literal] = field(default_factory=list)
    ops: list[LinalgOp] = field(default_factory=list)
    consumed: set[int] = field(default_factory=set)
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

    def existing(self, t: TensorType, kinds: tuple[str, ...]) -> list[Ref]:
        refs: list[Ref] = []
        if "op" in kinds:
            refs += [Ref("op", i) for i, op in enumerate(self.ops) if op.result_type == t]
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
        """An `outs` operand of the drawn init kind."""
        kind = self.pending if constant and self.pending else self.draw(st.sampled_from(INIT_KINDS))
        shared = [Ref("lit", i) for i, lit in enumerate(self.literals)
                  if lit.type == t and lit.init_kind in CONSTANT_INIT_KINDS]
        if shared and kind in CONSTANT_KINDS and self.draw(st.integers(0, 2)) == 0:
            return self.draw(st.sampled_from(shared))  # one constant shared by several ops
        if kind is InitKind.SPLAT:
            return self.literal(LiteralKind.SPLAT, t)
        if kind is InitKind.GLOBAL:
            return self.literal(LiteralKind.GLOBAL, t)
        if kind is InitKind.FILL:
            return self.literal(LiteralKind.FILL, t)
        if kind is InitKind.RESULT:
            prior = [r for r in self.existing(t, ("op",)) if r.index not in self.consumed]
            if prior:
                return self.draw(st.sampled_from(prior))
            return self.new_arg(t)
        if kind in (InitKind.ARG, InitKind.EMPTY):
            return self.new_arg(t)
        # NONSPLAT or LARGE: a dense constant; LARGE only when the shape is over the inline limit
        return self.literal(LiteralKind.DENSE, t)

    def out_type(self, shape: tuple[int, ...]) -> TensorType:
        return TensorType(shape, self.dtype)

    def shape(self, rank: int, large: bool = False) -> tuple[int, ...]:
        if large:
            # Over the 256-byte inline limit even for i8; up to 1 MiB of f32.
            dims = [self.dim(1, 4) for _ in range(max(rank - 2, 0))]
            dims += [self.draw(st.sampled_from((32, 64, 128, 512))) for _ in range(min(rank, 2))]
            return tuple(dims)
        return tuple(self.dim() for _ in range(rank))

    # ---- bodies -------------------------------------------------------------
    def body_expr(self, n_ins: int, allow_out: bool, depth: int = 2) -> Expr:
        ops = BINARY_FLOAT if is_float(self.dtype) else BINARY_INT
        leaves = list(range(n_ins + (1 if allow_out else 0)))

        def leaf() -> Expr:
            if self.draw(st.integers(0, 5)) == 0:
                return Expr.const(self.draw(st.integers(-2, 2)))
            return Expr.arg(self.draw(st.sampled_from(leaves)))

        def tree(d: int) -> Expr:
            if d == 0 or self.draw(st.booleans()):
                return leaf()
            return Expr(self.draw(st.sampled_from(ops)), (tree(d - 1), tree(d - 1)))

        e = Expr(self.draw(st.sampled_from(ops)), (tree(depth - 1), tree(depth - 1)))
        if allow_out and not e.reads(n_ins) and self.draw(st.booleans()):
            e = Expr(self.draw(st.sampled_from(ops)), (e, Expr.arg(n_ins)))
        return e

    # ---- op kinds -----------------------------------------------------------
    def prefer_large(self, constant: bool) -> bool:
        return constant and self.pending is InitKind.LARGE

    def elementwise(self, constant: bool) -> LinalgOp:
        large = self.prefer_large(constant)
        rank = self.draw(st.integers(1 if large else 0, 3))
        out = self.out_type(self.shape(rank, large=large))
        if self.hint is not None and not large:
            out, rank = self.hint, len(self.hint.shape)
        n_ins = self.draw(st.integers(1, 2))
        ins, maps = [], []
        for _ in range(n_ins):
            if rank >= 2 and self.draw(st.integers(0, 3)) == 0:
                perm = list(range(rank))
                perm[-1], perm[-2] = perm[-2], perm[-1]
                t = self.out_type(tuple(out.shape[p] for p in perm))
                maps.append(tuple(AffineExpr.dim(p) for p in perm))
            elif rank >= 1 and self.draw(st.integers(0, 3)) == 0:
                kept = [d for d in range(rank) if self.draw(st.booleans())]
                t = self.out_type(tuple(out.shape[d] for d in kept))
                maps.append(tuple(AffineExpr.dim(d) for d in kept))
            else:
                t = out
                maps.append(tuple(AffineExpr.dim(d) for d in range(rank)))
            ins.append(self.input(t))
        body = self.body_expr(n_ins, allow_out=self.draw(st.booleans()))
        return fam.elementwise(tuple(ins), tuple(maps), self.init(out, constant), out, body)

    def reduction(self, constant: bool) -> LinalgOp:
        rank = self.draw(st.integers(1, 3))
        src_t = self.out_type(self.shape(rank))
        if self.hint is not None and self.hint.shape:
            src_t, rank = self.hint, len(self.hint.shape)
        dims = tuple(d for d in range(rank) if self.draw(st.booleans())) or (0,)
        if len(dims) == rank and rank > 1 and self.draw(st.booleans()):
            dims = dims[1:]  # keep some parallel dims more often than not
        if self.prefer_large(constant):
            src_t = self.out_type((self.dim(1, 4), self.draw(st.sampled_from((512, 1024, 4096)))))
            rank, dims = 2, (0,)
        src = self.input(src_t)
        combiner = self.draw(st.sampled_from(COMBINERS[dtype_class(self.dtype)]))
        kept = tuple(src_t.shape[d] for d in range(rank) if d not in dims)
        init = self.init(self.out_type(kept), constant)
        return fam.reduction(src, src_t, dims, init, combiner)

    def matmul(self, constant: bool, generic: bool = False) -> LinalgOp:
        if self.prefer_large(constant):
            m, n = self.draw(st.sampled_from((32, 64))), self.draw(st.sampled_from((16, 64, 128)))
        else:
            m, n = self.dim(), self.dim()
        k = self.dim(1, 16)
        ta = generic and self.draw(st.booleans())
        tb = generic and self.draw(st.booleans())
        if self.hint is not None and len(self.hint.shape) == 2 and not self.prefer_large(constant):
            m, k = reversed(self.hint.shape) if ta else self.hint.shape
        a = self.input(self.out_type((k, m) if ta else (m, k)))
        b = self.input(self.out_type((n, k) if tb else (k, n)))
        init = self.init(self.out_type((m, n)), constant)
        return fam.matmul(a, b, init, m, n, k, self.dtype, ta, tb, generic=generic)

    def batch_matmul(self, constant: bool) -> LinalgOp:
        bt, m, n, k = self.dim(1, 4), self.dim(), self.dim(), self.dim()
        if self.prefer_large(constant):
            m, n = self.draw(st.sampled_from((32, 64))), self.draw(st.sampled_from((16, 32)))
        a = self.input(self.out_type((bt, m, k)))
        b = self.input(self.out_type((bt, k, n)))
        init = self.init(self.out_type((bt, m, n)), constant)
        return fam.batch_matmul(a, b, init, bt, m, n, k, self.dtype)

    def matvec(self, constant: bool) -> LinalgOp:
        m = self.draw(st.sampled_from((512, 1024))) if self.prefer_large(constant) else self.dim(1, 16)
        k = self.dim(1, 16)
        a = self.input(self.out_type((m, k)))
        x = self.input(self.out_type((k,)))
        return fam.matvec(a, x, self.init(self.out_type((m,)), constant), m, k, self.dtype)

    def _window(self, large: bool = False) -> tuple:
        n, oh, ow, c = self.dim(1, 2), self.dim(1, 6), self.dim(1, 6), self.dim(1, 4)
        if large:
            oh, ow, c = self.dim(9, 16), self.dim(9, 16), self.dim(4, 8)
        kh, kw = self.dim(1, 3), self.dim(1, 3)
        strides = (self.dim(1, 2), self.dim(1, 2))
        dilations = (self.dim(1, 2), self.dim(1, 2))
        return n, oh, ow, c, kh, kw, strides, dilations

    def _image(self, n: int, oh: int, ow: int, c: int, kh: int, kw: int,
               strides: tuple[int, int], dilations: tuple[int, int]) -> TensorType:
        ih = fam.window_input_size(oh, kh, strides[0], dilations[0])
        iw = fam.window_input_size(ow, kw, strides[1], dilations[1])
        return self.out_type((n, ih, iw, c))

    def conv(self, constant: bool) -> LinalgOp:
        n, oh, ow, c, kh, kw, s, d = self._window()
        f = self.dim(1, 4)
        if self.prefer_large(constant):
            oh, ow, f = self.dim(9, 16), self.dim(9, 16), self.dim(4, 8)
        image = self.input(self._image(n, oh, ow, c, kh, kw, s, d))
        filt = self.input(self.out_type((kh, kw, c, f)))
        init = self.init(self.out_type((n, oh, ow, f)), constant)
        return fam.conv_2d_nhwc_hwcf(image, filt, init, n, oh, ow, f, kh, kw, c, self.dtype, s, d)

    def depthwise(self, constant: bool) -> LinalgOp:
        n, oh, ow, c, kh, kw, s, d = self._window(self.prefer_large(constant))
        image = self.input(self._image(n, oh, ow, c, kh, kw, s, d))
        filt = self.input(self.out_type((kh, kw, c)))
        init = self.init(self.out_type((n, oh, ow, c)), constant)
        return fam.depthwise_conv_2d_nhwc_hwc(image, filt, init, n, oh, ow, c, kh, kw, self.dtype, s, d)

    def pooling(self, constant: bool) -> LinalgOp:
        n, oh, ow, c, kh, kw, s, d = self._window(self.prefer_large(constant))
        kind = self.draw(st.sampled_from(("max", "min", "sum")))
        image = self.input(self._image(n, oh, ow, c, kh, kw, s, d))
        window = self.literal(LiteralKind.EMPTY, self.out_type((kh, kw)))
        init = self.init(self.out_type((n, oh, ow, c)), constant)
        return fam.pooling_nhwc(kind, image, window, init, n, oh, ow, c, kh, kw, self.dtype, s, d)

    def op(self, kind: str, constant: bool) -> LinalgOp:
        if kind == "contraction_generic":
            return self.matmul(constant, generic=True)
        return getattr(self, kind)(constant)

    def add(self, op: LinalgOp) -> None:
        for r in (*op.ins, op.init):
            if r.kind == "op":
                self.consumed.add(r.index)
        self.ops.append(op)


@st.composite
def programs(draw: st.DrawFn, dtypes: tuple[str, ...] = DTYPES, op_kinds: tuple[str, ...] = OP_KINDS,
             max_ops: int = 4, values: str = "exact") -> Program:
    """A random program; at least one op writes into a constant."""
    dtype = draw(st.sampled_from(dtypes))
    b = _Builder(draw, dtype, values)
    n = draw(st.integers(1, max_ops))
    focus = draw(st.integers(0, n - 1))
    for i in range(n):
        kind = draw(st.sampled_from(op_kinds))
        b.hint = b.ops[-1].result_type if b.ops and draw(st.booleans()) else None
        b.pending = draw(st.sampled_from(CONSTANT_KINDS)) if i == focus else None
        b.add(b.op(kind, constant=i == focus))
    results = tuple(Ref("op", i) for i in range(len(b.ops)) if i not in b.consumed)
    program = Program(tuple(b.args), tuple(b.literals), tuple(b.ops), results)
    program.validate()
    return program


def generate(seed: int, **kwargs: object) -> Program:
    """The program for `seed`: the same seed gives the same program, byte for byte."""
    data = ConjectureData(random=random.Random(seed))
    return data.draw(programs(**kwargs))  # type: ignore[arg-type]


__all__ = ["programs", "generate", "literal_data", "OP_KINDS", "INLINE_CONSTANT_LIMIT_BYTES"]
