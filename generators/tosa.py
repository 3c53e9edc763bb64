"""Random TOSA programs of the forms real models use, with their constants where frontends put them.

TOSA keeps a model's weights, biases and quantization parameters as inline `tosa.const`
ops until IREE forms dispatch regions, and IREE's own input conversion builds the linalg
destinations from them: a `tosa.conv2d` becomes a `linalg.conv_2d_nhwc_hwcf` whose `outs`
is the constant bias broadcast, the case the decoupling pass exists for. So these programs
reach constants in `outs` by IREE's real path, not by fuzzir writing linalg.

Each program is one `func.func @main` with one NHWC argument and a chain of blocks, every
one of them a form TFLite/PyTorch exporters emit: conv2d, depthwise_conv2d and
transpose_conv2d with a constant bias (a conv2d or transpose_conv2d in every program: IREE
lowers them into the bias broadcast, a value computed only from constants in a destination,
while depthwise_conv2d and matmul get a zero fill and add their bias afterwards), matmul
followed by an add of a constant, avg_pool2d and max_pool2d, reduce_sum and reduce_max,
elementwise ops with constants; and two element-type tracks, f32 and int8 (i8 operands, i32
accumulators and biases, `rescale` back to i8, as quantized models do).

The text is MLIR's generic op form (`"tosa.conv2d"(...) <{...}>`): IREE 3.13's TOSA dialect
and the one in `tosa-tools` 2026.8 (the reference model's) print ops differently, but both
read the generic form with the same properties, so every program compiles with IREE and
serializes for the reference. Constants hold small integers (also as f32), so the results
are exact and every value oracle can judge them. Same seed, same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FRONTEND = "tosa"

__all__ = ["FRONTEND", "generate"]

#: Blocks per track; the conv family is drawn more often: it is what the generator is for.
_FLOAT_BLOCKS = ("conv2d", "conv2d", "depthwise_conv2d", "transpose_conv2d", "matmul_add", "avg_pool2d",
                 "max_pool2d", "reduce_sum", "reduce_max", "elementwise")
_INT_BLOCKS = ("conv2d", "conv2d", "depthwise_conv2d", "transpose_conv2d", "matmul_add", "avg_pool2d",
               "max_pool2d", "reduce_sum", "reduce_max", "elementwise", "rescale")
#: The blocks whose lowering writes into the constant bias (IREE gives depthwise_conv2d a zero fill and adds
#: its bias afterwards): one of them is in every program.
_INTO_BIAS = ("conv2d", "transpose_conv2d")


@dataclass
class _Value:
    name: str
    shape: tuple[int, ...]
    dtype: str  # f32, i8, i32

    @property
    def type(self) -> str:
        return _ttype(self.shape, self.dtype)


def _ttype(shape: tuple[int, ...], dtype: str) -> str:
    return f"tensor<{'x'.join(str(d) for d in shape)}x{dtype}>" if shape else f"tensor<{dtype}>"


def _literal(values: list, shape: tuple[int, ...], dtype: str) -> str:
    """A dense literal, nested to the shape (MLIR wants the nesting), splat when every value is equal."""
    def fmt(x: int) -> str:
        return f"{float(x)!r}" if dtype.startswith("f") else str(int(x))

    if len(set(values)) == 1:
        return fmt(values[0])

    def nest(flat: list, dims: tuple[int, ...]) -> str:
        if not dims:
            return fmt(flat[0])
        step = len(flat) // dims[0]
        return "[" + ", ".join(nest(flat[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])) + "]"

    return nest(values, shape)


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[str] = []
        self.count = 0

    def fresh(self, hint: str) -> str:
        self.count += 1
        return f"%{hint}{self.count}"

    def const(self, shape: tuple[int, ...], dtype: str, low: int, high: int, *, splat: bool | None = None,
              hint: str = "c") -> _Value:
        n = 1
        for d in shape:
            n *= d
        if splat is None:
            splat = self.rng.random() < 0.25
        if splat:
            values = [self.rng.randint(low, high)] * n
        else:
            values = [self.rng.randint(low, high) for _ in range(n)]
            if n > 1 and len(set(values)) == 1:
                values[0] = low if values[0] != low else high  # non-splat as asked
        v = _Value(self.fresh(hint), shape, dtype)
        self.lines.append(f'{v.name} = "tosa.const"() <{{values = dense<{_literal(values, shape, dtype)}> : '
                          f"{v.type}}}> : () -> {v.type}")
        return v

    def zero_point(self, dtype: str, value: int = 0) -> _Value:
        return self.const((1,), dtype, value, value, splat=True, hint="zp")

    def op(self, name: str, operands: list[_Value], result: tuple[tuple[int, ...], str], props: str = "") -> _Value:
        v = _Value(self.fresh("v"), *result)
        types = ", ".join(o.type for o in operands)
        props = f" <{{{props}}}>" if props else ""
        self.lines.append(f'{v.name} = "tosa.{name}"({", ".join(o.name for o in operands)}){props} : '
                          f"({types}) -> {v.type}")
        return v

    def shape_of(self, dims: tuple[int, ...]) -> str:
        name = self.fresh("shape")
        self.lines.append(f'{name} = "tosa.const_shape"() <{{values = dense<[{", ".join(map(str, dims))}]> : '
                          f"tensor<{len(dims)}xindex>}}> : () -> !tosa.shape<{len(dims)}>")
        return name

    def reshape(self, x: _Value, dims: tuple[int, ...]) -> _Value:
        shape = self.shape_of(dims)
        v = _Value(self.fresh("v"), dims, x.dtype)
        self.lines.append(f'{v.name} = "tosa.reshape"({x.name}, {shape}) : ({x.type}, !tosa.shape<{len(dims)}>) '
                          f"-> {v.type}")
        return v


def _arr(values: tuple[int, ...]) -> str:
    return f"array<i64: {', '.join(map(str, values))}>"


class _Program:
    """One program's chain of blocks over the current value (NHWC, f32 or i8/i32)."""

    def __init__(self, rng: random.Random, quantized: bool) -> None:
        self.rng = rng
        self.b = _Builder(rng)
        self.quantized = quantized

    # -- helpers -----------------------------------------------------------------------------------------
    def _weights_dtype(self) -> str:
        return "i8" if self.quantized else "f32"

    def _acc(self) -> str:
        return "i32" if self.quantized else "f32"

    def _narrow(self, x: _Value) -> _Value:
        """An i32 value brought back to i8: a rescale, as quantized models do after every conv, or a
        maximum/minimum to the i8 range and a cast (TOSA's clamp takes no i32), so that a quantized
        program reaches i8 both ways."""
        if x.dtype != "i32":
            return x
        if self.rng.random() < 0.2:
            return self.rescale(x)
        low = self.b.const((1, 1, 1, 1), "i32", -128, -128, splat=True, hint="c")
        high = self.b.const((1, 1, 1, 1), "i32", 127, 127, splat=True, hint="c")
        clamped = self.b.op("minimum", [self.b.op("maximum", [x, low], (x.shape, "i32")), high], (x.shape, "i32"))
        return self.b.op("cast", [clamped], (x.shape, "i8"))

    def _zps(self) -> tuple[_Value, _Value]:
        dtype = self._weights_dtype()
        input_zp = self.rng.choice((0, 0, -1, 2)) if self.quantized else 0
        return self.b.zero_point(dtype, input_zp), self.b.zero_point(dtype, 0)

    def _bias(self, n: int) -> _Value:
        return self.b.const((n,), self._acc(), -4, 4, hint="bias")

    # -- blocks ------------------------------------------------------------------------------------------
    def conv2d(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        kh, kw = self.rng.randint(1, min(3, h)), self.rng.randint(1, min(3, w))
        oc = self.rng.randint(1, 4)
        weight = self.b.const((oc, kh, kw, c), self._weights_dtype(), -2, 2, splat=False, hint="w")
        bias = self._bias(oc)
        izp, wzp = self._zps()
        out = (n, h - kh + 1, w - kw + 1, oc)
        props = (f"acc_type = {self._acc()}, dilation = {_arr((1, 1))}, pad = {_arr((0, 0, 0, 0))}, "
                 f"stride = {_arr((1, 1))}")
        return self.b.op("conv2d", [x, weight, bias, izp, wzp], (out, self._acc()), props)

    def depthwise_conv2d(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        kh, kw = self.rng.randint(1, min(3, h)), self.rng.randint(1, min(3, w))
        m = self.rng.randint(1, 2)
        weight = self.b.const((kh, kw, c, m), self._weights_dtype(), -2, 2, splat=False, hint="w")
        bias = self._bias(c * m)
        izp, wzp = self._zps()
        out = (n, h - kh + 1, w - kw + 1, c * m)
        props = (f"acc_type = {self._acc()}, dilation = {_arr((1, 1))}, pad = {_arr((0, 0, 0, 0))}, "
                 f"stride = {_arr((1, 1))}")
        return self.b.op("depthwise_conv2d", [x, weight, bias, izp, wzp], (out, self._acc()), props)

    def transpose_conv2d(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        kh, kw = self.rng.randint(1, 2), self.rng.randint(1, 2)
        oc = self.rng.randint(1, 3)
        weight = self.b.const((oc, kh, kw, c), self._weights_dtype(), -2, 2, splat=False, hint="w")
        bias = self._bias(oc)
        izp, wzp = self._zps()
        out = (n, h - 1 + kh, w - 1 + kw, oc)
        props = f"acc_type = {self._acc()}, out_pad = {_arr((0, 0, 0, 0))}, stride = {_arr((1, 1))}"
        return self.b.op("transpose_conv2d", [x, weight, bias, izp, wzp], (out, self._acc()), props)

    def matmul_add(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        flat = self.b.reshape(x, (n, h * w, c))
        k = self.rng.randint(1, 4)
        rhs = self.b.const((n, c, k), self._weights_dtype(), -2, 2, splat=False, hint="w")
        azp, bzp = self._zps()
        mm = self.b.op("matmul", [flat, rhs, azp, bzp], ((n, h * w, k), self._acc()))
        bias = self.b.const((1, 1, k), self._acc(), -4, 4, hint="bias")
        added = self.b.op("add", [mm, bias], ((n, h * w, k), self._acc()))
        return self.b.reshape(added, (n, h, w, k))

    def avg_pool2d(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        kh, kw = self.rng.randint(1, min(2, h)), self.rng.randint(1, min(2, w))
        zp_type = x.dtype
        izp, ozp = self.b.zero_point(zp_type), self.b.zero_point(zp_type)
        props = (f"acc_type = {self._acc()}, kernel = {_arr((kh, kw))}, pad = {_arr((0, 0, 0, 0))}, "
                 f"stride = {_arr((1, 1))}")
        return self.b.op("avg_pool2d", [x, izp, ozp], ((n, h - kh + 1, w - kw + 1, c), x.dtype), props)

    def max_pool2d(self, x: _Value) -> _Value:
        x = self._narrow(x)
        n, h, w, c = x.shape
        kh, kw = self.rng.randint(1, min(2, h)), self.rng.randint(1, min(2, w))
        props = f"kernel = {_arr((kh, kw))}, pad = {_arr((0, 0, 0, 0))}, stride = {_arr((1, 1))}"
        return self.b.op("max_pool2d", [x], ((n, h - kh + 1, w - kw + 1, c), x.dtype), props)

    def _reduce(self, name: str, x: _Value) -> _Value:
        axis = self.rng.choice([a for a in (1, 2, 3) if x.shape[a] > 1] or [3])
        shape = tuple(1 if i == axis else d for i, d in enumerate(x.shape))
        return self.b.op(name, [x], (shape, x.dtype), f"axis = {axis} : i32")

    def reduce_sum(self, x: _Value) -> _Value:
        if self.quantized and x.dtype != "i32":
            x = self._widen(x)
        return self._reduce("reduce_sum", x)

    def reduce_max(self, x: _Value) -> _Value:
        return self._reduce("reduce_max", x)

    def _widen(self, x: _Value) -> _Value:
        return self.b.op("cast", [x], (x.shape, "i32"))

    def elementwise(self, x: _Value) -> _Value:
        if self.quantized and x.dtype != "i32":
            x = self._widen(x)
        name = self.rng.choice(("add", "sub", "mul", "maximum", "minimum"))
        shape = (1, 1, 1, x.shape[3]) if self.rng.random() < 0.6 else x.shape
        c = self.b.const(shape, x.dtype, -3, 3, hint="c")
        operands = [x, c] if self.rng.random() < 0.7 else [c, x]
        if name == "mul":
            operands.append(self.b.const((1,), "i8", 0, 0, splat=True, hint="shift"))
        return self.b.op(name, operands, (x.shape, x.dtype))

    def rescale(self, x: _Value) -> _Value:
        """i32 (or i8) to i8: scale 2^-k in Q31 (multiplier 2^30, shift 31+k), an output zero point."""
        if x.dtype == "f32":
            return x
        k = self.rng.randint(0, 3)
        multiplier = self.b.const((1,), "i32", 1 << 30, 1 << 30, splat=True, hint="mult")
        shift = self.b.const((1,), "i8", 31 + k, 31 + k, splat=True, hint="shift")
        izp = self.b.zero_point(x.dtype, 0)
        ozp = self.b.zero_point("i8", self.rng.choice((0, 0, 3, -5)))
        props = ("input_unsigned = false, output_unsigned = false, per_channel = false, "
                 "rounding_mode = #tosa.rounding_mode<DOUBLE_ROUND>, scale32 = true")
        return self.b.op("rescale", [x, multiplier, shift, izp, ozp], (x.shape, "i8"), props)

    def block(self, name: str, x: _Value) -> _Value:
        return getattr(self, name)(x)


def generate(seed: int, max_ops: int = 4) -> str:
    """A TOSA module whose `@main` chains 1..max_ops blocks (at least one with a constant bias)."""
    rng = random.Random(seed)
    quantized = rng.random() < 0.5
    p = _Program(rng, quantized)
    shape = (1, rng.randint(3, 6), rng.randint(3, 6), rng.randint(1, 4))
    arg = _Value("%arg0", shape, "i8" if quantized else "f32")
    count = rng.randint(1, max(1, max_ops))
    names = [rng.choice(_INT_BLOCKS if quantized else _FLOAT_BLOCKS) for _ in range(count)]
    if not set(names) & set(_INTO_BIAS):
        names[rng.randrange(count)] = rng.choice(_INTO_BIAS)
    x = arg
    for name in names:
        if min(x.shape[1], x.shape[2]) < 1:
            break
        x = p.block(name, x)
    if quantized and x.dtype == "i32" and rng.random() < 0.2:
        x = p.rescale(x)
    body = "\n".join(f"  {line}" for line in p.b.lines)
    return (f"// fuzzir TOSA generator, seed {seed}\n"
            f"func.func @main({arg.name}: {arg.type}) -> {x.type} {{\n{body}\n"
            f"  return {x.name} : {x.type}\n}}\n")
