"""Random StableHLO programs of the forms real models use, with constants where frontends put them.

fuzzir's own generator writes linalg, where a constant in `outs` is written by hand.
In a model exported from JAX the constant comes from the frontend and IREE's input
conversion makes it a destination: a `scatter` or `dynamic_update_slice` into a
constant (weights, a KV cache, a zero buffer) becomes an `iree_linalg_ext.scatter` or
`tensor.insert_slice` whose destination is that constant. This module writes such
programs as a frontend does, one chain of ops on the entry function's first argument:

- `reduce` (add, max, min) and `reduce_window` (add, max; padded or not) with constant inits, each its
  body's identity as frontends emit them (0, -inf, +inf; any other is implementation-defined);
- `dot_general` with constant weights (or a second argument) plus a constant bias;
- `scatter` (add, or replace) and `dynamic_update_slice` into a constant, or into a value
  computed from constants only (a broadcast, a sum of two constants);
- `pad` with a constant padding value, `concatenate` with a constant, `slice`;
- elementwise `add`, `subtract`, `multiply`, `maximum`, `minimum` with a constant.

One op of each program (the *focus*) writes into a constant: that is what makes these
programs worth compiling. Every constant holds small integers (floats too), so the outputs
stay exact and every value oracle, the XLA reference included, compares them bit for bit.
Scatter indices and update offsets are constants in bounds (no argument becomes an index).

`generate(seed, max_ops)` is a pure function of its arguments: same seed, same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FRONTEND = "stablehlo"
DTYPES = ("f32", "i32")
#: The largest dimension a value may grow to (pad and concatenate grow; reduce and slice shrink).
MAX_DIM = 12
FOCUS = ("scatter", "dynamic_update_slice")
FORMS = ("reduce", "reduce_window", "dot_general", "scatter", "dynamic_update_slice", "pad", "concatenate",
         "slice", "elementwise")

#: +inf and -inf of each float type, as MLIR hex literals.
_INF = {"f32": ("0x7F800000", "0xFF800000")}

__all__ = ["DTYPES", "FOCUS", "FORMS", "FRONTEND", "generate"]


def _t(shape: tuple[int, ...], dtype: str) -> str:
    return f"tensor<{'x'.join(map(str, shape))}{'x' if shape else ''}{dtype}>"


def _literal(value: int, dtype: str) -> str:
    return f"{value}.0" if dtype.startswith("f") else str(value)


def _dense(values: list[int], shape: tuple[int, ...], dtype: str) -> str:
    """A `dense<...>` literal of `values` (row-major), nested by `shape`."""
    def nest(flat: list[int], dims: tuple[int, ...]) -> str:
        if not dims:
            return _literal(flat[0], dtype)
        step = len(flat) // dims[0]
        return "[" + ", ".join(nest(flat[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"
    return f"dense<{nest(values, shape)}>"


@dataclass
class _Builder:
    """The function being written: its arguments, its lines, and fresh SSA names."""

    rng: random.Random
    dtype: str
    args: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    count: int = 0

    def fresh(self, stem: str = "v") -> str:
        self.count += 1
        return f"%{stem}{self.count}"

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    def arg(self, shape: tuple[int, ...]) -> str:
        name = f"%arg{len(self.args)}"
        self.args.append(f"{name}: {_t(shape, self.dtype)}")
        return name

    def scalar(self, value: int, dtype: str | None = None) -> str:
        dtype = dtype or self.dtype
        name = self.fresh("c")
        self.emit(f"{name} = stablehlo.constant dense<{_literal(value, dtype)}> : {_t((), dtype)}")
        return name

    def identity(self, op: str) -> str:
        """The init a frontend gives a reduction: its body's identity (JAX's 0, -inf, +inf; the integer type's
        extremes). Any other init leaves the result implementation-defined in StableHLO (its init may be
        combined in any number of times), and XLA and IREE do differ on it."""
        name = self.fresh("c")
        if op == "add":
            literal = _literal(0, self.dtype)
        elif self.dtype.startswith("f"):
            literal = _INF[self.dtype][op == "maximum"]
        else:
            bits = int(self.dtype[1:])
            literal = str(-(2 ** (bits - 1)) if op == "maximum" else 2 ** (bits - 1) - 1)
        self.emit(f"{name} = stablehlo.constant dense<{literal}> : {_t((), self.dtype)}")
        return name

    def small(self, low: int = -4, high: int = 4) -> int:
        return self.rng.randint(low, high)

    def constant(self, shape: tuple[int, ...], *, splat: bool | None = None) -> str:
        """A constant of `shape`: a splat or small integers, as frontends inline weights and buffers."""
        n = 1
        for d in shape:
            n *= d
        splat = self.rng.random() < 0.3 if splat is None else splat
        name = self.fresh("c")
        if splat:
            literal = f"dense<{_literal(self.small(), self.dtype)}>"
        else:
            literal = _dense([self.small() for _ in range(n)], shape, self.dtype)
        self.emit(f"{name} = stablehlo.constant {literal} : {_t(shape, self.dtype)}")
        return name

    def from_constants(self, shape: tuple[int, ...]) -> str:
        """A destination buffer: a constant, or a value computed from constants only (as frontends emit)."""
        how = self.rng.choice(("constant", "constant", "broadcast", "sum"))
        if how == "constant":
            return self.constant(shape)
        if how == "broadcast":
            row = self.constant(shape[-1:], splat=False)
            name = self.fresh()
            dims = f"[{len(shape) - 1}]"
            self.emit(f"{name} = stablehlo.broadcast_in_dim {row}, dims = {dims} : "
                      f"({_t(shape[-1:], self.dtype)}) -> {_t(shape, self.dtype)}")
            return name
        a, b = self.constant(shape, splat=False), self.constant(shape)
        name = self.fresh()
        self.emit(f"{name} = stablehlo.add {a}, {b} : {_t(shape, self.dtype)}")
        return name


Value = tuple[str, tuple[int, ...]]


def _body(b: _Builder, op: str) -> str:
    """A reduction or scatter body applying `op` to its two scalars ("replace": the second one)."""
    s = _t((), b.dtype)
    if op == "replace":
        return f"^bb0(%lhs: {s}, %rhs: {s}):\n      stablehlo.return %rhs : {s}"
    return (f"^bb0(%lhs: {s}, %rhs: {s}):\n      %r = stablehlo.{op} %lhs, %rhs : {s}\n"
            f"      stablehlo.return %r : {s}")


def _rank2(b: _Builder, v: Value) -> Value:
    """`v` as a matrix: a vector is broadcast to rows (as a frontend broadcasts a bias)."""
    name, shape = v
    if len(shape) == 2:
        return v
    out = (b.rng.randint(2, 4), shape[0])
    new = b.fresh()
    b.emit(f"{new} = stablehlo.broadcast_in_dim {name}, dims = [1] : ({_t(shape, b.dtype)}) -> {_t(out, b.dtype)}")
    return new, out


def _reduce(b: _Builder, v: Value) -> Value:
    name, shape = _rank2(b, v)
    op = b.rng.choice(("add", "maximum", "minimum"))
    dim = b.rng.randint(0, 1)
    init = b.identity(op)
    out = (shape[1 - dim],)
    new = b.fresh()
    b.emit(f"{new} = stablehlo.reduce({name} init: {init}) applies stablehlo.{op} across dimensions = [{dim}] : "
           f"({_t(shape, b.dtype)}, {_t((), b.dtype)}) -> {_t(out, b.dtype)}")
    return new, out


def _reduce_window(b: _Builder, v: Value) -> Value:
    name, shape = _rank2(b, v)
    op = b.rng.choice(("add", "maximum"))
    init = b.identity(op)
    window = tuple(b.rng.randint(1, min(2, d)) for d in shape)
    pads = tuple((b.rng.randint(0, 1), b.rng.randint(0, 1)) for _ in shape) if b.rng.random() < 0.5 else None
    padded = tuple(d + (p[0] + p[1] if pads else 0) for d, p in zip(shape, pads or [(0, 0)] * len(shape),
                                                                          strict=True))
    # A stride that leaves a partial window at the end is valid StableHLO, but IREE 3.13 rejects it
    # ("inferred input/output operand #1 has shape's dimension #1 to be 3, but found 2"): not drawn.
    strides = tuple(2 if (p - w) % 2 == 0 and b.rng.random() < 0.5 else 1 for p, w in zip(padded, window,
                                                                                          strict=True))
    out = tuple((d - w) // s + 1 for d, w, s in zip(padded, window, strides, strict=True))
    attrs = (f"window_dimensions = array<i64: {', '.join(map(str, window))}>, "
             f"window_strides = array<i64: {', '.join(map(str, strides))}>")
    if pads:
        attrs += f", padding = dense<[{', '.join(f'[{lo}, {hi}]' for lo, hi in pads)}]> : tensor<{len(shape)}x2xi64>"
    new = b.fresh()
    s = _t((), b.dtype)
    b.emit(f'{new} = "stablehlo.reduce_window"({name}, {init}) ({{\n    {_body(b, op)}\n  }}) {{{attrs}}} : '
           f"({_t(shape, b.dtype)}, {s}) -> {_t(out, b.dtype)}")
    return new, out


def _dot_general(b: _Builder, v: Value) -> Value:
    name, (m, k) = _rank2(b, v)
    n = b.rng.randint(2, 8)
    rhs = b.constant((k, n), splat=False) if b.rng.random() < 0.75 else b.arg((k, n))
    out = (m, n)
    d = b.fresh()
    b.emit(f"{d} = stablehlo.dot_general {name}, {rhs}, contracting_dims = [1] x [0] : "
           f"({_t((m, k), b.dtype)}, {_t((k, n), b.dtype)}) -> {_t(out, b.dtype)}")
    if b.rng.random() < 0.5:
        bias = b.constant(out)
    else:  # a bias vector broadcast over rows, as a dense layer's
        vec = b.constant((n,), splat=False)
        bias = b.fresh()
        b.emit(f"{bias} = stablehlo.broadcast_in_dim {vec}, dims = [1] : ({_t((n,), b.dtype)}) -> {_t(out, b.dtype)}")
    new = b.fresh()
    b.emit(f"{new} = stablehlo.add {d}, {bias} : {_t(out, b.dtype)}")
    return new, out


def _scatter(b: _Builder, v: Value) -> Value:
    """`v`'s rows scattered into a taller constant buffer, at distinct constant rows."""
    name, (rows, cols) = _rank2(b, v)
    height = rows + b.rng.randint(1, 4)
    dest = b.from_constants((height, cols))
    where = sorted(b.rng.sample(range(height), rows)) if b.rng.random() < 0.5 else b.rng.sample(range(height), rows)
    idx = b.fresh("c")
    b.emit(f"{idx} = stablehlo.constant {_dense(where, (rows, 1), 'i32')} : {_t((rows, 1), 'i32')}")
    op = b.rng.choice(("add", "replace"))
    new = b.fresh()
    out = (height, cols)
    b.emit(f'{new} = "stablehlo.scatter"({dest}, {idx}, {name}) ({{\n    {_body(b, op)}\n  }}) '
           "{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [1], inserted_window_dims = [0], "
           "scatter_dims_to_operand_dims = [0], index_vector_dim = 1>, indices_are_sorted = false, "
           f"unique_indices = true}} : ({_t(out, b.dtype)}, {_t((rows, 1), 'i32')}, {_t((rows, cols), b.dtype)}) "
           f"-> {_t(out, b.dtype)}")
    return new, out


def _dynamic_update_slice(b: _Builder, v: Value) -> Value:
    """`v` written into a larger constant buffer at constant offsets (a cache update)."""
    name, shape = v
    out = tuple(d + b.rng.randint(0, 3) for d in shape)
    if out == shape:
        out = (out[0] + 1, *out[1:])
    dest = b.from_constants(out)
    offsets = [b.scalar(b.rng.randint(0, o - d), "i32") for o, d in zip(out, shape, strict=True)]
    new = b.fresh()
    b.emit(f"{new} = stablehlo.dynamic_update_slice {dest}, {name}, {', '.join(offsets)} : "
           f"({_t(out, b.dtype)}, {_t(shape, b.dtype)}, {', '.join(_t((), 'i32') for _ in shape)}) -> "
           f"{_t(out, b.dtype)}")
    return new, out


def _pad(b: _Builder, v: Value) -> Value:
    name, shape = v
    value = b.scalar(b.small())
    low = [b.rng.randint(0, 2) for _ in shape]
    high = [b.rng.randint(0, 2) for _ in shape]
    interior = [b.rng.randint(0, 1) for _ in shape]
    out = tuple(lo + hi + d + (d - 1) * i for d, lo, hi, i in zip(shape, low, high, interior, strict=True))
    new = b.fresh()
    b.emit(f"{new} = stablehlo.pad {name}, {value}, low = {low}, high = {high}, interior = {interior} : "
           f"({_t(shape, b.dtype)}, {_t((), b.dtype)}) -> {_t(out, b.dtype)}")
    return new, out


def _concatenate(b: _Builder, v: Value) -> Value:
    name, shape = v
    dim = b.rng.randrange(len(shape))
    extra = tuple(b.rng.randint(1, 3) if i == dim else d for i, d in enumerate(shape))
    const = b.constant(extra)
    first, second = (name, const) if b.rng.random() < 0.5 else (const, name)
    types = (_t(shape, b.dtype), _t(extra, b.dtype)) if first == name else (_t(extra, b.dtype), _t(shape, b.dtype))
    out = tuple(d + e if i == dim else d for i, (d, e) in enumerate(zip(shape, extra, strict=True)))
    new = b.fresh()
    b.emit(f"{new} = stablehlo.concatenate {first}, {second}, dim = {dim} : ({types[0]}, {types[1]}) -> "
           f"{_t(out, b.dtype)}")
    return new, out


def _slice(b: _Builder, v: Value) -> Value:
    name, shape = v
    start = [b.rng.randint(0, max(0, d - 2)) for d in shape]
    limit = [b.rng.randint(s + 1, d) for s, d in zip(start, shape, strict=True)]
    out = tuple(lim - s for s, lim in zip(start, limit, strict=True))
    new = b.fresh()
    b.emit(f"{new} = stablehlo.slice {name} [{', '.join(f'{s}:{lim}' for s, lim in zip(start, limit, strict=True))}]"
           f" : ({_t(shape, b.dtype)}) -> {_t(out, b.dtype)}")
    return new, out


def _elementwise(b: _Builder, v: Value) -> Value:
    name, shape = v
    op = b.rng.choice(("add", "subtract", "multiply", "maximum", "minimum"))
    const = b.constant(shape)
    first, second = (name, const) if b.rng.random() < 0.7 else (const, name)
    new = b.fresh()
    b.emit(f"{new} = stablehlo.{op} {first}, {second} : {_t(shape, b.dtype)}")
    return new, shape


_FORMS = {"reduce": _reduce, "reduce_window": _reduce_window, "dot_general": _dot_general, "scatter": _scatter,
          "dynamic_update_slice": _dynamic_update_slice, "pad": _pad, "concatenate": _concatenate,
          "slice": _slice, "elementwise": _elementwise}
_GROWS = ("scatter", "dynamic_update_slice", "pad", "concatenate")


def generate(seed: int, max_ops: int = 4) -> str:
    """A StableHLO module with `func.func @main`: one to `max_ops` forms, one of them writing into a constant."""
    rng = random.Random(seed)
    b = _Builder(rng, rng.choice(DTYPES))
    shape = (rng.randint(2, 6), rng.randint(2, 6)) if rng.random() < 0.8 else (rng.randint(2, 8),)
    v: Value = (b.arg(shape), shape)
    n = rng.randint(1, max(1, max_ops))
    focus = rng.randrange(n)
    for i in range(n):
        form = rng.choice(FOCUS) if i == focus else rng.choice(FORMS)
        if form in _GROWS and i != focus and max(v[1]) > MAX_DIM - 3:
            form = rng.choice(("reduce", "slice"))
        v = _FORMS[form](b, v)
    result = _t(v[1], b.dtype)
    header = f"func.func @main({', '.join(b.args)}) -> {result} {{"
    return "\n".join([f"// fuzzir stablehlo generator, seed {seed}, max_ops {max_ops}", header, *b.lines,
                      f"  return {v[0]} : {result}", "}", ""])
