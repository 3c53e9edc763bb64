"""Print a `Program` as MLIR text that `iree-compile` accepts.

Ops and constants carry name locations (`loc("op0:linalg.matmul")`,
`loc("cst1:nonsplat")`) so that IR checks can name the source op and constant
after IREE has moved them into dispatches. Output is deterministic: the same
program gives the same bytes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from fuzzir import names
from fuzzir.mlir_values import dense, format_scalar
from fuzzir.model import (
    CASTS,
    EXPAND_SHAPE,
    GATHER,
    INLINE_CONSTANT_LIMIT_BYTES,
    NUMPY_DTYPE,
    PACK,
    RESHAPE,
    SCAN,
    SCATTER,
    SORT,
    TOPK,
    UNARY_DIALECT,
    UNPACK,
    Expr,
    LinalgOp,
    Literal,
    LiteralKind,
    Program,
    Ref,
    TensorOp,
    TensorType,
    expr_dtype,
    map_mlir,
)


def dense_attr(lit: Literal) -> str:
    """`dense<...>` for a literal: splat, nested list, or hex bytes when large (see `fuzzir.mlir_values`)."""
    dtype = lit.type.dtype
    data = np.asarray(lit.data, dtype=NUMPY_DTYPE[dtype]).reshape(lit.type.shape)
    flat = data.reshape(-1)
    # All-equal values print as a splat: MLIR stores them so, and parsing them back gives a SPLAT literal.
    if lit.kind is LiteralKind.SPLAT or (flat.size > 0 and np.all(flat == flat[0])):
        return f"dense<{format_scalar(flat[0], dtype)}>"
    return dense(data, dtype, max_nested_bytes=INLINE_CONSTANT_LIMIT_BYTES)


def _ref_name(ref: Ref, program: Program | None = None) -> str:
    """`%argN`, `%cstN`, `%opN`, or `%opN#k` for a result of a multi-result op."""
    name = {"arg": "%arg", "lit": "%cst", "op": "%op"}[ref.kind] + str(ref.index)
    if ref.kind == "op" and program is not None and program.ops[ref.index].more:
        name += f"#{ref.result}"
    return name


class _Body:
    """Prints one body expression tree as arith ops in a linalg region, each with its operand/result types."""

    def __init__(self, arg_names: list[str], dtype: str, arg_types: list[str] | None = None) -> None:
        self.arg_names = arg_names
        self.arg_types = arg_types if arg_types is not None else [dtype] * len(arg_names)
        self.dtype = dtype
        self.lines: list[str] = []
        self.counter = 0

    def value(self, e: Expr) -> str:
        if e.op == "arg":
            return self.arg_names[e.index]
        name = f"%b{self.counter}"
        self.counter += 1
        t = expr_dtype(e, self.arg_types, self.dtype)
        if e.op == "const":
            self.lines.append(f"    {name} = arith.constant {format_scalar(e.value, t)} : {t}")
            return name
        if e.op == "index":
            self.lines.append(f"    {name}_i = linalg.index {e.index} : index")
            self.lines.append(f"    {name} = arith.index_cast {name}_i : index to {t}")
            return name
        operands = [self.value(a) for a in e.args]
        joined = ", ".join(operands)
        if e.op in ("cmpf", "cmpi"):
            src = expr_dtype(e.args[0], self.arg_types, self.dtype)
            self.lines.append(f"    {name} = arith.{e.op} {e.pred}, {joined} : {src}")
        elif e.op in CASTS:
            src = expr_dtype(e.args[0], self.arg_types, self.dtype)
            self.lines.append(f"    {name} = arith.{e.op} {joined} : {src} to {t}")
        else:  # select prints its result type; every other op its one operand/result type
            dialect = UNARY_DIALECT.get(e.op, "arith")
            self.lines.append(f"    {name} = {dialect}.{e.op} {joined} : {t}")
        return name


def _attrs(op: LinalgOp) -> str:
    if not op.strides:
        return ""
    n = len(op.strides)
    dil = ", ".join(str(d) for d in op.dilations)
    st = ", ".join(str(s) for s in op.strides)
    return (
        f" {{dilations = dense<[{dil}]> : tensor<{n}xi64>, "
        f"strides = dense<[{st}]> : tensor<{n}xi64>}}"
    )


def _ints(values: tuple[int, ...]) -> str:
    return ", ".join(str(v) for v in values)


def _emit_tensor_op(program: Program, index: int, op: TensorOp) -> list[str]:
    """`tensor.insert_slice`, `iree_linalg_ext.scatter` (its combiner region over (update, original)) or
    `iree_linalg_ext.scan` (over (running value, input))."""
    head = f"  %op{index} = "
    loc = f'loc("{names.op_loc(index, op.name)}")'
    out_t = op.result_type.mlir()
    if op.family == SCAN:
        dtype = op.result_type.dtype
        acc_t = op.more[0].result_type.mlir()
        body = _Body(["%run", "%in"], dtype)
        result = body.value(op.body)
        return [
            f"  %op{index}:2 = {op.name} dimension({op.dimension}) inclusive({str(op.inclusive).lower()}) "
            f"ins({_ref_name(op.ins[0], program)} : {program.mlir_type(op.ins[0])}) "
            f"outs({_ref_name(op.init, program)}, {_ref_name(op.more[0].init, program)} : {out_t}, {acc_t}) {{",
            f"  ^bb0(%run: {dtype}, %in: {dtype}):",
            *body.lines,
            f"    iree_linalg_ext.yield {result} : {dtype}",
            f"  }} -> {out_t}, {acc_t} {loc}",
        ]
    if op.family in (PACK, UNPACK):
        perm = f" outer_dims_perm = [{_ints(op.offsets)}]" if op.offsets else ""
        return [f"{head}{op.name} {_ref_name(op.ins[0], program)}{perm} inner_dims_pos = [{_ints(op.dimension_map)}] "
                f"inner_tiles = [{_ints(op.sizes)}] into {_ref_name(op.init, program)} : "
                f"{program.mlir_type(op.ins[0])} -> {out_t} {loc}"]
    if op.family == GATHER:
        return [f"{head}{op.name} dimension_map = [{_ints(op.dimension_map)}] "
                f"ins({', '.join(_ref_name(r, program) for r in op.ins)} : "
                f"{', '.join(program.mlir_type(r) for r in op.ins)}) "
                f"outs({_ref_name(op.init, program)} : {out_t}) -> {out_t} {loc}"]
    if op.family == RESHAPE:
        src = op.ins[0]
        groups = ", ".join(f"[{_ints(g)}]" for g in op.reassociation)
        shape = f" output_shape [{_ints(op.result_type.shape)}]" if op.name == EXPAND_SHAPE else ""
        return [f"{head}{op.name} {_ref_name(src, program)} [{groups}]{shape} : {program.mlir_type(src)} into "
                f"{out_t} {loc}"]
    if op.family == SORT:
        types = [t.dtype for t in op.result_types]
        names_ = [f"%{side}{k}" for k in range(len(types)) for side in ("l", "r")]
        body = _Body(names_, types[0], [t for t in types for _ in (0, 1)])
        result = body.value(op.body)
        head = f"  %op{index}:{len(types)} = " if op.more else f"  %op{index} = "
        out_types = ", ".join(t.mlir() for t in op.result_types)
        block = ", ".join(f"{n}: {t}" for n, t in zip(names_, [t for t in types for _ in (0, 1)], strict=True))
        return [
            f"{head}{op.name} dimension({op.dimension}) outs({', '.join(_ref_name(r, program) for r in op.inits)} : "
            f"{out_types}) {{",
            f"  ^bb0({block}):",
            *body.lines,
            f"    iree_linalg_ext.yield {result} : i1",
            f"  }} -> {out_types} {loc}",
        ]
    if op.family == TOPK:
        dtype = op.result_type.dtype
        body = _Body(["%a", "%b"], dtype)
        result = body.value(op.body)
        in_names = ", ".join(_ref_name(r, program) for r in op.ins)
        in_types = ", ".join(program.mlir_type(r) for r in op.ins)
        out_types = ", ".join(t.mlir() for t in op.result_types)
        outs = ", ".join(_ref_name(r, program) for r in op.inits)
        head = f"  %op{index}:{len(op.result_types)} = " if op.more else f"  %op{index} = "
        sorted_ = " is_sorted" if op.name.endswith("_v2") else ""
        return [
            f"{head}{op.name} dimension({op.dimension}){sorted_} ins({in_names} : {in_types}) "
            f"outs({outs} : {out_types}) {{",
            f"  ^bb0(%a: {dtype}, %b: {dtype}):",
            *body.lines,
            f"    iree_linalg_ext.yield {result} : i1",
            f"  }} -> {out_types} {loc}",
        ]
    if op.family == SCATTER:
        dtype = op.result_type.dtype
        body = _Body(["%upd", "%orig"], dtype)
        result = body.value(op.body)
        return [
            f"{head}{op.name} dimension_map = [{_ints(op.dimension_map)}] unique_indices(true) "
            f"ins({', '.join(_ref_name(r, program) for r in op.ins)} : "
            f"{', '.join(program.mlir_type(r) for r in op.ins)}) "
            f"outs({_ref_name(op.init, program)} : {out_t}) {{",
            f"  ^bb0(%upd: {dtype}, %orig: {dtype}):",
            *body.lines,
            f"    iree_linalg_ext.yield {result} : {dtype}",
            f"  }} -> {out_t} {loc}",
        ]
    src = op.ins[0]
    dest = _ref_name(op.init, program)
    return [f"{head}{op.name} {_ref_name(src, program)} into {dest}[{_ints(op.offsets)}] [{_ints(op.sizes)}] "
            f"[{_ints(op.strides)}] : {program.mlir_type(src)} into {out_t} {loc}"]


def emit_op(program: Program, index: int) -> list[str]:
    op = program.ops[index]
    if isinstance(op, TensorOp):
        return _emit_tensor_op(program, index, op)
    in_types = [program.mlir_type(r) for r in op.ins]
    ins = ", ".join(_ref_name(r, program) for r in op.ins)
    out_types = [t.mlir() for t in op.result_types]
    out_t = out_types[0] if len(out_types) == 1 else f"({', '.join(out_types)})"
    loc = f'loc("{names.op_loc(index, op.name)}")'
    head = f"  %op{index} = " if not op.more else f"  %op{index}:{len(out_types)} = "
    outs = ", ".join(_ref_name(r, program) for r in op.inits)
    operands = (f"ins({ins} : {', '.join(in_types)}) " if op.ins else "") + f"outs({outs} : {', '.join(out_types)})"
    dtype = op.result_type.dtype
    dtypes = [program.type_of(r).dtype for r in op.ins] + [t.dtype for t in op.result_types]
    block_names = [f"%in{i}" for i in range(len(op.ins))] + ["%out"] + [f"%out{k}" for k in range(1, len(out_types))]
    block_args = ", ".join(f"{n}: {t}" for n, t in zip(block_names, dtypes, strict=True))
    body = _Body(block_names, dtype, dtypes)
    yielded = ", ".join(body.value(b) for b in op.bodies)
    yield_line = f"    linalg.yield {yielded} : {', '.join(t.dtype for t in op.result_types)}"
    if op.name == "linalg.reduce":  # a named op with a region: the combiner is printed, the maps are implied
        dims = ", ".join(str(d) for d in op.reduction_dims)
        return [
            f"{head}linalg.reduce {operands} dimensions = [{dims}]",
            f"    ({block_args}) {{",
            *body.lines,
            yield_line,
            f"  }} {loc}",
        ]
    if op.is_named:
        return [f"{head}{op.name}{_attrs(op)} {operands} -> {out_t} {loc}"]
    ndims = len(op.bounds)
    maps = ", ".join(map_mlir(ndims, m) for m in op.all_maps)
    iters = ", ".join(f'"{it}"' for it in op.iterators)
    return [
        f"{head}linalg.generic {{indexing_maps = [{maps}], iterator_types = [{iters}]}} {operands} {{",
        f"  ^bb0({block_args}):",
        *body.lines,
        yield_line,
        f"  }} -> {out_t} {loc}",
    ]


def stored(lit: Literal) -> Literal:
    """The constant as it is materialized: in its reshape's source shape, when it has one."""
    if lit.reshape is None:
        return lit
    source = lit.reshape.source
    return dataclasses.replace(lit, type=source, data=np.asarray(lit.data).reshape(source.shape), reshape=None)


def _emit_literal(index: int, lit: Literal) -> list[str]:
    if lit.reshape is None:
        return _emit_stored(index, lit, f"%cst{index}")
    r = lit.reshape
    loc = f'loc("{names.literal_loc(index, lit.init_kind.value)}")'
    groups = ", ".join(f"[{_ints(g)}]" for g in r.reassociation)
    src, t = f"%cst{index}_r", f"{r.source.mlir()} into {lit.type.mlir()}"
    if r.name == EXPAND_SHAPE:
        line = f"  %cst{index} = {r.name} {src} [{groups}] output_shape [{_ints(lit.type.shape)}] : {t} {loc}"
    else:
        line = f"  %cst{index} = {r.name} {src} [{groups}] : {t} {loc}"
    return [*_emit_stored(index, stored(lit), src), line]


def _emit_stored(index: int, lit: Literal, name: str) -> list[str]:
    t = lit.type.mlir()
    if lit.kind is LiteralKind.EMPTY:
        return [f"  {name} = tensor.empty() : {t}"]
    if lit.kind is LiteralKind.FILL:
        value = format_scalar(np.asarray(lit.data).reshape(-1)[0].item(), lit.type.dtype)
        return [
            f"  {name}_s = arith.constant {value} : {lit.type.dtype}",
            f"  {name}_e = tensor.empty() : {t}",
            f"  {name} = linalg.fill ins({name}_s : {lit.type.dtype}) outs({name}_e : {t}) -> {t}",
        ]
    loc = f'loc("{names.literal_loc(index, lit.init_kind.value)}")'
    if lit.kind is LiteralKind.GLOBAL:
        return [f"  {name} = util.global.load @cst{index} : {t} {loc}"]
    if lit.kind is LiteralKind.RESOURCE:
        return [f"  {name} = arith.constant dense_resource<cst{index}> : {t} {loc}"]
    return [f"  {name} = arith.constant {dense_attr(lit)} : {t} {loc}"]


def resource_blob(lit: Literal) -> str:
    """The hex string MLIR keeps a `dense_resource` blob as: the alignment (the element size, as a
    little-endian u32), then the elements' little-endian bytes."""
    lit = stored(lit)
    dt = np.dtype(NUMPY_DTYPE[lit.type.dtype]).newbyteorder("<")
    raw = np.ascontiguousarray(np.asarray(lit.data).reshape(lit.type.shape), dtype=dt).tobytes()
    return "0x" + (dt.itemsize.to_bytes(4, "little") + raw).hex().upper()


def _resources(program: Program) -> list[str]:
    """The trailing `{-# dialect_resources ... #-}` section for the program's `dense_resource` literals."""
    blobs = [f"      cst{i}: \"{resource_blob(lit)}\"" for i, lit in enumerate(program.literals)
             if lit.kind is LiteralKind.RESOURCE]
    if not blobs:
        return []
    return ["", "{-#", "  dialect_resources: {", "    builtin: {", ",\n".join(blobs), "    }", "  }", "#-}"]


def _tensor_list(types: list[TensorType]) -> str:
    return ", ".join(t.mlir() for t in types)


def emit(program: Program) -> str:
    """The MLIR text of `program`."""
    lines: list[str] = []
    for i, lit in enumerate(program.literals):
        if lit.kind is LiteralKind.GLOBAL:
            lit = stored(lit)
            lines.append(
                f"util.global private @cst{i} = {dense_attr(lit)} : {lit.type.mlir()} "
                f'loc("{names.literal_loc(i, lit.init_kind.value)}")'
            )
    args = ", ".join(f"%arg{i}: {program.mlir_type(Ref('arg', i))}" for i in range(len(program.args)))
    results = list(program.result_types())
    res_sig = _tensor_list(results)
    if len(results) != 1:
        res_sig = f"({res_sig})"
    lines.append(f"func.func @main({args}) -> {res_sig} {{")
    for i, lit in enumerate(program.literals):
        lines.extend(_emit_literal(i, lit))
    for i in range(len(program.ops)):
        lines.extend(emit_op(program, i))
    rets = ", ".join(_ref_name(r, program) for r in program.results)
    lines.append(f"  return {rets} : {_tensor_list(results)}")
    lines.append("}")
    lines.extend(_resources(program))
    return "\n".join(lines) + "\n"
