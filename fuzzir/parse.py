"""MLIR text -> `Program`, for the subset of MLIR that fuzzir itself emits.

`fuzzir check FILE.mlir` needs the numpy reference of a user's program and the
minimizer needs a model it can rewrite, so both go through `parse_program`.
Structure is read with IREE's own MLIR Python bindings (never with regular
expressions): the module is parsed and verified by MLIR, named linalg ops are
given their generic form by `linalg-generalize-named-ops` on a clone, and the
indexing maps, iterator types and region bodies are read from that form. So the
model carries exactly the semantics MLIR assigns, while keeping the named op's
name and strides/dilations so it prints as the same named op again.

Anything outside the subset is a `ParseError` with a one-line message that names
the problem and, where the op has one, its `file:line:col`.

The module is long (one small function per kind of MLIR construct, all sharing one
walk's state); splitting it would scatter that state across files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from fuzzir import families
from fuzzir.families.contraction import batch_matmul, matmul, matvec
from fuzzir.families.convolution import (
    CONVOLUTIONS,
    conv_2d_nchw_fchw,
    conv_2d_nhwc_hwcf,
    depthwise_conv_2d_nhwc_hwc,
)
from fuzzir.families.insert_slice import NAME as INSERT_SLICE
from fuzzir.families.insert_slice import insert_slice
from fuzzir.families.multi_result import NAME as MULTI_RESULT
from fuzzir.families.pooling import NCHW_POOLINGS, POOLINGS, pooling_nchw, pooling_nhwc
from fuzzir.families.reduce import NAME as REDUCE
from fuzzir.families.reduce import is_reduce_form, reduce_op
from fuzzir.families.scatter import NAME as SCATTER
from fuzzir.families.scatter import scatter
from fuzzir.model import (
    BINARY_FLOAT,
    BINARY_INT,
    BODY_DTYPES,
    CASTS,
    CMPF_PREDICATES,
    CMPI_PREDICATES,
    COLLAPSE_SHAPE,
    DIVISION_INT,
    DTYPES,
    EXPAND_SHAPE,
    GATHER,
    NUMPY_DTYPE,
    PACK,
    RESHAPE,
    SCAN,
    SORT,
    TOPK,
    UNARY_DIALECT,
    UNARY_FLOAT,
    UNARY_INT,
    UNPACK,
    AffineExpr,
    AffineMap,
    Expr,
    LinalgOp,
    Literal,
    LiteralKind,
    Op,
    Output,
    Program,
    Ref,
    Reshape,
    TensorOp,
    TensorType,
    check_body,
)
from fuzzir.source import DEFAULT_DIM, resource_array, resource_name

__all__ = ["ParseError", "parse_program"]

NAMED_OPS = families.NAMED_OPS
LINALG_OPS = ("linalg.generic", *NAMED_OPS)
#: linalg ops that are not structured computations over ins/outs (fill is a literal here)
SCAN_OP = "iree_linalg_ext.scan"
TOPK_OPS = ("iree_linalg_ext.topk", "iree_linalg_ext.topk_v2")
SORT_OP = "iree_linalg_ext.sort"
GATHER_OP = "iree_linalg_ext.gather"
#: Contractions whose named form has no attribute: their generic form is all there is to them.
_PLAIN_CONTRACTIONS = ("linalg.matmul", "linalg.batch_matmul", "linalg.matvec", "linalg.batch_matvec")
_NOT_STRUCTURED = ("linalg.fill", "linalg.yield", "linalg.index", "linalg.pack", "linalg.unpack", "linalg.softmax")


def _structured(name: str) -> bool:
    """Any linalg structured op: named ones (matmul, conv and pooling in every layout, reduce, map,
    broadcast, transpose, copy ...) are modelled by the generic form `linalg-generalize-named-ops` gives."""
    return name.startswith("linalg.") and name not in _NOT_STRUCTURED and not name.startswith("linalg.winograd")


def _named(name: str) -> bool:
    return _structured(name) and name != "linalg.generic"
_GENERALIZE = "builtin.module({kind}(linalg-generalize-named-ops))"
_FUNCS = ("func.func", "util.func")
_TAG = "fuzzir.position"  # marks a named op in the clone that is generalized
_ITERATORS = {
    "#linalg.iterator_type<parallel>": "parallel",
    "#linalg.iterator_type<reduction>": "reduction",
}
#: Largest body expression tree accepted: shared subexpressions are duplicated in the tree.
_MAX_BODY_NODES = 10_000


class ParseError(ValueError):
    """The input is not MLIR in the subset fuzzir models; the message is one line."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass
class _State:
    """What is known while walking `@main`: SSA values and the model parts built so far."""

    filename: str
    ir: object  # the `iree.compiler.ir` module, imported lazily
    text: str = ""  # the MLIR text: `dense_resource` blobs are read from its resources section
    globals: dict[str, object] = field(default_factory=dict)  # sym name -> util.global op
    values: dict[object, Ref] = field(default_factory=dict)  # ir.Value -> Ref
    scalars: dict[object, tuple[float | int, str]] = field(default_factory=dict)  # value -> (v, type)
    empties: dict[object, TensorType] = field(default_factory=dict)  # tensor.empty results
    literals: list[Literal] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    keep: list[object] = field(default_factory=list)  # IR that must outlive the walk (the clone)
    arg_shapes: list[list[int | None]] = field(default_factory=list)  # None: a dynamic dim not yet sized
    dynamic: set[tuple[int, int]] = field(default_factory=set)  # (argument, dim) printed `?`
    dims: dict[tuple[int, int], int] = field(default_factory=dict)  # sizes for dynamic dims no op fixes
    indexes: dict[object, int] = field(default_factory=dict)  # index values known at compile time

    def dim_size(self, arg: int, dim: int) -> int:
        """The size of a dynamic argument dim that no static operand fixes (as `fuzzir.source` sizes it)."""
        return self.dims.get((arg, dim), self.dims.get((-1, -1), DEFAULT_DIM))

    def where(self, location: object) -> str:
        return _where(self.ir, self.filename, location)

    def error(self, op: object, message: str) -> ParseError:
        return ParseError(_one_line(f"{self.where(op.location)}: {message}"))

    def add_literal(self, value: object, lit: Literal) -> None:
        self.values[value] = Ref("lit", len(self.literals))
        self.literals.append(lit)


def parse_program(text: str, *, filename: str = "<input>",
                  dims: dict[tuple[int, int], int] | None = None) -> Program:
    """Parse MLIR text into the program model; raise `ParseError` for anything else.

    A dynamic argument dim takes the size of the static operand dim that shares its loop (a
    constant destination fixes it); one that nothing fixes takes its size from `dims`
    ((argument, dim) -> size, (-1, -1) -> every size; `DEFAULT_DIM` otherwise), as `fuzzir.source`
    sizes the inputs it passes."""
    from iree.compiler import ir

    with ir.Context() as ctx:
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            raise _mlir_error(e, filename, "invalid MLIR") from None
        state = _State(filename, ir, text, dims=dict(dims or {}))
        main = _find_main(state, module)
        generics: dict[int, object] = {}
        if any(_named(op.operation.name) for op in main.regions[0].blocks[0].operations):
            generics = _generalized_named_ops(state, module, ctx)
        program = _walk_main(state, main, generics)
    try:
        program.validate()
    except ValueError as e:
        raise ParseError(_one_line(f"{filename}: inconsistent program: {e}")) from None
    return program


def _cast(cls: type, loc: object) -> object | None:
    try:
        return cls(loc)
    except ValueError:
        return None


def _where(ir: object, filename: str, location: object) -> str:
    """`file:line:col` for a location, or the best description of it there is.

    Emitted programs name their ops (`loc("op3:linalg.matmul")`): those have
    no line, so the name is what points at the op.
    """
    loc = _cast(ir.FileLineColLoc, location)
    name = _cast(ir.NameLoc, location)
    if loc is None and name is not None:
        loc = _cast(ir.FileLineColLoc, name.child_loc)
    if loc is not None:
        return f"{filename}:{loc.start_line}:{loc.start_col}"
    if name is not None:
        return f"{filename}: at {_one_line(str(location))}"
    return filename


def _mlir_error(e: Exception, filename: str, what: str) -> ParseError:
    """One line from an MLIR diagnostic, located in `filename` rather than MLIR's `-`."""
    from iree.compiler import ir

    diags = getattr(e, "error_diagnostics", None) or []
    if not diags:
        return ParseError(_one_line(f"{filename}: {what}: {e}"))
    d = diags[0]
    return ParseError(_one_line(f"{_where(ir, filename, d.location)}: {what}: {d.message}"))


def _find_main(state: _State, module: object) -> object:
    """The `@main` with a body (`func.func`, or `util.func` as IREE's input phase writes it); other
    top-level ops must be globals or declarations."""
    ir = state.ir
    main = None
    others = []
    for op in module.body.operations:
        name = op.operation.name
        if name == "util.global":
            state.globals[ir.StringAttr(op.attributes["sym_name"]).value] = op
        elif name in _FUNCS:
            sym = ir.StringAttr(op.attributes["sym_name"]).value
            if sym == "main":
                main = op
            elif len(op.regions[0].blocks) > 0:  # bodiless declarations are harmless
                others.append((op, sym))
        else:
            raise state.error(op, f"unsupported top-level op {name}")
    if main is None or not len(main.regions[0].blocks):
        found = ", ".join(f"@{sym}" for _, sym in others)
        also = f" (found {found})" if found else ""
        raise ParseError(f"{state.filename}: no func.func @main with a body{also}")
    if others:
        op, sym = others[0]
        raise state.error(op, f"only func.func @main may have a body; found @{sym}")
    if len(main.regions[0].blocks) != 1:
        raise state.error(main, "@main must have a single block")
    return main


def _generalized_named_ops(state: _State, module: object, ctx: object) -> dict[int, object]:
    """The generic form of each named op in `@main`, by its position in `@main`'s block.

    The pass runs on a clone whose named ops are tagged with their position: its
    greedy rewriter hoists constants and would erase unused ops, so positions are
    not kept. A side-effecting `util.optimization_barrier` on every named result
    keeps even unused ops alive.
    """
    from iree.compiler.passmanager import PassManager

    ir = state.ir
    clone = module.operation.clone()
    state.keep.append(clone)  # the generic ops returned die with the clone
    main = next(
        op for op in clone.regions[0].blocks[0].operations
        if op.operation.name in _FUNCS and ir.StringAttr(op.attributes["sym_name"]).value == "main"
    )
    ops = list(main.regions[0].blocks[0].operations)
    i64 = ir.IntegerType.get_signless(64)
    named = []
    for pos, op in enumerate(ops):
        if _named(op.operation.name):
            op.attributes[_TAG] = ir.IntegerAttr.get(i64, pos)
            named.extend(op.results)
    with ir.InsertionPoint(ops[-1]), ir.Location.unknown():
        ir.Operation.create(
            "util.optimization_barrier", results=[v.type for v in named], operands=named
        )
    try:
        PassManager.parse(_GENERALIZE.format(kind=main.operation.name), context=ctx).run(clone)
    except ir.MLIRError as e:
        raise _mlir_error(e, state.filename, "cannot generalize named ops") from None
    found: dict[int, object] = {}
    for op in main.regions[0].blocks[0].operations:
        if op.operation.name == "linalg.generic" and _TAG in op.attributes:
            found[ir.IntegerAttr(op.attributes[_TAG]).value] = op
    return found


def _tensor_type(state: _State, op: object, t: object, what: str, *, i1: bool = False) -> TensorType:
    """A static ranked tensor of a supported element type (i1 too where `i1`: a constant mask), or a
    ParseError saying which part fails."""
    ir = state.ir
    if not isinstance(t, ir.RankedTensorType):
        raise state.error(op, f"{what} has type {t}; only ranked tensors are supported")
    if not t.has_static_shape:
        raise state.error(op, f"{what} has dynamic shape {t}; only static shapes are supported")
    dtype = str(t.element_type)
    if dtype not in DTYPES and not (i1 and dtype == "i1"):
        raise state.error(op, f"{what} has unsupported element type {dtype} (supported: {', '.join(DTYPES)})")
    return TensorType(tuple(int(d) for d in t.shape), dtype)


def _walk_main(state: _State, main: object, generics: dict[int, object]) -> Program:
    block = main.regions[0].blocks[0]
    dtypes = []
    for i, a in enumerate(block.arguments):
        shape, dtype = _arg_type(state, main, a.type, f"argument #{i} of @main")
        state.arg_shapes.append(shape)
        state.dynamic.update((i, d) for d, n in enumerate(shape) if n is None)
        dtypes.append(dtype)
        state.values[a] = Ref("arg", i)
    results: tuple[Ref, ...] | None = None
    for pos, op in enumerate(block.operations):
        name = op.operation.name
        if name == "arith.constant":
            _constant(state, op)
        elif name == "tensor.empty":
            t = _tensor_type(state, op, op.result.type, "tensor.empty")
            state.empties[op.result] = t
            if any(not _is_fill_init(use) for use in op.result.uses):
                zeros = np.zeros(t.shape, NUMPY_DTYPE[t.dtype])
                state.add_literal(op.result, Literal(LiteralKind.EMPTY, t, zeros))
        elif name == "linalg.fill":
            _fill(state, op)
        elif name == "util.global.load":
            _global_load(state, op)
        elif name in (EXPAND_SHAPE, COLLAPSE_SHAPE):
            _reshape(state, op)
        elif name in (INSERT_SLICE, SCATTER, SCAN_OP, SORT_OP, GATHER_OP, *TOPK_OPS):
            build = {INSERT_SLICE: _insert_slice, SCATTER: _scatter, SCAN_OP: _scan, SORT_OP: _sort,
                     GATHER_OP: _gather}.get(name, _topk)
            state.ops.append(build(state, op))
            for k, v in enumerate(op.results):
                state.values[v] = Ref("op", len(state.ops) - 1, k)
        elif _structured(name):
            generic = generics.get(pos) if name != "linalg.generic" else op
            if generic is None:
                raise state.error(op, f"{name} did not generalize to linalg.generic")
            state.ops.append(_linalg(state, op, generic))
            for k, v in enumerate(op.results):
                state.values[v] = Ref("op", len(state.ops) - 1, k)
        elif name == "tensor.concat":
            _concat(state, op)
        elif name == "tensor.insert":
            _insert(state, op)
        elif name == "tensor.pad":
            _pad(state, op)
        elif name in ("linalg.pack", "linalg.unpack"):
            state.ops.append(_pack(state, op))
            state.values[op.results[0]] = Ref("op", len(state.ops) - 1)
        elif name in _SCALAR_OPS and len(op.results) == 1 and not isinstance(op.result.type, state.ir.ShapedType):
            _scalar_op(state, op)
        elif name == "tensor.extract":
            _extract(state, op)
        elif name == "tensor.cast":  # the same values under another type (a dynamic one cast back)
            if op.operands[0] not in state.values:
                raise state.error(op, "tensor.cast of a value that is not a tensor the model knows")
            state.values[op.results[0]] = state.values[op.operands[0]]
        elif name == "flow.tensor.reshape":
            _same_shape(state, op)
        elif name in ("func.return", "util.return"):
            results = tuple(_ref(state, op, v, "func.return operand") for v in op.operands)
            if any(r.kind == "arg" and any(a == r.index for a, _ in state.dynamic) for r in results):
                raise state.error(op, "@main returns a dynamic-shaped argument; only static results are modelled")
        else:
            raise state.error(op, f"unsupported op {name}")
    if not results:
        raise state.error(main, "@main returns nothing")
    args = tuple(TensorType(tuple(n if n is not None else state.dim_size(i, d) for d, n in enumerate(shape)), dtype)
                 for i, (shape, dtype) in enumerate(zip(state.arg_shapes, dtypes, strict=True)))
    return Program(args=args, literals=tuple(state.literals), ops=tuple(state.ops), results=results,
                   dynamic=tuple(sorted(state.dynamic)))


def _arg_type(state: _State, op: object, t: object, what: str) -> tuple[list[int | None], str]:
    """An argument's shape (None for a dynamic dim) and element type."""
    ir = state.ir
    if isinstance(t, ir.RankedTensorType) and not t.has_static_shape:
        with ir.Location.unknown():
            static = _tensor_type(state, op, ir.RankedTensorType.get([1] * t.rank, t.element_type), what)
        return [None if t.is_dynamic_dim(d) else int(t.shape[d]) for d in range(t.rank)], static.dtype
    static = _tensor_type(state, op, t, what)
    return list(static.shape), static.dtype


def _is_fill_init(use: object) -> bool:
    """Whether a use of a tensor.empty is the `outs` of a linalg.fill (which makes it a FILL)."""
    return use.owner.name == "linalg.fill" and use.operand_number == 1


def _ref(state: _State, op: object, value: object, what: str) -> Ref:
    ref = state.values.get(value)
    if ref is None:
        if value in state.scalars:
            raise state.error(op, f"{what} is a scalar; only tensors are supported there")
        raise state.error(op, f"{what} is not a function argument, constant or linalg result")
    return ref


def _dense_data(state: _State, op: object, attr: object, t: TensorType, what: str) -> tuple[np.ndarray, bool]:
    """The values of a dense elements attribute as a numpy array of `t`, and whether it is a splat."""
    ir = state.ir
    if not isinstance(attr, ir.DenseElementsAttr):
        name = resource_name(attr)
        if name is not None:
            blob = resource_array(state.text, name, t.dtype, t.shape)
            if blob is None:
                raise state.error(op, f"{what}: the bytes of dense_resource<{name}> are not in the file "
                                      f"or do not hold {t.mlir()}")
            flat = blob.reshape(-1)
            return np.ascontiguousarray(blob), bool(flat.size <= 1 or np.all(flat == flat[0]))
        raise state.error(op, f"{what} is {_attr_head(attr)}; only dense<...> values are supported")
    data = _bf16_elements(state, attr, t) if t.dtype == "bf16" else np.array(attr)
    dtype = NUMPY_DTYPE[t.dtype]
    if data.dtype != np.dtype(dtype) or data.size != t.numel:
        raise state.error(op, f"{what}: cannot read {t.mlir()} data from {_attr_head(attr)}")
    return np.ascontiguousarray(data.reshape(t.shape)), bool(attr.is_splat)


def _bf16_elements(state: _State, attr: object, t: TensorType) -> np.ndarray:
    """The values of a bf16 dense attribute, which the bindings cannot give as numbers or a buffer:
    MLIR's own `arith.bitcast` folder turns the attribute into i16 bit patterns, read as bf16."""
    from iree.compiler.passmanager import PassManager

    ir = state.ir
    bits_t = TensorType(t.shape, "i16").mlir()
    module = ir.Module.parse(
        f"func.func @f() -> {bits_t} {{\n  %c = arith.constant {attr}\n"
        f"  %b = arith.bitcast %c : {t.mlir()} to {bits_t}\n  return %b : {bits_t}\n}}")
    PassManager.parse("builtin.module(func.func(canonicalize))").run(module.operation)
    folded = module.body.operations[0].regions[0].blocks[0].operations[0]
    if folded.operation.name != "arith.constant":
        raise state.error(folded, f"cannot read the values of a {t.mlir()} constant")
    return np.array(folded.attributes["value"]).astype(np.int16).view(NUMPY_DTYPE["bf16"])


def _attr_head(attr: object) -> str:
    text = _one_line(str(attr))
    return text if len(text) <= 60 else text[:57] + "..."


def _constant(state: _State, op: object) -> None:
    """A tensor constant becomes a SPLAT or DENSE literal; a scalar is kept for fills and bodies."""
    ir = state.ir
    rtype = op.result.type
    if isinstance(rtype, ir.ShapedType):
        t = _tensor_type(state, op, rtype, "arith.constant", i1=True)  # first: the bindings read no complex
        attr = op.attributes["value"]
        data, splat = _dense_data(state, op, attr, t, "arith.constant")
        if resource_name(attr) is not None:
            kind = LiteralKind.RESOURCE
        else:
            kind = LiteralKind.SPLAT if splat else LiteralKind.DENSE
        state.add_literal(op.result, Literal(kind, t, data))
        return
    if str(rtype) == "index":
        state.indexes[op.result] = int(ir.IntegerAttr(op.attributes["value"]).value)
        return
    if str(rtype) not in BODY_DTYPES:
        return  # a scalar the model has no type for: an error where it is used
    scalar = _scalar_value(state, op.attributes["value"])
    if scalar is not None:
        state.scalars[op.result] = scalar


def _scalar_value(state: _State, attr: object) -> tuple[float | int, str] | None:
    """(value, type) of a scalar float or integer attribute; None for other scalars (index, ...)."""
    ir = state.ir
    if isinstance(attr, ir.FloatAttr):
        return float(attr.value), str(attr.type)
    if isinstance(attr, ir.IntegerAttr):
        return int(attr.value), str(attr.type)
    return None


def _fill(state: _State, op: object) -> None:
    """`linalg.fill ins(scalar const) outs(tensor.empty)` is a FILL literal; anything else is rejected."""
    scalar_v, init_v = op.operands[0], op.operands[1]
    t = _tensor_type(state, op, op.result.type, "linalg.fill")
    if init_v not in state.empties:
        raise state.error(op, "linalg.fill must fill a tensor.empty")
    scalar = state.scalars.get(scalar_v)
    if scalar is None:
        raise state.error(op, "linalg.fill must fill with a scalar arith.constant")
    value, stype = scalar
    if stype != t.dtype:
        raise state.error(op, f"linalg.fill of {t.mlir()} with a {stype} scalar mixes element types")
    data = np.full(t.shape, value, dtype=NUMPY_DTYPE[t.dtype])
    state.add_literal(op.result, Literal(LiteralKind.FILL, t, data))


def _extract(state: _State, op: object) -> None:
    """An element of a constant at constant indices is a scalar constant (StableHLO's reductions
    take their init value so: `tensor.extract %cst[] : tensor<i32>`, then a `linalg.fill`)."""
    ref = state.values.get(op.operands[0])
    if ref is None or ref.kind != "lit" or str(op.result.type) not in BODY_DTYPES:
        raise state.error(op, "tensor.extract of a value that is not a constant; only constant elements are modelled")
    index = []
    for v in list(op.operands)[1:]:
        known = _known_int(state, v)
        if known is None:
            raise state.error(op, "tensor.extract at an index that is not a constant")
        index.append(known)
    literal = state.literals[ref.index]
    if literal.kind == LiteralKind.EMPTY:
        raise state.error(op, "tensor.extract of an uninitialized tensor.empty")
    data = literal.data
    state.scalars[op.result] = (data[tuple(index)].item(), str(op.result.type))


def _global_load(state: _State, op: object) -> None:
    """A load of an immutable `util.global` initialized with a dense attribute is a GLOBAL literal."""
    ir = state.ir
    sym = ir.FlatSymbolRefAttr(op.attributes["global"]).value
    glob = state.globals.get(sym)
    if glob is None:
        raise state.error(op, f"util.global.load of unknown global @{sym}")
    if "is_mutable" in glob.attributes:
        raise state.error(glob, f"util.global @{sym} is mutable; only immutable globals are supported")
    if "initial_value" not in glob.attributes:
        raise state.error(glob, f"util.global @{sym} has no initial value")
    t = _tensor_type(state, op, op.result.type, f"util.global @{sym}")
    gtype = _tensor_type(state, glob, ir.TypeAttr(glob.attributes["type"]).value, f"util.global @{sym}")
    if gtype != t:
        raise state.error(op, f"util.global.load of @{sym} changes its type")
    data, _ = _dense_data(state, glob, glob.attributes["initial_value"], t, f"util.global @{sym}")
    state.add_literal(op.result, Literal(LiteralKind.GLOBAL, t, data))


#: Scalar integer ops folded where all their operands are known (offsets computed from constants, as
#: StableHLO's dynamic_update_slice clamps its start indices).
_SCALAR_OPS = ("arith.index_cast", "arith.maxsi", "arith.minsi", "arith.addi", "arith.subi", "arith.muli")


def _known_int(state: _State, v: object) -> int | None:
    if v in state.indexes:
        return state.indexes[v]
    scalar = state.scalars.get(v)
    return int(scalar[0]) if scalar is not None and scalar[1] in ("i64", "i32", "i16", "i8") else None


def _scalar_op(state: _State, op: object) -> None:
    """An integer scalar op of known operands, folded (index is 64 bits wide; results wrap to their width)."""
    name = op.operation.name
    args = [_known_int(state, v) for v in op.operands]
    rtype = str(op.result.type)
    if any(a is None for a in args) or rtype not in ("index", "i64", "i32", "i16", "i8"):
        raise state.error(op, f"unsupported op {name} (folded only of known integer operands)")
    a = [int(x) for x in args if x is not None]
    value = {"arith.index_cast": lambda: a[0], "arith.maxsi": lambda: max(a), "arith.minsi": lambda: min(a),
             "arith.addi": lambda: a[0] + a[1], "arith.subi": lambda: a[0] - a[1],
             "arith.muli": lambda: a[0] * a[1]}[name]()
    width = 64 if rtype == "index" else int(rtype[1:])
    value = (value + (1 << (width - 1))) % (1 << width) - (1 << (width - 1))
    if rtype == "index":
        state.indexes[op.result] = value
    else:
        state.scalars[op.result] = (value, rtype)


def _pack(state: _State, op: object) -> Op:
    """`linalg.pack` / `linalg.unpack` with static tiles (a pack's padding value is unused: its tiles divide)."""
    name = op.operation.name
    src = _ref(state, op, op.operands[0], f"{name} source")
    dest = _ref(state, op, op.operands[1], f"{name} destination")
    t = _tensor_type(state, op, op.results[0].type, f"{name} result")
    segments = list(state.ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"]))
    tiles = _mixed(state, op, "static_inner_tiles", list(op.operands)[sum(segments[:-1]):])  # the last segment
    positions = _i64s(state, op, "inner_dims_pos")
    perm = _i64s(state, op, "outer_dims_perm") if "outer_dims_perm" in op.attributes else ()
    family = PACK if name == "linalg.pack" else UNPACK
    return TensorOp(name, family, (src,), dest, t, dimension_map=positions, sizes=tiles, offsets=perm)


def _pad(state: _State, op: object) -> None:
    """`tensor.pad` by a constant: the source inserted at `low` into a fill of the padding value (what it
    means; its region must yield a constant)."""
    src = _ref(state, op, op.operands[0], "tensor.pad source")
    t = _tensor_type(state, op, op.result.type, "tensor.pad result")
    src_t = _tensor_type(state, op, op.operands[0].type, "tensor.pad source")
    dynamic = list(op.operands)[1:]
    low = _mixed(state, op, "static_low", dynamic)
    high = _mixed(state, op, "static_high", dynamic)
    block = op.regions[0].blocks[0]
    yielded = list(block.operations)[-1].operands[0]
    scalar = state.scalars.get(yielded)
    if len(list(block.operations)) != 1 or scalar is None or scalar[1] != t.dtype:
        raise state.error(op, "tensor.pad is modelled only with a constant padding value")
    if any(n < 0 for n in (*low, *high)) or tuple(a + n + b for a, n, b in zip(low, src_t.shape, high,
                                                                              strict=True)) != t.shape:
        raise state.error(op, f"tensor.pad of {src_t.mlir()} by {low}, {high} is not modelled")
    fill = Ref("lit", len(state.literals))
    state.literals.append(Literal(LiteralKind.FILL, t, np.full(t.shape, scalar[0], NUMPY_DTYPE[t.dtype])))
    state.ops.append(insert_slice(src, fill, t, low, src_t.shape, (1,) * len(t.shape)))
    state.values[op.result] = Ref("op", len(state.ops) - 1)


def _insert(state: _State, op: object) -> None:
    """`tensor.insert` of a known scalar at known indices: a one-element `tensor.insert_slice` of it."""
    scalar = state.scalars.get(op.operands[0])
    dest = _ref(state, op, op.operands[1], "tensor.insert destination")
    t = _tensor_type(state, op, op.result.type, "tensor.insert result")
    where = [_known_int(state, v) for v in list(op.operands)[2:]]
    if scalar is None or scalar[1] != t.dtype or any(w is None for w in where):
        raise state.error(op, "tensor.insert is modelled only of a constant scalar at constant indices")
    one = TensorType((1,) * len(t.shape), t.dtype)
    src = Ref("lit", len(state.literals))
    state.literals.append(Literal(LiteralKind.SPLAT, one, np.full(one.shape, scalar[0], NUMPY_DTYPE[t.dtype])))
    offsets = tuple(int(w) for w in where if w is not None)
    state.ops.append(insert_slice(src, dest, t, offsets, one.shape, one.shape))
    state.values[op.result] = Ref("op", len(state.ops) - 1)


def _mixed(state: _State, op: object, attr_name: str, values: list[object]) -> tuple[int, ...]:
    """A static `array<i64: ...>` attribute whose dynamic entries take, in order, the known index values
    `values` (consumed from the front)."""
    out = []
    for v in state.ir.DenseI64ArrayAttr(op.attributes[attr_name]):
        if int(v) < -(2**62):  # ShapedType::kDynamic: the next operand
            known = _known_int(state, values.pop(0)) if values else None
            if known is None:
                raise state.error(op, f"{op.operation.name} has {attr_name} not known at compile time")
            out.append(known)
        else:
            out.append(int(v))
    return tuple(out)


def _i64s(state: _State, op: object, attr_name: str) -> tuple[int, ...]:
    """A static `array<i64: ...>` attribute; dynamic values (a `?`) are not modelled."""
    values = tuple(int(v) for v in state.ir.DenseI64ArrayAttr(op.attributes[attr_name]))
    if any(v < -(2**62) for v in values):  # ShapedType::kDynamic
        raise state.error(op, f"{op.operation.name} has dynamic {attr_name}; only static values are supported")
    return values


def _reshape(state: _State, op: object) -> None:
    """A reshape of a constant: the constant materialized in another shape (`Literal.reshape`)."""
    ir, name = state.ir, op.operation.name
    src = _ref(state, op, op.operands[0], f"{name} source")
    lit = state.literals[src.index] if src.kind == "lit" else None
    t = _tensor_type(state, op, op.results[0].type, f"{name} result")
    groups = tuple(tuple(int(ir.IntegerAttr(d).value) for d in ir.ArrayAttr(g))
                   for g in ir.ArrayAttr(op.attributes["reassociation"]))
    if src.kind == "op" or (src.kind == "arg" and not any(a == src.index for a, _ in state.dynamic)):
        # A computed value reshaped (StableHLO's scatter indices from an iota): the same elements.
        empty = Ref("lit", len(state.literals))
        state.literals.append(Literal(LiteralKind.EMPTY, t, np.zeros(t.shape, NUMPY_DTYPE[t.dtype])))
        flat = tuple(d for k, g in enumerate(groups) for d in ((-1,) if k else ()) + g)
        state.ops.append(TensorOp(name, RESHAPE, (src,), empty, t, dimension_map=flat))
        state.values[op.results[0]] = Ref("op", len(state.ops) - 1)
        return
    if lit is None or lit.reshape is not None or lit.kind in (LiteralKind.FILL, LiteralKind.EMPTY):
        raise state.error(op, f"{name} is modelled only of a constant (arith.constant or util.global.load) "
                              "or of a computed value")
    reshape = Reshape(name, lit.type, groups)
    try:
        reshape.check(t)
    except ValueError as e:
        raise state.error(op, str(e)) from None
    new = Literal(lit.kind, t, np.ascontiguousarray(np.asarray(lit.data).reshape(t.shape)), reshape)
    if len(list(op.operands[0].uses)) == 1:  # the constant is only ever seen reshaped: one literal
        state.literals[src.index] = new
        state.values[op.results[0]] = src
    else:
        state.add_literal(op.results[0], new)


def _insert_slice(state: _State, op: object) -> Op:
    """`tensor.insert_slice` with static offsets, sizes and strides and a source of the destination's rank."""
    src = _ref(state, op, op.operands[0], "tensor.insert_slice source")
    dest = _ref(state, op, op.operands[1], "tensor.insert_slice destination")
    t = _tensor_type(state, op, op.results[0].type, "tensor.insert_slice result")
    src_t = _tensor_type(state, op, op.operands[0].type, "tensor.insert_slice source")
    dynamic = list(op.operands)[2:]  # offsets, sizes, strides that are values: they must be known
    offsets = _mixed(state, op, "static_offsets", dynamic)
    sizes = _mixed(state, op, "static_sizes", dynamic)
    strides = _mixed(state, op, "static_strides", dynamic)
    if src_t.shape != sizes:
        raise state.error(op, "a rank-reducing tensor.insert_slice is not modelled")
    return insert_slice(src, dest, t, offsets, sizes, strides)


def _scatter(state: _State, op: object) -> Op:
    """`iree_linalg_ext.scatter` with i32 indices (unique, in bounds: the model checks constant ones, the
    reference computed ones) and a combiner region over (update, original)."""
    if len(op.operands) not in (3, 4) or len(op.results) != 1:
        raise state.error(op, "iree_linalg_ext.scatter with other than (updates, indices[, mask]) into one output")
    updates = _ref(state, op, op.operands[0], "scatter updates")
    indices = _ref(state, op, op.operands[1], "scatter indices")
    if indices.kind == "arg":  # drawn inputs would mostly repeat or run out of bounds: nothing to judge
        raise state.error(op, "scatter indices are modelled only as a constant or computed in the program, "
                              "not as an argument")
    mask = (_ref(state, op, op.operands[2], "scatter mask"),) if len(op.operands) == 4 else ()
    original = _ref(state, op, op.operands[-1], "scatter original")
    t = _tensor_type(state, op, op.results[0].type, "scatter result")
    (body,) = _body(state, op, op, t.dtype)
    made = scatter(updates, indices, original, t, _i64s(state, op, "dimension_map"), body)
    return dataclasses.replace(made, ins=(*made.ins, *mask))


def _same_shape(state: _State, op: object) -> None:
    """`flow.tensor.reshape` to the same shape under a dynamic type (a dynamic constant at IREE's input
    phase: `tensor<2x1xi32> -> tensor<?x1xi32>{%c2}`): the same values, like a `tensor.cast`."""
    ir = state.ir
    src = op.operands[0]
    t = ir.RankedTensorType(op.results[0].type)
    dims = list(op.operands)[1:]
    sizes = [_known_int(state, dims.pop(0)) if t.is_dynamic_dim(d) and dims else
             (int(t.shape[d]) if not t.is_dynamic_dim(d) else None) for d in range(t.rank)]
    src_t = ir.RankedTensorType(src.type)
    if src not in state.values or not src_t.has_static_shape or sizes != [int(n) for n in src_t.shape]:
        raise state.error(op, "flow.tensor.reshape is modelled only to the same shape of a known tensor")
    state.values[op.results[0]] = state.values[src]


def _concat(state: _State, op: object) -> None:
    """`tensor.concat` as what it means (and IREE decomposes it into): each input inserted in turn, at its
    offset along `dim`, into a `tensor.empty` of the result's shape (an EMPTY literal, every element written)."""
    t = _tensor_type(state, op, op.result.type, "tensor.concat result")
    dim = int(state.ir.IntegerAttr(op.attributes["dim"]).value)
    dest = Ref("lit", len(state.literals))
    state.literals.append(Literal(LiteralKind.EMPTY, t, np.zeros(t.shape, NUMPY_DTYPE[t.dtype])))
    offset = 0
    for v in op.operands:
        src = _ref(state, op, v, "tensor.concat input")
        src_t = _tensor_type(state, op, v.type, "tensor.concat input")
        offsets = tuple(offset if d == dim else 0 for d in range(len(t.shape)))
        state.ops.append(insert_slice(src, dest, t, offsets, src_t.shape, (1,) * len(t.shape)))
        dest = Ref("op", len(state.ops) - 1)
        offset += src_t.shape[dim]
    if offset != t.shape[dim]:
        raise state.error(op, f"tensor.concat inputs do not fill {t.mlir()}")
    state.values[op.result] = dest


def _scan(state: _State, op: object) -> Op:
    """`iree_linalg_ext.scan` on tensors: (output, accumulator) from one input along `dimension`."""
    ir = state.ir
    if len(op.operands) != 3 or len(op.results) != 2:
        raise state.error(op, "iree_linalg_ext.scan with other than one input, an output and an accumulator")
    source, output, acc = (_ref(state, op, v, f"scan {what}")
                           for v, what in zip(op.operands, ("input", "output", "accumulator"), strict=True))
    t = _tensor_type(state, op, op.results[0].type, "scan result")
    acc_t = _tensor_type(state, op, op.results[1].type, "scan accumulator")
    (body,) = _body(state, op, op, t.dtype)
    dimension = int(ir.IntegerAttr(op.attributes["dimension"]).value)
    inclusive = bool(ir.BoolAttr(op.attributes["inclusive"]).value)
    return TensorOp(SCAN_OP, SCAN, (source,), output, t, body=body, dimension=dimension, inclusive=inclusive,
                    more=(Output(acc, (), body, acc_t),))


def _gather(state: _State, op: object) -> Op:
    """`iree_linalg_ext.gather` on tensors: (source, indices[, mask]) into an output."""
    refs = [_ref(state, op, v, "gather operand") for v in op.operands]
    if len(op.results) != 1 or len(refs) not in (3, 4):
        raise state.error(op, "iree_linalg_ext.gather with other than (source, indices[, mask]) into one output")
    if refs[1].kind == "arg":  # drawn inputs would mostly run out of bounds: nothing to judge
        raise state.error(op, "gather indices are modelled only as a constant or computed in the program")
    t = _tensor_type(state, op, op.results[0].type, "gather result")
    return TensorOp(GATHER_OP, GATHER, tuple(refs[:-1]), refs[-1], t, dimension_map=_i64s(state, op, "dimension_map"))


def _sort(state: _State, op: object) -> Op:
    """`iree_linalg_ext.sort` of tensors in place (`outs` only), by a comparator over each operand's pair."""
    if len(op.operands) != len(op.results) or not len(op.results):
        raise state.error(op, "iree_linalg_ext.sort with ins is not modelled (only outs, sorted in place)")
    refs = [_ref(state, op, v, "sort operand") for v in op.operands]
    types = [_tensor_type(state, op, v.type, "sort result") for v in op.results]
    (body,) = _body(state, op, op, types[0].dtype, arg_types=[t.dtype for t in types for _ in (0, 1)], yields="i1")
    more = tuple(Output(r, (), body, t) for r, t in zip(refs[1:], types[1:], strict=True))
    dimension = int(state.ir.IntegerAttr(op.attributes["dimension"]).value)
    return TensorOp(SORT_OP, SORT, (), refs[0], types[0], body=body, dimension=dimension, more=more)


def _topk(state: _State, op: object) -> Op:
    """`iree_linalg_ext.topk` / `topk_v2` on tensors: values (and indices) in, the K first out."""
    name = op.operation.name
    n_out = len(op.results)
    if name == TOPK_OPS[1] and "is_sorted" not in op.attributes:
        raise state.error(op, f"{name} without is_sorted (the order of its K results is unspecified) is not "
                              "modelled")
    refs = [_ref(state, op, v, f"{name} operand") for v in op.operands]
    ins, outs = tuple(refs[:-n_out]), refs[-n_out:]
    t = _tensor_type(state, op, op.results[0].type, f"{name} result")
    more = ()
    (body,) = _body(state, op, op, t.dtype, yields="i1")
    if n_out == 2:
        idx_t = _tensor_type(state, op, op.results[1].type, f"{name} indices")
        more = (Output(outs[1], (), body, idx_t),)
    dimension = int(state.ir.IntegerAttr(op.attributes["dimension"]).value)
    return TensorOp(name, TOPK, ins, outs[0], t, body=body, dimension=dimension, more=more)


def _linalg(state: _State, op: object, generic: object) -> LinalgOp:
    """One linalg op (named or generic, with one result or several) in the model's generic form."""
    name = op.operation.name
    n_out = len(op.results)
    if n_out != 1 and name != "linalg.generic":
        raise state.error(op, f"{name} with {n_out} results; only linalg.generic may have several")
    if n_out < 1:
        raise state.error(op, f"{name} has no result; only ops on tensors are supported")
    values = list(op.operands)
    n_in = len(values) - n_out
    refs = [_ref(state, op, v, f"{name} {'input' if i < n_in else 'output'}") for i, v in enumerate(values)]
    ins, inits = tuple(refs[:n_in]), tuple(refs[n_in:])
    for r in inits:
        if r.kind == "arg" and any(a == r.index for a, _ in state.dynamic):
            raise state.error(op, f"{name} writes into a dynamic-shaped argument; only static destinations "
                                  "are modelled")
    shapes, operand_types = [], []
    for i, (v, r) in enumerate(zip(values, refs, strict=True)):
        if r.kind == "arg":
            shapes.append(tuple(state.arg_shapes[r.index]))
            operand_types.append(str(state.ir.ShapedType(v.type).element_type))
        else:
            t = _tensor_type(state, op, v.type, f"{name} operand #{i}")
            shapes.append(t.shape)
            operand_types.append(t.dtype)
    result_types = tuple(_tensor_type(state, op, v.type, f"{name} result") for v in op.results)
    dtype = result_types[0].dtype
    # Inputs may have other element types (an i8 x i8 -> i32 matmul): the body casts them, and each
    # block argument has its operand's type (`_body` checks that the region says so).
    operand_dtypes = [*operand_types[:n_in], *(t.dtype for t in result_types)]
    maps = tuple(_affine_map(state, op, a) for a in generic.attributes["indexing_maps"])
    iterators = tuple(_iterator(state, op, a) for a in generic.attributes["iterator_types"])
    if len(maps) != len(shapes):
        raise state.error(op, f"{name} has {len(maps)} indexing maps for {len(shapes)} operands")
    bounds = _bounds(state, op, maps, shapes, refs, len(iterators))
    bodies = _body(state, op, generic, dtype, n_out, operand_dtypes, result_dtypes=[t.dtype for t in result_types])
    family = MULTI_RESULT if n_out > 1 else families.family_of("linalg.generic", iterators, maps)
    more = tuple(Output(inits[k], maps[n_in + k], bodies[k], result_types[k]) for k in range(1, n_out))
    model = LinalgOp(
        name="linalg.generic",
        family=family,
        ins=ins,
        init=inits[0],
        bounds=bounds,
        maps=maps[: n_in + 1],
        iterators=iterators,
        body=bodies[0],
        result_type=result_types[0],
        more=more,
    )
    if name == "linalg.generic":
        return model
    # A named op with non-default maps (e.g. `linalg.matmul indexing_maps = [...]`) is
    # modelled, and printed again, as the generic op MLIR says it is.
    named = _named_form(state, op, model, dtype)
    if named is None and name in _PLAIN_CONTRACTIONS and "indexing_maps" not in op.attributes and (
            _plain_attributes(op)):
        # No maps or cast of its own (an i8 x i8 -> i32 batch_matvec): the named op prints back as
        # exactly this generic form (inputs sign-extended), so the model keeps its name.
        return dataclasses.replace(model, name=name)
    return named if named is not None else model


def _named_form(state: _State, op: object, model: LinalgOp, dtype: str) -> LinalgOp | None:
    """The families' constructor for a named op, if it gives exactly the generic form MLIR gave."""
    name = op.operation.name
    if name == REDUCE and is_reduce_form(model):
        return reduce_op(model.ins[0], TensorType(model.bounds, dtype), model.reduction_dims, model.init,
                         model.body.op)
    a, b = model.ins if len(model.ins) == 2 else (None, None)
    if a is None or b is None:
        return None
    bounds = model.bounds
    build: Callable[[], LinalgOp]
    if name == "linalg.matmul" and len(bounds) == 3:
        def build() -> LinalgOp:
            return matmul(a, b, model.init, *bounds, dtype)
    elif name == "linalg.batch_matmul" and len(bounds) == 4:
        def build() -> LinalgOp:
            return batch_matmul(a, b, model.init, *bounds, dtype)
    elif name == "linalg.matvec" and len(bounds) == 2:
        def build() -> LinalgOp:
            return matvec(a, b, model.init, *bounds, dtype)
    elif name in (*CONVOLUTIONS, *POOLINGS):
        strides = _int_pair(state, op, "strides")
        dilations = _int_pair(state, op, "dilations")
        if name == "linalg.conv_2d_nhwc_hwcf" and len(bounds) == 7:
            def build() -> LinalgOp:
                return conv_2d_nhwc_hwcf(
                    a, b, model.init, *bounds, dtype, strides=strides, dilations=dilations
                )
        elif name == "linalg.depthwise_conv_2d_nhwc_hwc" and len(bounds) == 6:
            def build() -> LinalgOp:
                return depthwise_conv_2d_nhwc_hwc(
                    a, b, model.init, *bounds, dtype, strides=strides, dilations=dilations
                )
        elif name == "linalg.conv_2d_nchw_fchw" and len(bounds) == 7:
            def build() -> LinalgOp:
                return conv_2d_nchw_fchw(
                    a, b, model.init, *bounds, dtype, strides=strides, dilations=dilations
                )
        elif name in NCHW_POOLINGS and len(bounds) == 6:
            kind = name.rsplit("_", 1)[1]

            def build() -> LinalgOp:
                return pooling_nchw(
                    kind, a, b, model.init, *bounds, dtype, strides=strides, dilations=dilations
                )
        elif name in POOLINGS and len(bounds) == 6:
            kind = name.rsplit("_", 1)[1]

            def build() -> LinalgOp:
                return pooling_nhwc(
                    kind, a, b, model.init, *bounds, dtype, strides=strides, dilations=dilations
                )
        else:
            return None
    else:
        return None
    named = build()
    same_loops = named.maps == model.maps and named.iterators == model.iterators
    if same_loops and named.body == model.body and named.result_type == model.result_type:
        return named
    if same_loops and name in _PLAIN_CONTRACTIONS and _plain_attributes(op):
        # Its default maps, other types (an i8 x i8 -> i32 matmul): the named op prints back as
        # exactly this generic form (inputs sign-extended), so the model keeps its name.
        return dataclasses.replace(model, name=name)
    return None


def _plain_attributes(op: object) -> bool:
    """Whether a named contraction has no attribute that printing it again would lose (a `cast`)."""
    return all(a in ("operandSegmentSizes", "indexing_maps", "linalg.memoized_indexing_maps") for a in op.attributes)


def _int_pair(state: _State, op: object, attr_name: str) -> tuple[int, int]:
    """A conv/pooling `strides` or `dilations` attribute; (1, 1) when absent, as MLIR defaults it."""
    if attr_name not in op.attributes:
        return (1, 1)
    values = tuple(int(v) for v in np.array(op.attributes[attr_name]).reshape(-1))
    if len(values) != 2:
        raise state.error(op, f"{op.operation.name} {attr_name} must have two values")
    return (values[0], values[1])


def _iterator(state: _State, op: object, attr: object) -> str:
    it = _ITERATORS.get(str(attr))
    if it is None:
        raise state.error(op, f"unsupported iterator type {attr}")
    return it


def _affine_map(state: _State, op: object, attr: object) -> AffineMap:
    ir = state.ir
    amap = ir.AffineMapAttr(attr).value
    if amap.n_symbols:
        raise state.error(op, f"indexing map {amap} uses symbols; only dims are supported")
    return tuple(_affine_expr(state, op, e) for e in amap.results)


def _affine_expr(state: _State, op: object, expr: object) -> AffineExpr:
    """A linear map result as sum(coef * dim) + const, terms in order of first appearance."""
    ir = state.ir
    coefs: dict[int, int] = {}
    const = 0

    def visit(e: object, scale: int) -> None:
        nonlocal const
        if isinstance(e, ir.AffineDimExpr):
            coefs[e.position] = coefs.get(e.position, 0) + scale
        elif isinstance(e, ir.AffineConstantExpr):
            const += scale * e.value
        elif isinstance(e, ir.AffineAddExpr):
            visit(e.lhs, scale)
            visit(e.rhs, scale)
        elif isinstance(e, ir.AffineMulExpr):
            lhs, rhs = e.lhs, e.rhs
            if isinstance(rhs, ir.AffineConstantExpr):
                visit(lhs, scale * rhs.value)
            elif isinstance(lhs, ir.AffineConstantExpr):
                visit(rhs, scale * lhs.value)
            else:
                raise state.error(op, f"indexing map expression {expr} is not linear")
        else:
            raise state.error(op, f"indexing map expression {expr} is not supported (only + and * constant)")

    visit(expr, 1)
    return AffineExpr(tuple((d, c) for d, c in coefs.items() if c != 0), const)


def _bounds(
    state: _State, op: object, maps: Sequence[AffineMap], shapes: Sequence[tuple[int | None, ...]],
    refs: Sequence[Ref], ndims: int,
) -> tuple[int, ...]:
    """Loop bounds from the operand dimensions that some map indexes with a bare loop dim.

    Static dims come first; a loop only a dynamic argument dim indexes takes that dim's
    size (`_State.dim_size`); then every dynamic dim of an argument operand gets its size."""
    bounds: list[int | None] = [None] * ndims
    for amap, shape in zip(maps, shapes, strict=True):
        if len(amap) != len(shape):
            raise state.error(op, f"indexing map of rank {len(amap)} for an operand of rank {len(shape)}")
        for e, size in zip(amap, shape, strict=True):
            if e.is_dim():
                d = e.terms[0][0]
                if d >= ndims:
                    raise state.error(op, f"indexing map uses d{d} but there are {ndims} loops")
                if size is None:
                    continue
                if bounds[d] is None:
                    bounds[d] = size
                elif bounds[d] != size:
                    raise state.error(op, f"loop d{d} has extents {bounds[d]} and {size} in two operands")
    for amap, shape, ref in zip(maps, shapes, refs, strict=True):
        for k, (e, size) in enumerate(zip(amap, shape, strict=True)):
            if size is None and e.is_dim() and bounds[e.terms[0][0]] is None:
                bounds[e.terms[0][0]] = state.dim_size(ref.index, k)
    missing = [f"d{d}" for d, b in enumerate(bounds) if b is None]
    if missing:
        raise state.error(
            op, f"cannot infer the loop bound of {', '.join(missing)}: no operand is indexed by it alone"
        )
    for amap, shape, ref in zip(maps, shapes, refs, strict=True):
        for k, (e, size) in enumerate(zip(amap, shape, strict=True)):
            if size is None:  # the smallest size every index fits in
                state.arg_shapes[ref.index][k] = e.const + sum(c * (bounds[d] - 1) for d, c in e.terms if c > 0) + 1
    return tuple(int(b) for b in bounds if b is not None)


def _body(state: _State, op: object, generic: object, dtype: str, n_out: int = 1,
          arg_types: Sequence[str] | None = None, yields: str = "",
          result_dtypes: Sequence[str] | None = None) -> tuple[Expr, ...]:
    """The region of a linalg.generic as one expression tree per yielded value, over its block arguments
    (of the types `arg_types`, one per operand; all `dtype` when not given), each of type `yields`
    (`dtype` when not given; a comparator yields i1), or value k of `result_dtypes[k]`. Where those
    differ (an argmax: f32 and i32) every node names its type: no output's type is the body's."""
    explicit = result_dtypes is not None and len(set(result_dtypes)) > 1

    def tag(t: str) -> str:
        return t if explicit or t != dtype else ""

    region = generic.regions[0]
    if len(region.blocks) != 1:
        raise state.error(op, "linalg body must have exactly one block")
    block = region.blocks[0]
    exprs: dict[object, Expr] = {}
    sizes: dict[int, int] = {}  # id(Expr) -> tree size, without walking shared subtrees again
    arg_types = list(arg_types) if arg_types is not None else [dtype] * len(block.arguments)
    if len(arg_types) != len(block.arguments):
        raise state.error(op, f"linalg body has {len(block.arguments)} arguments for {len(arg_types)} operands")
    for i, a in enumerate(block.arguments):
        if str(a.type) != arg_types[i]:
            raise state.error(op, f"linalg body argument #{i} has type {a.type}, expected {arg_types[i]}")
        exprs[a] = Expr.arg(i)

    def operand(body_op: object, v: object) -> Expr:
        if v in exprs:
            return exprs[v]
        scalar = state.scalars.get(v)
        if scalar is not None and scalar[1] in BODY_DTYPES:  # a constant captured from @main
            return Expr.const(scalar[0], tag(scalar[1]))
        raise state.error(body_op, f"{body_op.operation.name} in linalg body uses a value it cannot model")

    positions: dict[object, int] = {}  # `linalg.index` results: the loop dim
    for body_op in block.operations:
        bname = body_op.operation.name
        if bname == "linalg.index" and generic.operation.name == "linalg.generic":
            positions[body_op.result] = int(state.ir.IntegerAttr(body_op.attributes["dim"]).value)
            continue
        if bname == "arith.index_cast" and body_op.operands[0] in positions:
            rtype = str(body_op.result.type)
            if rtype not in BODY_DTYPES or rtype.startswith(("f", "bf")) or rtype == "i1":
                raise state.error(body_op, f"arith.index_cast of linalg.index to {rtype} is not modelled")
            exprs[body_op.result] = Expr("index", index=positions[body_op.operands[0]], dtype=tag(rtype))
            continue
        if bname in ("linalg.yield", "iree_linalg_ext.yield"):
            if len(body_op.operands) != n_out:
                raise state.error(op, f"linalg.yield must yield {n_out} value{'s' if n_out > 1 else ''}")
            results = tuple(operand(body_op, v) for v in body_op.operands)
            for k, result in enumerate(results):
                want = result_dtypes[k] if result_dtypes is not None else yields or dtype
                try:
                    yielded = check_body(result, arg_types, dtype)
                except ValueError as e:
                    raise state.error(body_op, f"unsupported linalg body: {e}") from None
                if yielded != want:
                    raise state.error(body_op, f"linalg.yield of a {yielded}, not {want}")
            return results
        rtype = str(body_op.results[0].type) if len(body_op.results) == 1 else ""
        if rtype not in BODY_DTYPES:
            raise state.error(body_op, f"unsupported body op {bname} (only arith ops on "
                                       f"{', '.join(BODY_DTYPES)} values are modelled)")
        node_dtype = tag(rtype)
        if bname == "arith.constant":
            scalar = _scalar_value(state, body_op.attributes["value"])
            if scalar is None:
                raise state.error(body_op, f"unsupported body constant {body_op.attributes['value']}")
            exprs[body_op.result] = Expr.const(scalar[0], node_dtype)
            continue
        short = bname.split(".", 1)[-1]
        pred = _predicate(state, body_op) if bname in ("arith.cmpf", "arith.cmpi") else ""
        known = bname == f"{UNARY_DIALECT.get(short, 'arith')}.{short}" and (
            short in (*BINARY_FLOAT, *BINARY_INT, *DIVISION_INT, *UNARY_FLOAT, *UNARY_INT, *CASTS)
            or short in ("cmpf", "cmpi", "select"))
        if not known:
            supported = ", ".join([f"arith.{a}" for a in (*BINARY_FLOAT, *BINARY_INT, *DIVISION_INT, *CASTS,
                                                          "cmpf", "cmpi", "select")]
                                  + [f"{UNARY_DIALECT.get(a, 'arith')}.{a}" for a in (*UNARY_FLOAT, *UNARY_INT)])
            raise state.error(body_op, f"unsupported body op {bname} (supported: {supported})")
        args = tuple(operand(body_op, v) for v in body_op.operands)
        size = 1 + sum(sizes.get(id(a), 1) for a in args)
        if size > _MAX_BODY_NODES:  # a DAG of reused values can grow the tree exponentially
            raise state.error(body_op, f"linalg body expands to over {_MAX_BODY_NODES} expression nodes")
        expr = Expr(short, args, dtype=node_dtype, pred=pred)
        sizes[id(expr)] = size
        exprs[body_op.result] = expr
    raise state.error(op, "linalg body has no linalg.yield")


def _predicate(state: _State, body_op: object) -> str:
    """A compare's predicate by name (`olt`, `sge`); only the ones the model knows."""
    from iree.compiler.dialects import arith

    ir = state.ir
    value = ir.IntegerAttr(body_op.attributes["predicate"]).value
    float_cmp = body_op.operation.name == "arith.cmpf"
    enum = arith.CmpFPredicate if float_cmp else arith.CmpIPredicate
    name = enum(value).name.lower()
    known = CMPF_PREDICATES if float_cmp else CMPI_PREDICATES
    if name not in known:
        raise state.error(body_op, f"unsupported predicate {name} of {body_op.operation.name} "
                                   f"(supported: {', '.join(known)})")
    return name
