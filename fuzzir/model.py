"""The program model: the one description of a program that every stage reads.

Generators build it, `fuzzir.emit` prints it as MLIR, `fuzzir.oracles.reference`
evaluates it, `fuzzir.parse` rebuilds it from MLIR text and the minimizer
rewrites it. Every linalg op carries its *generic form* (loop bounds, indexing
maps, iterator types, body expression) even when it is emitted as a named op,
so the numpy reference needs one interpreter, not one per op. Tensor ops with
no generic form (`tensor.insert_slice`, `iree_linalg_ext.scatter`) are `TensorOp`s
with their static attributes instead; a constant reshaped before its use is a
`Literal` with a `Reshape`.

The module is long: it is the one description every stage reads, so each construct
(multi-result ops, dynamic-shaped arguments, tensor ops, reshaped constants) lives here
rather than in a stage, and `Program` and the kinds of op it holds check each other's types.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from fuzzir.dtypes import numpy_dtype
from fuzzir.exprs import (  # noqa: F401  (re-exported: the body's ops are part of the model)
    BINARY_FLOAT,
    BINARY_INT,
    BODY_DTYPES,
    CASTS,
    CMPF_PREDICATES,
    CMPI_PREDICATES,
    COMBINERS,
    DIVISION_INT,
    UNARY_DIALECT,
    UNARY_FLOAT,
    UNARY_INT,
    Expr,
    bits,
    check_body,
    expr_dtype,
)

#: Element types of generated programs: the first four are drawn most often (`CLASSIC_DTYPES`).
DTYPES: tuple[str, ...] = ("f32", "f16", "i32", "i8", "bf16", "i64", "i16")
CLASSIC_DTYPES: tuple[str, ...] = DTYPES[:4]
NUMPY_DTYPE: dict[str, type] = {
    "f32": np.float32,
    "f16": np.float16,
    "i32": np.int32,
    "i8": np.int8,
    "bf16": numpy_dtype("bf16").type,  # ml_dtypes.bfloat16: numpy has no bf16 of its own
    "i64": np.int64,
    "i16": np.int16,
    "i1": np.bool_,  # constants only (a scatter's mask): never generated, never an argument or a result
}
#: Largest integer magnitude each float type holds exactly (2**(mantissa bits + 1)).
EXACT_INTEGER_LIMIT: dict[str, int] = {"f32": 2**24, "f16": 2**11, "bf16": 2**8}
#: IREE clones constants up to this many bytes into dispatches (flag default).
INLINE_CONSTANT_LIMIT_BYTES = 256


def is_float(dtype: str) -> bool:
    return dtype.startswith(("f", "bf"))


def dtype_class(dtype: str) -> str:
    """The coarse type class used in finding signatures."""
    return "float" if is_float(dtype) else "int"


@dataclass(frozen=True)
class TensorType:
    shape: tuple[int, ...]
    dtype: str

    def mlir(self, dynamic: tuple[int, ...] = ()) -> str:
        """The MLIR type; dims in `dynamic` print as `?` (a dynamic-shaped argument)."""
        dims = "".join(f"{'?' if i in dynamic else d}x" for i, d in enumerate(self.shape))
        return f"tensor<{dims}{self.dtype}>"

    @property
    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.numel * np.dtype(NUMPY_DTYPE[self.dtype]).itemsize


class InitKind(StrEnum):
    """What an op's `outs` operand is; the first four are the constants under test."""

    SPLAT = "splat"
    NONSPLAT = "nonsplat"
    GLOBAL = "global"
    LARGE = "large"
    FILL = "fill"
    RESULT = "result"
    ARG = "arg"
    EMPTY = "empty"


#: The constant kinds under test, in a fixed order (generators sample from it).
CONSTANT_INIT_KINDS: tuple[InitKind, ...] = (InitKind.SPLAT, InitKind.NONSPLAT, InitKind.GLOBAL, InitKind.LARGE)


class LiteralKind(StrEnum):
    """How a literal tensor is materialized in MLIR."""

    SPLAT = "splat"  # arith.constant dense<c>
    DENSE = "dense"  # arith.constant dense<[...]> (hex when over the inline limit)
    RESOURCE = "resource"  # arith.constant dense_resource<cstN>, bytes in the file's dialect_resources
    GLOBAL = "global"  # util.global private + util.global.load
    FILL = "fill"  # tensor.empty + linalg.fill
    EMPTY = "empty"  # tensor.empty (shape-only operand, e.g. a pooling window)


EXPAND_SHAPE, COLLAPSE_SHAPE = "tensor.expand_shape", "tensor.collapse_shape"
#: Marks an init label (`Program.init_label`) whose constant the decoupling pass sees only through a reshape.
RESHAPED = "+reshape"


@dataclass(frozen=True)
class Reshape:
    """A constant materialized in another shape and reshaped to its use, as frontends do (torch-mlir's
    `view` of a weight): `name` (expand or collapse) applied to a constant of type `source`.
    `reassociation` groups the dims of the higher-rank side, one group per dim of the lower."""

    name: str
    source: TensorType
    reassociation: tuple[tuple[int, ...], ...]

    def check(self, t: TensorType) -> None:
        """Raise ValueError unless this reshape turns `source` into `t`."""
        big, small = (t, self.source) if self.name == EXPAND_SHAPE else (self.source, t)
        if self.name not in (EXPAND_SHAPE, COLLAPSE_SHAPE) or self.source.dtype != t.dtype:
            raise ValueError(f"bad reshape {self.name} of {self.source.mlir()}")
        flat = [d for g in self.reassociation for d in g]
        if flat != list(range(len(big.shape))) or len(self.reassociation) != len(small.shape) or not all(
                self.reassociation):
            raise ValueError(f"bad reassociation {self.reassociation} for {big.mlir()}")
        for g, n in zip(self.reassociation, small.shape, strict=True):
            if int(np.prod([big.shape[d] for d in g], dtype=np.int64)) != n:
                raise ValueError(f"reassociation {self.reassociation} does not fit {big.mlir()} and {small.mlir()}")


@dataclass(frozen=True, eq=False)
class Literal:
    """A tensor whose value is known at compile time (or is don't-care, for EMPTY).

    `data` has the shape of `type`, the type its users see; with a `reshape` the constant is
    printed in `reshape.source`'s shape and reshaped to `type` before its first use.
    """

    kind: LiteralKind
    type: TensorType
    data: np.ndarray = field(repr=False)
    reshape: Reshape | None = None

    @property
    def init_kind(self) -> InitKind:
        if self.kind is LiteralKind.SPLAT:
            return InitKind.SPLAT
        if self.kind is LiteralKind.GLOBAL:
            return InitKind.GLOBAL
        if self.kind is LiteralKind.FILL:
            return InitKind.FILL
        if self.kind is LiteralKind.EMPTY:
            return InitKind.EMPTY
        flat = np.asarray(self.data).reshape(-1)
        if flat.size <= 1 or bool(np.all(flat == flat[0])):
            return InitKind.SPLAT  # MLIR stores an all-equal dense attribute as a splat
        if self.type.nbytes > INLINE_CONSTANT_LIMIT_BYTES:
            return InitKind.LARGE
        return InitKind.NONSPLAT

    def same(self, other: Literal) -> bool:
        return (
            self.kind == other.kind
            and self.type == other.type
            and self.reshape == other.reshape
            and np.array_equal(self.data, other.data)
        )


@dataclass(frozen=True)
class Ref:
    """A use of a value: a function argument, a literal, or an op's result."""

    kind: str  # "arg" | "lit" | "op"
    index: int
    result: int = 0  # which result of a multi-result op (`%opN#k`); 0 for everything else

    def __post_init__(self) -> None:
        if self.kind not in ("arg", "lit", "op"):
            raise ValueError(f"bad ref kind {self.kind!r}")


@dataclass(frozen=True)
class AffineExpr:
    """sum(coef * d[dim]) + const: every map linalg ops here need is linear."""

    terms: tuple[tuple[int, int], ...]  # (dim, coef)
    const: int = 0

    @staticmethod
    def dim(d: int) -> AffineExpr:
        return AffineExpr(((d, 1),))

    def mlir(self) -> str:
        parts = []
        for d, c in self.terms:
            parts.append(f"d{d}" if c == 1 else f"d{d} * {c}")
        if self.const or not parts:
            parts.append(str(self.const))
        return " + ".join(parts)

    def evaluate(self, grid: list[np.ndarray]) -> np.ndarray | int:
        acc: np.ndarray | int = self.const
        for d, c in self.terms:
            acc = acc + grid[d] * c
        return acc

    def is_dim(self) -> bool:
        return self.const == 0 and len(self.terms) == 1 and self.terms[0][1] == 1


AffineMap = tuple[AffineExpr, ...]


def map_mlir(ndims: int, amap: AffineMap) -> str:
    dims = ", ".join(f"d{i}" for i in range(ndims))
    return f"affine_map<({dims}) -> ({', '.join(e.mlir() for e in amap)})>"


@dataclass(frozen=True)
class Output:
    """A further destination of a multi-result `linalg.generic`: its own init, indexing map, body and type.

    The block arguments are the ins, then every output's out value in order, so output k's
    own out value is `Expr.arg(len(ins) + k)` (output 0 is the op's `init`/`body`)."""

    init: Ref
    map: AffineMap
    body: Expr
    result_type: TensorType


@dataclass(frozen=True)
class LinalgOp:
    """One linalg op in generic form, plus how to print it.

    `name` is what the emitter prints (`linalg.generic` or a named op such as
    `linalg.matmul`); `family` groups ops for signatures and statistics.
    """

    name: str
    family: str
    ins: tuple[Ref, ...]
    init: Ref
    bounds: tuple[int, ...]
    maps: tuple[AffineMap, ...]  # one per operand: ins..., then init
    iterators: tuple[str, ...]
    body: Expr
    result_type: TensorType
    strides: tuple[int, ...] = ()
    dilations: tuple[int, ...] = ()
    more: tuple[Output, ...] = ()  # outputs 1.. of a multi-result generic (frontends fuse reductions so)

    @property
    def inits(self) -> tuple[Ref, ...]:
        """Every `outs` operand, output 0 first."""
        return (self.init, *(o.init for o in self.more))

    @property
    def operands(self) -> tuple[Ref, ...]:
        """ins, then every init: the order of the block arguments and of `all_maps`."""
        return (*self.ins, *self.inits)

    @property
    def all_maps(self) -> tuple[AffineMap, ...]:
        return (*self.maps, *(o.map for o in self.more))

    @property
    def bodies(self) -> tuple[Expr, ...]:
        """The yielded value of each output."""
        return (self.body, *(o.body for o in self.more))

    @property
    def result_types(self) -> tuple[TensorType, ...]:
        return (self.result_type, *(o.result_type for o in self.more))

    def output(self, k: int) -> Output:
        """Output k (0 is the op's own init, map, body and type)."""
        if k == 0:
            return Output(self.init, self.maps[-1], self.body, self.result_type)
        return self.more[k - 1]

    def without_output(self, k: int) -> LinalgOp:
        """This op without output k (no other output's body may read its value)."""
        n_in, n_out = len(self.ins), len(self.inits)
        shift = {n_in + j: n_in + j - 1 for j in range(k + 1, n_out)}
        kept = [self.output(j) for j in range(n_out) if j != k]
        kept = [dataclasses.replace(o, body=o.body.remap(shift)) for o in kept]
        return dataclasses.replace(self, init=kept[0].init, maps=(*self.maps[:-1], kept[0].map), body=kept[0].body,
                                   result_type=kept[0].result_type, more=tuple(kept[1:]))

    def with_inits(self, ins: tuple[Ref, ...], inits: tuple[Ref, ...]) -> LinalgOp:
        """This op reading `ins` and writing into `inits` (one per output)."""
        more = tuple(dataclasses.replace(o, init=r) for o, r in zip(self.more, inits[1:], strict=True))
        return dataclasses.replace(self, ins=ins, init=inits[0], more=more)

    @property
    def reduction_dims(self) -> tuple[int, ...]:
        return tuple(i for i, it in enumerate(self.iterators) if it == "reduction")

    @property
    def reads_out(self) -> bool:
        return self.body.reads(len(self.ins))

    @property
    def is_named(self) -> bool:
        return self.name != "linalg.generic"


#: TensorOp families: ops with no generic form, whose destination may be a constant.
INSERT_SLICE, SCATTER, SCAN, TOPK, SORT, RESHAPE = "insert_slice", "scatter", "scan", "topk", "sort", "reshape"
GATHER, PACK, UNPACK = "gather", "pack", "unpack"


@dataclass(frozen=True)
class TensorOp:
    """A tensor op into a destination that has no linalg generic form: how frontends also write into constants.

    - `tensor.insert_slice` (family `insert_slice`): `ins = (source,)`, `init` the destination,
      static `offsets`/`sizes`/`strides` (in bounds; `sizes` is the source's shape).
    - `iree_linalg_ext.scatter` (family `scatter`): `ins = (updates, indices)` or `(updates, indices,
      mask)` (i1 of the batch shape: false leaves the original where that row would go), `init` the original;
      `indices` is an i32 literal (unique rows, in bounds; its leading dims are batch dims, shared with
      `updates`), `dimension_map` maps index column k to an original dim, and `body` combines
      `(update, original)` (block args 0 and 1).
    - `iree_linalg_ext.scan` (family `scan`): `ins = (input,)`, `init` the output, and one further
      output in `more`: the accumulator (the input's shape without `dimension`). As IREE defines it
      (`ScanOp::generateScalarImplementation`): out[0] = input[0] (`inclusive`) or the accumulator's
      initial value (exclusive), then out[i] = body(out[i-1], input[i]) (inclusive) or
      body(out[i-1], input[i-1]) (exclusive), and the accumulator becomes out[n-1]. Its body is one
      combiner (`COMBINERS`) of its block arguments (running value, input), so the order of the two
      does not matter; the scan dimension holds at least 2 (with 1 IREE writes no accumulator).
    - `iree_linalg_ext.topk` and `topk_v2` (family `topk`): `ins = (values,)` or `(values, indices)`,
      `init` the output values and, in `more`, the output indices (topk_v2 may have none); `body` the
      comparator over two values, yielding i1 (true: the first goes before the second), `dimension`
      the one reduced from N to K (K <= N). The reference judges only values whose order the
      comparator makes total (no ties, no NaN) and that all go before the initial output values:
      then every implementation (IREE's insertion, a split reduction) gives the K first in order.
      topk_v2 is modelled only `is_sorted` (else the order of the K is unspecified).
    - `iree_linalg_ext.sort` (family `sort`): no `ins`; `init` the first operand sorted in place and
      `more` the others, permuted alike; `body` the comparator over (lhs, rhs) of each operand in turn,
      yielding i1 (true: lhs goes first; XLA's sort). Judged only where the comparator orders the
      elements totally: then stable or not, every sort gives the same answer.
    - `iree_linalg_ext.gather` (family `gather`): `ins = (source, indices)` or with a mask (i1 of the batch
      shape: false leaves the output there), `init` the output (batch dims, then the slice: the source's
      dims after the `len(dimension_map)` it is indexed by, `dimension_map` a permutation of those);
      out[b, s] = source[indices[b], s]. Indices out of bounds are undefined: not judged.
    - `linalg.pack` / `linalg.unpack` (families `pack`, `unpack`): `ins = (source,)`, `init` the
      destination (only its shape matters); `dimension_map` the `inner_dims_pos`, `sizes` the
      `inner_tiles`, `offsets` the `outer_dims_perm` (empty: none). A pack tiles dims that its tiles
      divide (no padding); an unpack may drop the tail of its last tiles, as its destination says.
    - `tensor.expand_shape` / `tensor.collapse_shape` of a computed value (family `reshape`; a constant
      reshaped is a `Literal` with a `Reshape`): `ins = (source,)`, the same elements in row-major order;
      `init` is a `tensor.empty` of the result's type (an EMPTY literal: no destination is written),
      `dimension_map` the flattened reassociation (each group's dims, groups in order, -1 between groups).
    The fields linalg ops have and these do not (`bounds`, `maps`, `iterators`) are empty, so code
    that walks linalg loops skips them.
    """

    name: str
    family: str
    ins: tuple[Ref, ...]
    init: Ref
    result_type: TensorType
    offsets: tuple[int, ...] = ()
    sizes: tuple[int, ...] = ()
    strides: tuple[int, ...] = ()
    dimension_map: tuple[int, ...] = ()
    body: Expr = Expr("arg", index=0)
    dimension: int = 0  # scan: the dimension scanned
    inclusive: bool = True  # scan: whether out[i] includes input[i]

    bounds: tuple[int, ...] = ()
    maps: tuple[AffineMap, ...] = ()
    iterators: tuple[str, ...] = ()
    dilations: tuple[int, ...] = ()

    more: tuple[Output, ...] = ()  # a scan's accumulator (its `map` empty, its body the op's); else none

    @property
    def inits(self) -> tuple[Ref, ...]:
        return (self.init, *(o.init for o in self.more))

    @property
    def operands(self) -> tuple[Ref, ...]:
        return (*self.ins, *self.inits)

    @property
    def all_maps(self) -> tuple[AffineMap, ...]:
        return ()

    @property
    def bodies(self) -> tuple[Expr, ...]:
        return (self.body, *(o.body for o in self.more))

    @property
    def result_types(self) -> tuple[TensorType, ...]:
        return (self.result_type, *(o.result_type for o in self.more))

    def with_inits(self, ins: tuple[Ref, ...], inits: tuple[Ref, ...]) -> TensorOp:
        """This op reading `ins` and writing into `inits` (one per result)."""
        more = tuple(dataclasses.replace(o, init=r) for o, r in zip(self.more, inits[1:], strict=True))
        return dataclasses.replace(self, ins=ins, init=inits[0], more=more)

    def packed_shape(self, shape: tuple[int, ...]) -> tuple[int, ...] | None:
        """A pack's (or unpack's) packed shape for the unpacked `shape`; None where its attributes do not fit."""
        n, tiles = len(shape), dict(zip(self.dimension_map, self.sizes, strict=False))
        perm = self.offsets or tuple(range(n))
        if (len(self.dimension_map) != len(self.sizes) or len(tiles) != len(self.sizes) or sorted(perm) != list(
                range(n)) or any(not 0 <= d < n for d in tiles) or any(t < 1 for t in self.sizes)):
            return None
        outer = [-(-shape[d] // tiles[d]) if d in tiles else shape[d] for d in range(n)]
        return (*(outer[d] for d in perm), *self.sizes)

    @property
    def reassociation(self) -> tuple[tuple[int, ...], ...]:
        """A reshape's groups, from `dimension_map` (groups separated by -1)."""
        groups: list[list[int]] = [[]]
        for d in self.dimension_map:
            if d < 0:
                groups.append([])
            else:
                groups[-1].append(d)
        return tuple(tuple(g) for g in groups)

    @property
    def reduction_dims(self) -> tuple[int, ...]:
        return ()

    @property
    def reads_out(self) -> bool:
        return (self.family == SCATTER and self.body.reads(1)) or self.family in (SCAN, TOPK, SORT)

    @property
    def is_named(self) -> bool:
        return True

    def check(self, program: Program, i: int) -> None:
        """Raise ValueError if the op's attributes do not fit its operand types."""
        dest = program.type_of(self.init)
        if dest != self.result_type:
            raise ValueError(f"op {i}: init type differs from result type")
        if any(e.op == "index" for b in self.bodies for e in b.walk()):
            raise ValueError(f"op {i}: linalg.index in a {self.family} body")
        if self.more and self.family not in (SCAN, TOPK, SORT):
            raise ValueError(f"op {i}: a {self.family} has one result")
        if self.family == SCAN:
            self._check_scan(program, i)
            return
        if self.family == GATHER:
            src, idx = (program.type_of(r) for r in self.ins[:2])
            depth = len(self.dimension_map)
            batch = len(dest.shape) - (len(src.shape) - depth)
            index_dim = len(idx.shape) > batch
            if (len(self.ins) not in (2, 3) or batch < 0 or sorted(self.dimension_map) != list(range(depth))
                    or dest.shape[batch:] != src.shape[depth:] or src.dtype != dest.dtype or is_float(idx.dtype)
                    or idx.shape != dest.shape[:batch] + ((depth,) if index_dim else ())
                    or (not index_dim and depth != 1)):
                raise ValueError(f"op {i}: gather of {src.mlir()} at {idx.mlir()} into {dest.mlir()} does not fit")
            if len(self.ins) == 3 and program.type_of(self.ins[2]) != TensorType(dest.shape[:batch], "i1"):
                raise ValueError(f"op {i}: gather mask does not fit")
            return
        if self.family in (PACK, UNPACK):
            src = program.type_of(self.ins[0])
            flat, packed = (src, dest) if self.family == PACK else (dest, src)
            if len(self.ins) != 1 or src.dtype != dest.dtype or packed.shape != self.packed_shape(flat.shape) or (
                    self.family == PACK and any(flat.shape[d] % t for d, t in zip(self.dimension_map, self.sizes,
                                                                                  strict=True))):
                raise ValueError(f"op {i}: {self.name} of {src.mlir()} into {dest.mlir()} is not modelled")
            return
        if self.family == RESHAPE:
            src = program.type_of(self.ins[0])
            if len(self.ins) != 1 or src.dtype != dest.dtype or src.numel != dest.numel or self.name not in (
                    EXPAND_SHAPE, COLLAPSE_SHAPE) or self.init.kind != "lit":
                raise ValueError(f"op {i}: {self.name} of {src.mlir()} to {dest.mlir()} does not fit")
            Reshape(self.name, src, self.reassociation).check(dest)
            return
        if self.family == TOPK:
            self._check_topk(program, i)
            return
        if self.family == SORT:
            shape = self.result_type.shape
            if self.ins or not 0 <= self.dimension < len(shape) or any(
                    o.result_type.shape != shape or o.map or o.body != self.body
                    or program.type_of(o.init) != o.result_type for o in self.more):
                raise ValueError(f"op {i}: sort operands do not fit")
            pairs = [x.dtype for x in self.result_types for _ in (0, 1)]
            if check_body(self.body, pairs, self.result_type.dtype) != "i1":
                raise ValueError(f"op {i}: a sort comparator yields i1")
            return
        if self.family == INSERT_SLICE:
            src = program.type_of(self.ins[0])
            rank = len(dest.shape)
            if not (len(self.offsets) == len(self.sizes) == len(self.strides) == rank == len(src.shape)):
                raise ValueError(f"op {i}: insert_slice attributes do not match rank {rank}")
            if src.shape != self.sizes or src.dtype != dest.dtype:
                raise ValueError(f"op {i}: insert_slice source {src.mlir()} does not match sizes {self.sizes}")
            for o, n, s, d in zip(self.offsets, self.sizes, self.strides, dest.shape, strict=True):
                if o < 0 or s < 1 or n < 1 or o + (n - 1) * s >= d:
                    raise ValueError(f"op {i}: insert_slice runs outside {dest.mlir()}")
            return
        if self.family == SCATTER:
            upd, idx = (program.type_of(r) for r in self.ins[:2])
            depth = len(self.dimension_map)
            batch = len(idx.shape) - 1  # the leading dims of indices and updates: one update slice each
            if (idx.dtype != "i32" or batch < 1 or idx.shape[-1] != depth
                    or upd.shape[:batch] != idx.shape[:-1] or len(self.ins) not in (2, 3)):
                raise ValueError(f"op {i}: scatter indices {idx.mlir()} do not fit")
            mask = program.type_of(self.ins[2]) if len(self.ins) == 3 else TensorType(idx.shape[:-1], "i1")
            if mask != TensorType(idx.shape[:-1], "i1"):
                raise ValueError(f"op {i}: scatter mask {mask.mlir()} does not fit {idx.mlir()}")
            if upd.shape[batch:] != dest.shape[depth:] or sorted(self.dimension_map) != list(range(depth)):
                raise ValueError(f"op {i}: scatter updates {upd.mlir()} do not fit {dest.mlir()}")
            if self.ins[1].kind == "lit":
                rows = np.asarray(program.literals[self.ins[1].index].data).reshape(-1, depth)
                bound = np.array([dest.shape[d] for d in self.dimension_map])
                if np.any(rows < 0) or np.any(rows >= bound) or len({tuple(r) for r in rows.tolist()}) != len(rows):
                    raise ValueError(f"op {i}: scatter indices are not unique and in bounds")
            return
        raise ValueError(f"op {i}: unknown tensor op family {self.family!r}")

    def _check_topk(self, program: Program, i: int) -> None:
        t = self.result_type
        values = program.type_of(self.ins[0])
        d = self.dimension
        if (len(self.ins) not in (1, 2) or len(self.more) > 1 or values.dtype != t.dtype
                or len(values.shape) != len(t.shape) or not 0 <= d < len(t.shape)
                or values.shape[:d] + values.shape[d + 1:] != t.shape[:d] + t.shape[d + 1:]):
            raise ValueError(f"op {i}: topk of {values.mlir()} into {t.mlir()} does not fit")
        if not 1 <= t.shape[d] <= values.shape[d]:
            raise ValueError(f"op {i}: a topk of {t.shape[d]} of {values.shape[d]} values is not modelled")
        if len(self.ins) == 2:
            idx = program.type_of(self.ins[1])
            if idx.shape != values.shape or is_float(idx.dtype) or not self.more:
                raise ValueError(f"op {i}: topk indices {idx.mlir()} do not fit {values.mlir()}")
        for o in self.more:
            if (o.result_type.shape != t.shape or is_float(o.result_type.dtype) or o.map or o.body != self.body
                    or program.type_of(o.init) != o.result_type):
                raise ValueError(f"op {i}: topk output indices {o.result_type.mlir()} do not fit {t.mlir()}")
        if check_body(self.body, [t.dtype, t.dtype], t.dtype) != "i1":
            raise ValueError(f"op {i}: a topk comparator yields i1")

    def _check_scan(self, program: Program, i: int) -> None:
        t = self.result_type
        if len(self.ins) != 1 or program.type_of(self.ins[0]) != t or len(self.more) != 1:
            raise ValueError(f"op {i}: a scan reads one input of its output's type and has an accumulator")
        acc = self.more[0]
        if not 0 <= self.dimension < len(t.shape) or t.shape[self.dimension] < 2:
            raise ValueError(f"op {i}: a scan along dimension {self.dimension} of {t.mlir()} is not modelled "
                             "(it needs a dimension of at least 2 elements)")
        want = TensorType(t.shape[:self.dimension] + t.shape[self.dimension + 1:], t.dtype)
        if acc.result_type != want or program.type_of(acc.init) != want or acc.map or acc.body != self.body:
            raise ValueError(f"op {i}: scan accumulator {acc.result_type.mlir()} does not fit {t.mlir()}")
        b = self.body
        if b.op not in COMBINERS[dtype_class(t.dtype)] or b.dtype or sorted(
                (a.op, a.index) for a in b.args) != [("arg", 0), ("arg", 1)]:
            raise ValueError(f"op {i}: a scan body other than one combiner of its two arguments is not modelled")


Op = LinalgOp | TensorOp


@dataclass(frozen=True)
class Program:
    """A `func.func @main` over ranked tensors; the unit fuzzir generates and judges."""

    args: tuple[TensorType, ...]
    literals: tuple[Literal, ...]
    ops: tuple[Op, ...]  # linalg ops and tensor ops (`TensorOp`), in program order
    results: tuple[Ref, ...]
    #: (argument, dim) pairs, sorted, printed `?` in the signature and wherever the argument is used;
    #: `args` keeps their sizes (the inputs fuzzir passes). Only arguments read as `ins` are dynamic.
    dynamic: tuple[tuple[int, int], ...] = ()

    def type_of(self, ref: Ref) -> TensorType:
        if ref.kind == "arg":
            return self.args[ref.index]
        if ref.kind == "lit":
            return self.literals[ref.index].type
        return self.ops[ref.index].result_types[ref.result]

    def dynamic_dims(self, arg: int) -> tuple[int, ...]:
        return tuple(d for a, d in self.dynamic if a == arg)

    def mlir_type(self, ref: Ref) -> str:
        """The type `ref` has in the MLIR text: `?` for the dynamic dims of an argument."""
        t = self.type_of(ref)
        return t.mlir(self.dynamic_dims(ref.index)) if ref.kind == "arg" else t.mlir()

    def op_refs(self, index: int) -> tuple[Ref, ...]:
        """A ref to each result of op `index`."""
        return tuple(Ref("op", index, k) for k in range(len(self.ops[index].result_types)))

    def init_kinds(self, op: Op) -> tuple[InitKind, ...]:
        """The kind of each of the op's inits, output 0 first."""
        return tuple(self.init_kind(op, k) for k in range(len(op.inits)))

    def init_kind(self, op: Op, output: int = 0) -> InitKind:
        """The kind of output `output`'s init (output 0, the generator's focus constant, by default);
        a reshaped constant is the constant (`Literal.reshape`)."""
        ref = op.inits[output]
        if ref.kind == "arg":
            return InitKind.ARG
        if ref.kind == "op":
            return InitKind.RESULT
        return self.literals[ref.index].init_kind

    def result_types(self) -> tuple[TensorType, ...]:
        return tuple(self.type_of(r) for r in self.results)

    def constant_init_ops(self) -> list[int]:
        """Indices of ops whose `outs` is a constant: what the fuzzer is about."""
        return [i for i, op in enumerate(self.ops)
                if any(k in CONSTANT_INIT_KINDS for k in self.init_kinds(op))]

    def init_label(self, op: Op, output: int = 0) -> str:
        """The init kind as findings record it: `init_kind`, marked `RESHAPED` when the decoupling pass
        cannot see the constant for a reshape (`reshaped_resource`)."""
        kind = str(self.init_kind(op, output))
        return kind + RESHAPED if self.reshaped_resource(op, output) else kind

    def reshaped_resource(self, op: Op, output: int = 0) -> bool:
        """Whether `op` writes into a `dense_resource` constant through a reshape. IREE folds a reshape of a
        `dense<...>` constant into a constant before the decoupling pass runs (checked on 3.13), but not one
        of a resource blob: there the pass sees a reshape, not a constant."""
        init = op.inits[output]
        if init.kind != "lit":
            return False
        lit = self.literals[init.index]
        return lit.reshape is not None and lit.kind is LiteralKind.RESOURCE

    def dtypes(self) -> list[str]:
        seen: list[str] = []
        for t in [*self.args, *(t for op in self.ops for t in op.result_types)]:
            if t.dtype not in seen:
                seen.append(t.dtype)
        return seen

    def body_dtypes(self) -> list[str]:
        """Types computed inside bodies only (between a cast and its cast back), i1 aside."""
        seen = self.dtypes()
        inner: list[str] = []
        for op in self.ops:
            for e in (e for body in op.bodies for e in body.walk()):
                if e.dtype and e.dtype != "i1" and e.dtype not in seen and e.dtype not in inner:
                    inner.append(e.dtype)
        return inner

    def num_elements(self) -> int:
        """A size measure for minimization: elements in all tensors."""
        return (
            sum(t.numel for t in self.args)
            + sum(lit.type.numel for lit in self.literals)
            + sum(t.numel for op in self.ops for t in op.result_types)
        )

    def replace(self, **changes: object) -> Program:
        return dataclasses.replace(self, **changes)

    def validate(self) -> None:
        """Raise ValueError if refs point forward or types do not line up."""
        for i, op in enumerate(self.ops):
            operands = list(op.operands)
            for ref in operands:
                if ref.kind == "op" and ref.index >= i:
                    raise ValueError(f"op {i} uses op {ref.index} before it is defined")
                if ref.kind == "lit" and ref.index >= len(self.literals):
                    raise ValueError(f"op {i} uses a missing literal")
                if ref.kind == "arg" and ref.index >= len(self.args):
                    raise ValueError(f"op {i} uses a missing argument")
                if ref.kind == "op" and ref.result >= len(self.ops[ref.index].result_types):
                    raise ValueError(f"op {i} uses a missing result of op {ref.index}")
            if isinstance(op, TensorOp):
                op.check(self, i)
                continue
            if len(op.all_maps) != len(operands):
                raise ValueError(f"op {i}: {len(op.all_maps)} maps for {len(operands)} operands")
            if len(op.iterators) != len(op.bounds):
                raise ValueError(f"op {i}: iterator count does not match bounds")
            for ref, amap in zip(operands, op.all_maps, strict=True):
                t = self.type_of(ref)
                if len(amap) != len(t.shape):
                    raise ValueError(f"op {i}: map rank {len(amap)} != operand rank {len(t.shape)}")
                for e, size in zip(amap, t.shape, strict=True):
                    hi = e.const + sum(c * (op.bounds[d] - 1) for d, c in e.terms if c > 0)
                    lo = e.const + sum(c * (op.bounds[d] - 1) for d, c in e.terms if c < 0)
                    if lo < 0 or hi >= size:
                        raise ValueError(f"op {i}: an index runs outside {t.mlir()}")
            for k, init in enumerate(op.inits):
                if self.type_of(init) != op.result_types[k]:
                    raise ValueError(f"op {i}: init type differs from result type")
                if init.kind == "arg" and self.dynamic_dims(init.index):
                    raise ValueError(f"op {i}: a dynamic-shaped argument is an init")
            block = [self.type_of(r).dtype for r in operands]
            for k, body in enumerate(op.bodies):
                want = op.result_types[k].dtype
                if check_body(body, block, want) != want:
                    raise ValueError(f"op {i}: the body of output {k} yields another type than {want}")
        for k, lit in enumerate(self.literals):
            if lit.reshape is not None:
                try:
                    lit.reshape.check(lit.type)
                except ValueError as e:
                    raise ValueError(f"literal {k}: {e}") from None
        for a, d in self.dynamic:
            if a >= len(self.args) or d >= len(self.args[a].shape):
                raise ValueError(f"dynamic dim {d} of argument {a} does not exist")
        if list(self.dynamic) != sorted(set(self.dynamic)):
            raise ValueError("dynamic dims are not sorted and unique")
        for r in self.results:
            self.type_of(r)
            if r.kind == "arg" and self.dynamic_dims(r.index):
                raise ValueError("a dynamic-shaped argument is a result")
        if not self.results:
            raise ValueError("program returns nothing")
