"""The numpy reference: what a program must compute, without IREE.

One interpreter evaluates every op in its generic form (named ops carry theirs
in the model). It runs in three modes over the same code:

- ``native``: in the program's own element types (bf16 through ml_dtypes), and
  each body value in its own type. Integers wrap as in MLIR. Used as the
  expected value when the program is *exact*. It also notes undefined
  behaviour (a zero divisor or INT_MIN / -1 in divsi/remsi, an fptosi out of
  range or of NaN): then nothing is judged, since IREE may compute anything.
- ``float64``: floats widened to float64 (integers stay native: they wrap), the
  expected value for general floats.
- ``abs``: float64 on |inputs| with every op replaced by an abs-monotone bound
  (sub -> add, min -> max, select -> max of its branches, a compare -> 1,
  and/or/xor -> the next power of two, divsi -> the dividend, remsi -> min of
  both, an integer capped at 2**(width-1)). It bounds the magnitude of every
  intermediate value, per float type, which decides exactness and sizes the
  tolerance.

Exactness: a program whose float inputs and body constants are integers and
whose values in each float type never exceed 2**(mantissa bits + 1) of that
type (bf16: 2**8) computes every value exactly in any summation order, so IREE
must match bit for bit: casts, compares and selects are exact on such values.
A program that is not exact and has a float compare or float-to-int cast is
not judged: one rounding can flip a compare or move a truncation by one, and
change the result by any amount. Otherwise the
tolerance is the standard forward error bound for a sum of n rounded terms
(Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1):
``|err| <= gamma(n) * S + n * tiny`` with ``gamma(n) = n*u / (1 - n*u)``,
``S`` the abs-mode value, ``u`` the unit roundoff of the type and ``tiny`` its
smallest normal (a flushed denormal per rounding). ``n`` counts roundings on
the longest dependency chain: each op adds its reduction length plus the arith
ops in its body. When ``n*u >= 1`` the bound says nothing and the output is not
judged (infinite tolerance), rather than judged wrongly.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass

import ml_dtypes
import numpy as np

from fuzzir.dtypes import numpy_dtype
from fuzzir.model import (
    CASTS,
    COMBINERS,
    DIVISION_INT,
    EXACT_INTEGER_LIMIT,
    GATHER,
    INSERT_SLICE,
    PACK,
    RESHAPE,
    SCAN,
    SORT,
    TOPK,
    UNPACK,
    Expr,
    LinalgOp,
    LiteralKind,
    Program,
    Ref,
    TensorOp,
    bits,
    dtype_class,
    is_float,
)

_UFUNC = {
    "addf": np.add, "addi": np.add,
    "subf": np.subtract, "subi": np.subtract,
    "mulf": np.multiply, "muli": np.multiply,
    "maximumf": np.maximum, "maxsi": np.maximum,
    "minimumf": np.minimum, "minsi": np.minimum,
    "andi": np.bitwise_and, "ori": np.bitwise_or, "xori": np.bitwise_xor,
    "negf": np.negative, "absf": np.abs, "absi": np.abs,
}


def _bitwise_bound(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|x op y| for and/or/xor: both fit k+1 signed bits when |x|, |y| < 2**k, and so does the result."""
    return 2.0 ** np.ceil(np.log2(np.maximum(a, b) + 1))


_ABS_UFUNC = {"subf": np.add, "subi": np.add, "minimumf": np.maximum, "minsi": np.maximum, "negf": np.positive,
              "andi": _bitwise_bound, "ori": _bitwise_bound, "xori": _bitwise_bound}

UNIT_ROUNDOFF = {"f32": 2.0**-24, "f16": 2.0**-11, "bf16": 2.0**-8}
LARGEST_FINITE = {"f32": float(np.finfo(np.float32).max), "f16": float(np.finfo(np.float16).max),
                  "bf16": float(ml_dtypes.finfo(ml_dtypes.bfloat16).max)}
SMALLEST_NORMAL = {"f32": float(np.finfo(np.float32).tiny), "f16": float(np.finfo(np.float16).tiny),
                   "bf16": float(ml_dtypes.finfo(ml_dtypes.bfloat16).tiny)}
#: Compares by predicate; the ordered float ones are false on NaN, as numpy's are (but for `one`).
_COMPARE = {"oeq": np.equal, "eq": np.equal, "one": np.not_equal, "ne": np.not_equal,
            "olt": np.less, "slt": np.less, "ole": np.less_equal, "sle": np.less_equal,
            "ogt": np.greater, "sgt": np.greater, "oge": np.greater_equal, "sge": np.greater_equal}
#: Ops whose result a rounding error can change by any amount: only exact programs can be judged.
DISCONTINUOUS = ("cmpf", "fptosi")


class UnsupportedOp(ValueError):
    """The body uses an op the reference does not model."""


def _compare(pred: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = _COMPARE[pred](a, b)
    if pred == "one":  # ordered: false when either is NaN
        out = out & ~np.isnan(np.asarray(a, np.float64)) & ~np.isnan(np.asarray(b, np.float64))
    return out


def _divide(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MLIR's divsi (truncating toward zero) and remsi (the dividend's sign): C's, not numpy's // and %."""
    b = np.where(b == 0, np.ones_like(b), b)  # a zero divisor is undefined behaviour, reported by the caller
    r = np.fmod(a, b)
    return r if op == "remsi" else (a - r) // b  # a - r is a multiple of b: the floor division is exact


class _Eval:
    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.peak = 0.0  # abs mode: the largest float intermediate magnitude seen
        self.peaks: dict[str, float] = {}  # abs mode: the same, per float type
        self.undefined = ""  # native mode: why some value is undefined behaviour (poison), if one is
        self.ambiguous = ""  # native mode: why the op's definition leaves some value open here, if it does
        self.grid: list[np.ndarray] | None = None  # the loop positions a body's `linalg.index` reads

    def ufunc(self, name: str) -> np.ufunc:
        if name not in _UFUNC:
            raise UnsupportedOp(f"arith.{name} is not modelled by the numpy reference")
        if self.mode == "abs":
            return _ABS_UFUNC.get(name, _UFUNC[name])
        return _UFUNC[name]

    def cast(self, value: np.ndarray | float | int, dtype: str) -> np.ndarray:
        """A value of `dtype` in this mode: native; float64 for floats (ints stay native, they wrap);
        abs: float64 magnitudes, an integer's capped by its width (a wrapped value is no larger)."""
        if self.mode == "native" or (self.mode == "float64" and not is_float(dtype)):
            return np.asarray(value, dtype=numpy_dtype(dtype))
        out = np.asarray(value, dtype=np.float64)
        if self.mode != "abs":
            return out
        out = np.abs(out)
        return out if is_float(dtype) else np.minimum(out, 2.0 ** max(bits(dtype) - 1, 0))

    def body(self, e: Expr, args: list[np.ndarray], dtype: str) -> np.ndarray:
        if e.op == "arg":
            return args[e.index]
        t = e.dtype or dtype
        if e.op == "const":
            return self.cast(e.value, t)
        if e.op == "index":
            if self.grid is None:
                raise UnsupportedOp("linalg.index outside a linalg op")
            return self.cast(self.grid[e.index], t)
        vals = [self.body(a, args, dtype) for a in e.args]
        out = self.cast(self.apply(e, vals, t), t)
        self._note(out, t)
        return out

    def apply(self, e: Expr, vals: list[np.ndarray], t: str) -> np.ndarray:
        """One body op on its operands' values (of this mode), before the cast to its type `t`."""
        if e.op in ("cmpf", "cmpi"):
            return np.ones(np.broadcast_shapes(*(np.shape(v) for v in vals))) if self.mode == "abs" else (
                _compare(e.pred, *vals))
        if e.op == "select":
            c, a, b = vals
            return np.maximum(a, b) if self.mode == "abs" else np.where(c, a, b)
        if e.op in CASTS:
            x = vals[0]
            if e.op != "fptosi":
                return x
            x = np.trunc(np.asarray(x, np.float64))  # toward zero
            if self.mode == "native":
                info = np.iinfo(numpy_dtype(t))
                if not np.all(np.isfinite(x) & (x >= info.min) & (x <= info.max)):
                    self.undefined = self.undefined or f"arith.fptosi of a value out of {t}'s range"
                x = np.where(np.isfinite(x), np.clip(x, info.min, info.max), 0)
            return x
        if e.op in DIVISION_INT:
            a, b = vals
            if self.mode == "abs":
                return a if e.op == "divsi" else np.minimum(a, b)
            low = np.iinfo(numpy_dtype(t)).min
            if np.any(b == 0) or np.any((a == low) & (b == -1)):
                self.undefined = self.undefined or f"arith.{e.op} by zero or of {low} by -1"
            return _divide(e.op, a, b)
        return self.ufunc(e.op)(*vals)

    def _note(self, value: np.ndarray, dtype: str) -> None:
        if self.mode == "abs" and value.size and is_float(dtype):
            top = float(np.max(value))
            self.peak = max(self.peak, top)
            self.peaks[dtype] = max(self.peaks.get(dtype, 0.0), top)

    def tensor_op(self, op: TensorOp, operands: list[np.ndarray]) -> np.ndarray:
        """insert_slice: a copy of the destination with the slice replaced; scatter: for each index row,
        original[row] = combiner(update, original[row]) (rows are unique, so their order does not matter)."""
        if op.family == GATHER:
            return self._gather(op, operands)
        if op.family in (PACK, UNPACK):
            return self._pack(op, operands[0])
        if op.family == RESHAPE:  # row-major, as expand_shape and collapse_shape keep the elements
            return np.array(np.reshape(operands[0], op.result_type.shape), copy=True)
        out = np.array(operands[-1], copy=True)
        if op.family == INSERT_SLICE:
            window = tuple(slice(o, o + (n - 1) * s + 1, s) for o, n, s in zip(op.offsets, op.sizes, op.strides,
                                                                               strict=True))
            out[window] = operands[0]
            return out
        updates, indices = operands[0], np.asarray(operands[1]).astype(np.int64)
        batch = indices.ndim - 1  # leading dims of both: one update slice per index row
        slices = np.reshape(updates, (-1, *np.shape(updates)[batch:]))
        rows = indices.reshape(-1, len(op.dimension_map))
        bound = np.array([op.result_type.shape[d] for d in op.dimension_map])
        if np.any(rows < 0) or np.any(rows >= bound):  # computed indices (constant ones the model checks)
            self.undefined = self.undefined or f"{op.name} at an index out of bounds"
            return out
        keep = (np.asarray(operands[2], bool).reshape(-1) if len(op.ins) == 3
                else np.ones(len(rows), bool))  # a false mask leaves the original there
        rows, slices = rows[keep], slices[keep]
        if len({tuple(r) for r in rows.tolist()}) != len(rows):
            self.ambiguous = self.ambiguous or f"{op.name} with repeated indices (their order is not defined)"
            return out
        for row, update in zip(rows, slices, strict=True):
            position = [0] * len(op.dimension_map)
            for k, d in enumerate(op.dimension_map):
                position[d] = int(row[k])
            where = tuple(position)
            out[where] = self.body(op.body, [np.asarray(update), out[where]], op.result_type.dtype)
        self._note(out, op.result_type.dtype)
        return out

    @staticmethod
    def _pack(op: TensorOp, source: np.ndarray) -> np.ndarray:
        """A pack: each tiled dim split into (outer, tile), outer dims permuted, tiles last in `inner_dims_pos`
        order. An unpack: the inverse, then cut to its destination's shape."""
        flat = op.result_type.shape if op.family == UNPACK else np.shape(source)
        tiles = dict(zip(op.dimension_map, op.sizes, strict=True))
        split, outer_axis, inner_axis = [], {}, {}
        for d, n in enumerate(flat):
            outer_axis[d] = len(split)
            if d in tiles:
                split += [-(-n // tiles[d]), tiles[d]]
                inner_axis[d] = len(split) - 1
            else:
                split.append(n)
        perm = op.offsets or tuple(range(len(flat)))
        axes = [outer_axis[d] for d in perm] + [inner_axis[d] for d in op.dimension_map]
        if op.family == PACK:
            return np.array(np.transpose(np.reshape(source, split), axes), copy=True)
        interleaved = np.transpose(source, np.argsort(axes))  # back in `split` order: the inverse permutation
        padded = interleaved.reshape([split[outer_axis[d]] * (tiles[d] if d in tiles else 1)
                                      for d in range(len(flat))])
        return np.array(padded[tuple(slice(0, n) for n in flat)], copy=True)

    def _gather(self, op: TensorOp, operands: list[np.ndarray]) -> np.ndarray:
        """out[b, s] = source[indices[b], s] for each batch position b (`TensorOp`); a false mask keeps out[b]."""
        source, out = np.asarray(operands[0]), np.array(operands[-1], copy=True)
        depth = len(op.dimension_map)
        batch = out.ndim - (source.ndim - depth)
        rows = np.asarray(operands[1]).astype(np.int64).reshape(-1, depth)
        keep = np.asarray(operands[2], bool).reshape(-1) if len(op.ins) == 3 else np.ones(len(rows), bool)
        bound = np.array([source.shape[d] for d in op.dimension_map])
        if np.any((rows[keep] < 0) | (rows[keep] >= bound)):
            self.undefined = self.undefined or f"{op.name} at an index out of bounds"
            return out
        flat = out.reshape(-1, *out.shape[batch:])
        for k, row in enumerate(rows):
            if keep[k]:
                position = [0] * depth
                for i, d in enumerate(op.dimension_map):
                    position[d] = int(row[i])
                flat[k] = source[tuple(position)]
        return flat.reshape(out.shape)

    def scan(self, op: TensorOp, operands: list[np.ndarray]) -> list[np.ndarray]:
        """IREE's scan, element by element along its dimension (`TensorOp`): the output, then the accumulator."""
        dtype = op.result_type.dtype
        source = np.moveaxis(np.asarray(operands[0]), op.dimension, 0)
        out = np.array(np.moveaxis(np.asarray(operands[1]), op.dimension, 0), copy=True)
        out[0] = source[0] if op.inclusive else operands[2]
        for i in range(1, len(source)):
            value = source[i] if op.inclusive else source[i - 1]
            out[i] = self.body(op.body, [out[i - 1], value], dtype)
        self._note(out, dtype)
        return [np.moveaxis(out, 0, op.dimension), np.array(out[-1], copy=True)]

    def _order(self, op: TensorOp, rows: list[np.ndarray]) -> np.ndarray | None:
        """The positions of one row's elements in the comparator's order (`rows`: the row of each operand the
        comparator reads, as its (lhs, rhs) pairs), or None where that order is not total (ties, NaN)."""
        pairs = [a for row in rows for a in (row[:, None], row[None, :])]
        before = np.asarray(self.body(op.body, pairs, op.result_type.dtype), bool)
        before = np.broadcast_to(before, (len(rows[0]), len(rows[0])))
        off = ~np.eye(len(rows[0]), dtype=bool)
        wins = (before & off).sum(axis=1)
        # Exactly one of each pair goes first, and the order is transitive (all win counts differ).
        if not np.all((before ^ before.T)[off]) or len(set(wins.tolist())) != len(wins):
            return None
        return np.argsort(-wins, kind="stable")

    def sort(self, op: TensorOp, operands: list[np.ndarray]) -> list[np.ndarray]:
        """Every operand permuted along `op.dimension` by the comparator's order of its elements (`TensorOp`).
        abs mode: each element bounded by the largest of its row."""
        d = op.dimension
        rows = [np.moveaxis(np.asarray(x), d, -1) for x in operands]
        if self.mode == "abs":
            return [np.moveaxis(np.array(np.broadcast_to(np.max(r, axis=-1, keepdims=True), r.shape)), -1, d)
                    for r in rows]
        outs = [np.array(r, copy=True) for r in rows]
        for pos in np.ndindex(rows[0].shape[:-1]):
            order = self._order(op, [r[pos] for r in rows])
            if order is None:
                self.ambiguous = self.ambiguous or f"{op.name} of elements its comparator does not order totally (ties)"
                continue
            for out, r in zip(outs, rows, strict=True):
                out[pos] = r[pos][order]
        return [np.moveaxis(o, -1, d) for o in outs]

    def topk(self, op: TensorOp, operands: list[np.ndarray]) -> list[np.ndarray]:
        """The K first values along `op.dimension` by the comparator, and their indices (`TensorOp`).

        Judged only where the comparator orders the values totally (no ties, no NaN: tied values are
        ordered by index in IREE's insertion but not in every implementation) and every value goes before
        every initial output value (else an initial value may stay): then the answer is the K first in
        order, however computed. Elsewhere `ambiguous` says why. abs mode: each output bounded by the
        largest value."""
        d, n_in = op.dimension, len(op.ins)
        values = np.moveaxis(np.asarray(operands[0]), d, -1)
        k = op.result_type.shape[d]
        if self.mode == "abs":
            bound = np.broadcast_to(np.max(values, axis=-1, keepdims=True), (*values.shape[:-1], k))
            return [np.moveaxis(np.array(bound), -1, d) for _ in op.result_types]
        indices = (np.moveaxis(np.asarray(operands[1]), d, -1) if n_in == 2
                   else np.broadcast_to(np.arange(values.shape[-1]), values.shape))
        inits = np.moveaxis(np.asarray(operands[n_in]), d, -1)
        out_v = np.array(inits, copy=True)
        out_i = (np.array(np.moveaxis(np.asarray(operands[n_in + 1]), d, -1), copy=True) if op.more
                 else np.zeros(out_v.shape, np.int64))
        dtype = op.result_type.dtype
        for pos in np.ndindex(values.shape[:-1]):
            x, init = values[pos], inits[pos]
            order = self._order(op, [x])
            if order is None:
                self.ambiguous = self.ambiguous or f"{op.name} of values its comparator does not order totally (ties)"
                continue
            ahead = np.asarray(self.body(op.body, [x[:, None], init[None, :]], dtype), bool)
            behind = np.asarray(self.body(op.body, [init[None, :], x[:, None]], dtype), bool)
            if not (np.all(ahead) and not np.any(behind)):
                self.ambiguous = self.ambiguous or (f"{op.name} of values that do not all go before its initial "
                                                    "output values")
                continue
            first = order[:k]
            out_v[pos] = x[first]
            out_i[pos] = indices[pos][first]
        outputs = [np.moveaxis(out_v, -1, d)]
        if op.more:
            outputs.append(np.moveaxis(self.cast(out_i, op.more[0].result_type.dtype), -1, d))
        return outputs

    def op(self, op: LinalgOp | TensorOp, operands: list[np.ndarray]) -> np.ndarray:
        if isinstance(op, TensorOp):
            return self.tensor_op(op, operands)
        dtype = op.result_type.dtype
        grid = list(np.ogrid[tuple(slice(0, b) for b in op.bounds)]) if op.bounds else []
        idx = [tuple(e.evaluate(grid) for e in amap) for amap in op.maps]
        ins = [arr[ix] for arr, ix in zip(operands[:-1], idx[:-1], strict=True)]
        out = np.array(operands[-1], copy=True)
        out_ix = idx[-1]
        red = op.reduction_dims
        self.grid = grid
        if not red:
            value = self.body(op.body, [*ins, out[out_ix]], dtype)
            full = np.broadcast_shapes(*(g.shape for g in grid)) if grid else ()
            out[out_ix] = np.broadcast_to(value, full)
            self._note(out, dtype)
            return out
        fast = self._combiner_form(op)
        if fast is not None:
            combiner, expr = fast
            full = np.broadcast_shapes(*(g.shape for g in grid))
            value = np.broadcast_to(self.body(expr, [*ins, out[out_ix]], dtype), full)
            fold = self.ufunc(combiner)
            if fold is _bitwise_bound:  # abs mode: every partial result is within the bound of the largest
                reduced = self.cast(fold(np.maximum.reduce(value, axis=red, keepdims=True), 0), dtype)
            else:
                reduced = self.cast(fold.reduce(value, axis=red, keepdims=True), dtype)
            self._note(reduced, dtype)
            target = out[out_ix]
            if self.mode == "abs" and combiner in ("mulf", "muli"):
                # A product reduced in another order can pass through larger partial products
                # than this order's (|x| < 1 or 0 met late): bound every order's partial products.
                self._note(np.maximum(target, 1) * np.multiply.reduce(np.maximum(value, 1), axis=red,
                                                                      keepdims=True), dtype)
            combined = self.cast(self.ufunc(combiner)(target, reduced), dtype)
            out[out_ix] = np.reshape(combined, np.shape(target))
            self._note(out, dtype)
            return out
        return self._sequential(op, operands, out, dtype)

    def _combiner_form(self, op: LinalgOp) -> tuple[str, Expr] | None:
        """combiner(E, out) or combiner(out, E) with E free of out: reducible in any order."""
        b = op.body
        out_arg = len(op.ins)
        if b.op not in COMBINERS[dtype_class(op.result_type.dtype)] or len(b.args) != 2:
            return None
        for mine, other in ((b.args[1], b.args[0]), (b.args[0], b.args[1])):
            if mine.op == "arg" and mine.index == out_arg and not other.reads(out_arg):
                return b.op, other
        return None

    def outputs(self, op: LinalgOp | TensorOp, operands: list[np.ndarray]) -> list[np.ndarray]:
        """Every result of `op` (`operands`: ins, then every init).

        A multi-result op is one single-result op per output when no output's body reads
        another output's running value: an all-parallel op's out values are its inits' (read
        as further ins), a reduction output whose body reads only its own out value is folded
        alone. Otherwise the outputs are folded together, point by point, in loop order."""
        self.grid = None  # set by each linalg op for its own body
        if isinstance(op, TensorOp) and op.family == SCAN:
            return self.scan(op, operands)
        if isinstance(op, TensorOp) and op.family == TOPK:
            return self.topk(op, operands)
        if isinstance(op, TensorOp) and op.family == SORT:
            return self.sort(op, operands)
        if not op.more:
            return [self.op(op, operands)]
        n_in, n_out = len(op.ins), len(op.inits)
        cross = any(b.reads(n_in + j) for k, b in enumerate(op.bodies) for j in range(n_out) if j != k)
        if cross and op.reduction_dims:
            return self._joint(op, operands)
        results = []
        for k in range(n_out):
            out = op.output(k)
            if cross:  # all-parallel: out j is init j, read through its map
                ins, maps = (*op.ins, *op.inits), (*op.maps[:-1], *op.all_maps[n_in:])
                body = out.body.remap({n_in + k: n_in + n_out})
                args = [*operands, operands[n_in + k]]
            else:
                ins, maps = op.ins, op.maps[:-1]
                body = out.body.remap({n_in + k: n_in})
                args = [*operands[:n_in], operands[n_in + k]]
            single = dataclasses.replace(op, ins=ins, init=out.init, maps=(*maps, out.map), body=body,
                                         result_type=out.result_type, more=())
            results.append(self.op(single, args))
        return results

    def _joint(self, op: LinalgOp, operands: list[np.ndarray]) -> list[np.ndarray]:
        """Several outputs whose bodies read each other's running values: fold them together."""
        n_in = len(op.ins)
        dtype = op.result_type.dtype
        par_grid = list(np.ogrid[tuple(slice(0, b) if it == "parallel" else slice(0, 1)
                                       for b, it in zip(op.bounds, op.iterators, strict=True))])
        outs = [np.array(x, copy=True) for x in operands[n_in:]]
        out_ix = [tuple(e.evaluate(par_grid) for e in amap) for amap in op.all_maps[n_in:]]
        accs = [o[ix] for o, ix in zip(outs, out_ix, strict=True)]
        for point in itertools.product(*(range(op.bounds[d]) for d in op.reduction_dims)):
            grid = list(par_grid)
            for d, v in zip(op.reduction_dims, point, strict=True):
                grid[d] = np.asarray(v)
            ins = [arr[tuple(e.evaluate(grid) for e in amap)]
                   for arr, amap in zip(operands[:n_in], op.maps[:-1], strict=True)]
            self.grid = grid
            accs = [self.body(b, [*ins, *accs], dtype) for b in op.bodies]
        for o, ix, acc in zip(outs, out_ix, accs, strict=True):
            o[ix] = acc
            self._note(o, dtype)
        return outs

    def _sequential(self, op: LinalgOp, operands: list[np.ndarray], out: np.ndarray,
                    dtype: str) -> np.ndarray:
        """Exact linalg semantics for any body: fold reduction points in loop order."""
        red = op.reduction_dims
        par_grid = list(np.ogrid[tuple(slice(0, b) if it == "parallel" else slice(0, 1)
                                       for b, it in zip(op.bounds, op.iterators, strict=True))])
        out_ix = tuple(e.evaluate(par_grid) for e in op.maps[-1])
        acc = out[out_ix]
        for point in itertools.product(*(range(op.bounds[d]) for d in red)):
            grid = list(par_grid)
            for d, v in zip(red, point, strict=True):
                grid[d] = np.asarray(v)
            ins = [arr[tuple(e.evaluate(grid) for e in amap)]
                   for arr, amap in zip(operands[:-1], op.maps[:-1], strict=True)]
            self.grid = grid
            acc = self.body(op.body, [*ins, acc], dtype)
        out[out_ix] = acc
        self._note(out, dtype)
        return out

    def program(self, program: Program, inputs: list[np.ndarray]) -> list[np.ndarray]:
        values: dict[Ref, np.ndarray] = {}
        for i, t in enumerate(program.args):
            values[Ref("arg", i)] = self.cast(inputs[i], t.dtype)
        for i, lit in enumerate(program.literals):
            data = np.asarray(lit.data if lit.kind is not LiteralKind.EMPTY else np.zeros(lit.type.shape))
            shaped = data.reshape(lit.type.shape) if data.size == lit.type.numel else np.broadcast_to(
                data, lit.type.shape)
            values[Ref("lit", i)] = self.cast(shaped, lit.type.dtype)
        for i, op in enumerate(program.ops):
            operands = [values[r] for r in op.operands]
            for ref, value in zip(program.op_refs(i), self.outputs(op, operands), strict=True):
                values[ref] = value
        return [np.array(values[r]) for r in program.results]


def sequential_points(op: LinalgOp | TensorOp) -> int:
    """How many reduction points the reference folds one by one for `op` (0 when it reduces all at once):
    a reduction whose body is no combiner of its own running value, or whose outputs read each other's."""
    if isinstance(op, TensorOp) or not op.reduction_dims:
        return 0
    n_in, n_out = len(op.ins), len(op.inits)
    cross = any(b.reads(n_in + j) for k, b in enumerate(op.bodies) for j in range(n_out) if j != k)
    outputs = [op.output(k) for k in range(n_out)]
    singles = [dataclasses.replace(op, init=o.init, maps=(*op.maps[:-1], o.map), body=o.body.remap({n_in + k: n_in}),
                                   result_type=o.result_type, more=()) for k, o in enumerate(outputs)]
    if not cross and all(_Eval("native")._combiner_form(single) is not None for single in singles):
        return 0
    return int(np.prod([op.bounds[d] for d in op.reduction_dims], dtype=np.int64))


def evaluate(program: Program, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The program's outputs, in its own element types (exact when the program is)."""
    with np.errstate(all="ignore"):
        return _Eval("native").program(program, inputs)


def rounding_depth(program: Program) -> list[int]:
    """Roundings on the longest chain to each result: the n in gamma(n)."""
    depth: dict[Ref, int] = {}
    for i, op in enumerate(program.ops):
        before = max((depth.get(r, 0) for r in op.operands), default=0)
        red = int(np.prod([op.bounds[d] for d in op.reduction_dims], dtype=np.int64))
        if isinstance(op, TensorOp) and op.family == SCAN:  # a chain along the scanned dimension
            red = op.result_type.shape[op.dimension] - 1
        # Every output's body counts: a body may read the other outputs' running values.
        arith = sum(1 for b in op.bodies for e in b.walk() if e.op not in ("arg", "const"))
        for ref in program.op_refs(i):
            depth[ref] = before + max(red, 1) * arith
    return [depth.get(r, 0) for r in program.results]


@dataclass(frozen=True)
class Expectation:
    """Expected outputs and, per output, the allowed absolute error (0 means bit-exact).

    `why` says why the outputs cannot be judged at all (every tolerance is then infinite)."""

    outputs: list[np.ndarray]
    tolerances: list[np.ndarray | None]
    exact: bool
    why: str = ""


def _integral(values: list[np.ndarray]) -> bool:
    return all(np.all(np.isfinite(v)) and np.all(np.floor(v) == v) for v in values)


def _unjudged(outputs: list[np.ndarray], why: str) -> Expectation:
    return Expectation(outputs, [np.full(np.shape(v), np.inf) for v in outputs], False, why)


def _body_consts(program: Program) -> list[np.ndarray]:
    """The float constants inside bodies: an exact program has integral ones only."""
    return [np.asarray(float(e.value)) for op in program.ops for b in op.bodies for e in b.walk()
            if e.op == "const" and is_float(e.dtype or op.result_type.dtype)]


def _compared_only(program: Program) -> set[int]:
    """Literals used only as a topk's initial output values (-inf, as frontends write them): never computed
    with, only compared, and judged only where every value goes before them, so they need not be integral."""
    uses: dict[int, set[bool]] = {}
    for op in program.ops:
        for r in op.operands:
            if r.kind == "lit":
                uses.setdefault(r.index, set()).add(isinstance(op, TensorOp) and op.family == TOPK and r == op.init)
    for r in program.results:
        if r.kind == "lit":
            uses.setdefault(r.index, set()).add(False)
    return {i for i, kinds in uses.items() if kinds == {True}}


def expect(program: Program, inputs: list[np.ndarray]) -> Expectation:
    """What IREE must produce for `inputs`, with a derived tolerance where one is needed."""
    with np.errstate(all="ignore"):
        evaluation = _Eval("native")
        native = evaluation.program(program, inputs)
        if evaluation.undefined:  # IREE may compute anything there (and so may the compiler's folds)
            return _unjudged(native, f"undefined behaviour: {evaluation.undefined}")
        if evaluation.ambiguous:
            return _unjudged(native, evaluation.ambiguous)
        float_types = {t.dtype for t in program.result_types() if is_float(t.dtype)}
        float_types |= {t for t in (*program.dtypes(), *program.body_dtypes()) if is_float(t)}
        if not float_types:
            return Expectation(native, [None] * len(native), True)
        absolute = _Eval("abs")
        abs_out = absolute.program(program, inputs)
        compared = _compared_only(program)
        lits = [np.asarray(lit.data, dtype=np.float64) for i, lit in enumerate(program.literals)
                if is_float(lit.type.dtype) and lit.kind is not LiteralKind.EMPTY and i not in compared]
        ins = [np.asarray(x, dtype=np.float64) for x, t in zip(inputs, program.args, strict=True)
               if is_float(t.dtype)]
        # Every value integral and, in each float type, within the integers it holds exactly.
        within = all(absolute.peaks.get(t, 0.0) <= EXACT_INTEGER_LIMIT[t] for t in float_types)
        if _integral(ins + lits + _body_consts(program)) and within and all(
            np.all(np.isfinite(np.asarray(v, np.float64))) for v in native
        ):
            return Expectation(native, [None] * len(native), True)
        jumps = sorted({e.op for op in program.ops for b in op.bodies for e in b.walk() if e.op in DISCONTINUOUS})
        if jumps:
            return _unjudged(native, f"arith.{jumps[0]} of values that are not exact: one rounding can "
                                     "change its result by any amount")
        wide = _Eval("float64").program(program, inputs)
        tols: list[np.ndarray | None] = []
        outputs: list[np.ndarray] = []
        overflow = any(absolute.peaks.get(d, 0.0) > LARGEST_FINITE[d] for d in float_types)
        for t, n, w, a, nat in zip(program.result_types(), rounding_depth(program), wide, abs_out,
                                   native, strict=True):
            if not is_float(t.dtype):
                tols.append(None)
                outputs.append(nat)
                continue
            worst = max(UNIT_ROUNDOFF[d] for d in float_types)
            tiny = max(SMALLEST_NORMAL[d] for d in float_types)
            steps = n + 1  # the final rounding to the result type
            # Vacuous bound, or some summation order may overflow (inf, then inf * 0 = NaN):
            # nothing can be judged.
            if steps * worst >= 1 or overflow:
                tols.append(np.full(np.shape(a), np.inf))
            else:
                gamma = steps * worst / (1 - steps * worst)
                tols.append(gamma * a + steps * tiny)
            outputs.append(w)
        return Expectation(outputs, tols, False)


def _is_float(dtype: np.dtype) -> bool:
    """numpy's floats, and ml_dtypes' (bf16, the f8 formats), which numpy does not call floating."""
    return bool(np.issubdtype(dtype, np.floating)) or dtype.name.startswith(("bfloat16", "float8"))


def _same_floats(e64: np.ndarray, a64: np.ndarray) -> np.ndarray:
    return (e64 == a64) | (np.isnan(e64) & np.isnan(a64))


def compare(expected: np.ndarray, actual: np.ndarray, tolerance: np.ndarray | None) -> str | None:
    """None when `actual` is right, else a one-line description of the first mismatch."""
    if tuple(expected.shape) != tuple(actual.shape):
        return f"shape {tuple(actual.shape)} != expected {tuple(expected.shape)}"
    e = np.asarray(expected)
    a = np.asarray(actual)
    if tolerance is None:
        if np.iscomplexobj(e) or np.iscomplexobj(a):  # each part as a float: -0.0 == 0.0, NaN == NaN
            e128, a128 = e.astype(np.complex128), a.astype(np.complex128)
            bad = ~(_same_floats(e128.real, a128.real) & _same_floats(e128.imag, a128.imag))
        elif _is_float(e.dtype):
            bad = ~_same_floats(e.astype(np.float64), a.astype(np.float64))
        else:
            bad = e != a.astype(e.dtype)
    else:
        wide = np.complex128 if np.iscomplexobj(e) or np.iscomplexobj(a) else np.float64
        e64, a64 = e.astype(wide), a.astype(wide)
        both_nan = np.isnan(e64) & np.isnan(a64)
        same_inf = np.isinf(e64) & (e64 == a64)
        with np.errstate(invalid="ignore"):
            # An infinite tolerance means the output is not judged: any value, NaN included, passes.
            close = (np.abs(e64 - a64) <= tolerance) | np.isinf(tolerance)
        bad = ~(both_nan | same_inf | close)
    if not np.any(bad):
        return None
    where = tuple(int(i) for i in np.argwhere(bad)[0])
    count = int(np.count_nonzero(bad))
    return (f"{count} of {e.size} elements differ; first at {list(where)}: "
            f"expected {e[where]!r}, got {a[where]!r}")
