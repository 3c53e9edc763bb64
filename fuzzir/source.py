"""Any program `iree-compile` accepts, read without fuzzir's model: its entry function and what is in it.

`fuzzir check` judges programs it did not write (linalg, tensor, iree_linalg_ext,
StableHLO, TOSA ...). Only some of them parse into the model (`fuzzir.parse`);
every oracle that needs no model still needs to know, from the MLIR alone:

- the entry function (`--function NAME`; by default the only public function
  with a body, else `@main`) and its signature: argument and result types
  (ranked tensors, and scalars of `SCALAR_TYPES`), with dynamic dimensions given
  sizes (`dims`, default `DEFAULT_DIM`);
- where each op of the file is (`file:line:col` -> op name), so IR checks on
  compiled phases, whose locations point into this file, can name the source op;
- which `util.global`s are mutable (never a constant, whatever IREE makes of them);
- the bytes of `dense_resource` constants, kept in the file's `dialect_resources`
  section (a hex string: 4 bytes of alignment, then the little-endian elements).

Everything is read with IREE's MLIR Python bindings; invalid MLIR is a
`SourceError` with one line that says where.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fuzzir.dtypes import ELEMENT_TYPES, VALUE_TYPES, numpy_dtype, value_dtype
from fuzzir.mlir_walk import file_loc, module_globals, scatter_combiner, upstream_locations, walk_ops

__all__ = ["DEFAULT_DIM", "SCALAR_TYPES", "Arg", "Producer", "Source", "SourceError", "SourceOp", "destinations",
           "destination_facts", "init_kind", "read_source", "resource_array", "resource_name"]

#: Scalar argument and result types fuzzir passes (as iree-run-module values) and reads back.
SCALAR_TYPES = (*ELEMENT_TYPES, "index")
#: The size a dynamic dimension gets when `--dim` says nothing about it.
DEFAULT_DIM = 4
_RESOURCES_START = "{-#"


#: The most elements a program's arguments and results may hold for fuzzir to draw, pass and compare them
#: (2**26: 256 MiB of f32 for all of them): above it the program is compiled and judged on its IR only.
MAX_ELEMENTS = 1 << 26


class SourceError(ValueError):
    """The file is not MLIR, or has no entry function fuzzir can call; the message is one line."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class Arg:
    """One argument or result of the entry function, with dynamic dimensions sized."""

    type: str  # as written: tensor<?x4xf32>, or a scalar type: i32, f16, index
    shape: tuple[int, ...]  # every dimension static (dynamic ones sized from `dims`); () for a scalar
    dtype: str  # element type (MLIR name); the type itself for a scalar
    problem: str = ""  # why no value of this type can be passed or read back ("" when one can)

    @property
    def dynamic(self) -> bool:
        return "?" in self.type

    @property
    def scalar(self) -> bool:
        """A scalar (`i32`, `index` ...), passed as a value, not a buffer: `tensor<f32>` is not one."""
        return not self.type.startswith("tensor<")


@dataclass(frozen=True)
class Producer:
    """The op that computes one result of the entry function, and what its destination (`outs`) is."""

    op: str  # op name, e.g. linalg.reduce ("" when the result is an argument or constant itself)
    init_kind: str  # splat, nonsplat, large, global, mutable-global, fill, empty, arg, result, none
    where: str = ""  # file:line:col
    lowered: str = ""  # a frontend op's linalg form at input (`refine`), whose facts these are
    upstream: frozenset[tuple[int, int]] = frozenset()  # (line, col) of every op whose values reach the result

    @property
    def family(self) -> str:
        """The op whose facts key a finding: the linalg op a frontend op becomes, else the op itself."""
        return self.lowered or self.op


@dataclass(frozen=True)
class SourceOp:
    """An op of the file, as the IR checks name it: its name, destination kind and element type."""

    name: str
    init_kind: str = "none"  # of its destination (see `init_kind`), "none" when it has none
    dtype: str = ""  # element type of its first result
    lowered: str = ""  # a frontend op's linalg form at input (`refine`), whose facts these are
    combiner: str = ""  # a scatter's one op combining update and original (`scatter_combiner`), else ""

    @property
    def family(self) -> str:
        """The op whose facts key a finding: the linalg op a frontend op becomes, else the op itself."""
        return self.lowered or self.name

    def label(self, where: str) -> str:
        return f"{self.name} at {where}"


@dataclass(frozen=True)
class Source:
    """A program as MLIR text, with what the oracles need to know about it without a model."""

    text: str
    filename: str
    function: str
    args: tuple[Arg, ...]
    results: tuple[Arg, ...]
    ops_at: dict[tuple[int, int], SourceOp] = field(default_factory=dict)  # (line, col) -> op
    mutable_globals: frozenset[str] = frozenset()
    global_at: dict[tuple[int, int], str] = field(default_factory=dict)  # (line, col) -> global (def or load)
    op_names: frozenset[str] = frozenset()  # every op name in the module
    producers: tuple[Producer, ...] = ()  # per result

    def where(self, line: int, col: int) -> str:
        return f"{self.filename}:{line}:{col}"

    def op_at(self, line: int, col: int) -> SourceOp | None:
        return self.ops_at.get((line, col))

    def locate(self, file_loc: str) -> tuple[str, SourceOp | None, str | None]:
        """For `file:line:col` of compiled IR: where in this file, the op there, the global there.

        Compiled IR names the file the compiler read (fuzzir copies it to `program.mlir`)."""
        name, _, rest = file_loc.rpartition(":")
        name, _, line = name.rpartition(":")
        if not (line.isdigit() and rest.isdigit()) or name.rsplit("/", 1)[-1] not in (
                "program.mlir", self.filename.rsplit("/", 1)[-1]):
            return file_loc, None, None
        key = (int(line), int(rest))
        return self.where(*key), self.ops_at.get(key), self.global_at.get(key)

    def rename(self, text: str) -> str:
        """`text` (a compiled IR message) with the compiler's copy of the file named as the user's."""
        return text.replace("program.mlir:", f"{self.filename}:")

    @property
    def runnable(self) -> str:
        """Why the entry function cannot be run with inputs fuzzir writes ("" when it can)."""
        for i, a in enumerate(self.args):
            if a.problem:
                return f"argument #{i} ({a.type}): {a.problem}"
        for j, r in enumerate(self.results):
            if r.problem:
                return f"result #{j} ({r.type}): {r.problem}"
        elements = sum(int(np.prod(a.shape, dtype=np.float64)) for a in (*self.args, *self.results))
        if elements > MAX_ELEMENTS:
            # fuzzir would hold these arrays itself (inputs, outputs, the reference): refused before allocating.
            return (f"its arguments and results hold {elements:.3g} elements, over fuzzir's budget of "
                    f"{MAX_ELEMENTS:.3g} (compiled, not run)")
        return ""

    def result_types(self) -> list[str]:
        return [r.type for r in self.results]

    def dtypes(self) -> list[str]:
        """Element types the program computes in (arguments, results, op results), as `Program.dtypes`."""
        seen: list[str] = []
        for d in [a.dtype for a in (*self.args, *self.results)] + [op.dtype for op in self.ops_at.values()]:
            if d in ELEMENT_TYPES and d not in seen:
                seen.append(d)
        return seen


def resource_name(attr: object) -> str | None:
    """The blob name of a `dense_resource<name>` attribute (the bindings print it, they do not expose it)."""
    text = str(attr)
    if not text.startswith("dense_resource<"):
        return None
    return text[len("dense_resource<"):].split(">", 1)[0]


def resource_array(text: str, name: str, dtype: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """The value of `dense_resource<name>` of a tensor of `shape` x `dtype`, from the file's resources.

    The bindings give a resource attribute's name but not its bytes; the bytes are in
    the trailing `{-# dialect_resources: { builtin: { name: "0x..." } } #-}` section.
    None when the blob is missing or its size does not fit the type.
    """
    start = text.rfind(_RESOURCES_START)
    if start < 0 or dtype not in ELEMENT_TYPES or dtype == "i1":
        return None
    section = text[start:]
    key = section.find(f"{name}:")
    while key > 0 and (section[key - 1].isalnum() or section[key - 1] in "_.$"):
        key = section.find(f"{name}:", key + 1)
    if key < 0:
        return None
    quote = section.find('"', key)
    end = section.find('"', quote + 1)
    blob = section[quote + 1:end]
    if not blob.startswith("0x"):
        return None
    try:
        raw = bytes.fromhex(blob[2:])[4:]  # the first 4 bytes are the blob's alignment
    except ValueError:
        return None
    dt = numpy_dtype(dtype).newbyteorder("<")
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(raw) != count * dt.itemsize:
        return None
    return np.frombuffer(raw, dtype=dt).astype(numpy_dtype(dtype)).reshape(shape)


_MOVES = ("tensor.expand_shape", "tensor.collapse_shape", "tensor.cast", "tensor.extract_slice",
          "tensor.reshape", "util.optimization_barrier")


def destinations(ir: object, op: object) -> list[object]:
    """The destination operands of a destination-style op (linalg, iree_linalg_ext, insert_slice)."""
    name = op.operation.name
    if name in ("tensor.insert_slice", "tensor.insert"):
        return [op.operands[1]]
    n = len(op.results)
    if not name.startswith(("linalg.", "iree_linalg_ext.")) or not n or len(op.operands) < n:
        return []
    # Destination-style ops list their destinations last, one per result and of its type.
    outs = list(op.operands)[-n:]
    return outs if all(str(o.type) == str(r.type) for o, r in zip(outs, op.results, strict=True)) else []


def init_kind(ir: object, value: object, globals_: dict[str, object], limit: int = 256) -> str:
    """What a destination is, traced back through reshapes and slices (fuzzir's init kinds)."""
    for _ in range(64):
        owner = value.owner
        if isinstance(owner, ir.Block):
            # A loop-carried value (TOSA's scatter lowers to an scf.for of insert_slice) is its init.
            loop, number = owner.owner, ir.BlockArgument(value).arg_number
            if loop is None or loop.operation.name != "scf.for" or number == 0:
                return "arg"
            value = loop.operands[2 + number]  # lower bound, upper bound, step, then the inits
            continue
        name = owner.operation.name
        if name in _MOVES:
            value = owner.operands[0]
            continue
        if name in ("arith.constant", "stablehlo.constant", "tosa.const"):
            attr = owner.attributes["value" if "value" in owner.attributes else "values"]
            if isinstance(attr, ir.DenseElementsAttr) and attr.is_splat:
                return "splat"
            t = ir.ShapedType(value.type)
            nbytes = t.element_type.width * int(np.prod(t.shape, dtype=np.int64)) // 8 if t.has_static_shape else 0
            return "large" if nbytes > limit else "nonsplat"
        if name == "util.global.load":
            glob = globals_.get(ir.FlatSymbolRefAttr(owner.attributes["global"]).value)
            return "mutable-global" if glob is not None and "is_mutable" in glob.attributes else "global"
        return {"tensor.empty": "empty", "linalg.fill": "fill"}.get(name, "result")
    return "result"


def _producers(ir: object, entry: object, filename: str, globals_: dict[str, object]) -> tuple[Producer, ...]:
    block = entry.regions[0].blocks[0]
    ret = list(block.operations)[-1]
    out = []
    for value in ret.operands:
        owner = value.owner
        if isinstance(owner, ir.Block):
            out.append(Producer("", "arg"))
            continue
        dests = destinations(ir, owner)
        kinds = [init_kind(ir, d, globals_) for d in dests]
        loc = file_loc(ir, owner.location)
        where = f"{filename}:{loc[0]}:{loc[1]}" if loc else ""
        out.append(Producer(owner.operation.name, kinds[0] if len(set(kinds)) == 1 else
                            (",".join(sorted(set(kinds))) or "none"), where, upstream=upstream_locations(ir, value)))
    return tuple(out)


def _dims_for(index: int, rank: int, dims: dict[tuple[int, int], int], default: int) -> list[int]:
    return [dims.get((index, d), dims.get((-1, -1), default)) for d in range(rank)]


def _arg(ir: object, t: object, index: int, dims: dict[tuple[int, int], int] | None, default: int) -> Arg:
    """The runnable form of one signature type (results are sized like arguments, when dynamic)."""
    text = str(t)
    if text in SCALAR_TYPES:
        return Arg(text, (), text, _bf16_problem(text))
    if not isinstance(t, ir.RankedTensorType):
        return Arg(text, (), "", "only ranked tensors and scalars of "
                   f"{', '.join(SCALAR_TYPES)} can be passed by fuzzir")
    dtype = str(t.element_type)
    sizes = _dims_for(index, t.rank, dims or {}, default)
    shape = tuple(int(s) if t.is_dynamic_dim(d) else int(t.shape[d]) for d, s in enumerate(sizes))
    problem = (_bf16_problem(dtype) if dtype in ELEMENT_TYPES else _value_type_problem(dtype) if dtype in VALUE_TYPES
               else f"element type {dtype} has no numpy form in fuzzir")
    return Arg(text, shape, dtype, problem)


def _value_type_problem(dtype: str) -> str:
    """Why tensors of an f8 or complex element type cannot be passed or read ("" when they can)."""
    try:
        value_dtype(dtype)
    except (ImportError, AttributeError):
        return f"{dtype} needs ml_dtypes"
    return ""


def _bf16_problem(dtype: str) -> str:
    if dtype == "bf16":
        try:
            numpy_dtype("bf16")
        except ImportError:
            return "bf16 needs ml_dtypes"
    return ""


def _entry(ir: object, module: object, function: str | None, filename: str) -> object:
    """The entry function: `function`, else the only public function with a body, else @main."""
    funcs = []
    for op in module.body.operations:
        if op.operation.name not in ("func.func", "util.func") or not len(op.regions[0].blocks):
            continue
        name = ir.StringAttr(op.attributes["sym_name"]).value
        vis = op.attributes["sym_visibility"] if "sym_visibility" in op.attributes else None
        public = vis is None or ir.StringAttr(vis).value == "public"
        funcs.append((name, public, op))
    names = ", ".join(f"@{n}" for n, _, _ in funcs) or "none"
    if function is not None:
        for name, _, op in funcs:
            if name == function:
                return op
        raise SourceError(f"{filename}: no function @{function} with a body (functions: {names})")
    public = [f for f in funcs if f[1]]
    if len(public) == 1:
        return public[0][2]
    for name, _, op in funcs:
        if name == "main":
            return op
    raise SourceError(f"{filename}: cannot tell the entry function (public functions: {names}); "
                      "name it with --function")


def destination_facts(ir: object, op: object, globals_: dict[str, object]) -> tuple[str, str]:
    """(the kinds of `op`'s destinations, comma-joined, "" when it has none; its first result's element type)."""
    kinds = sorted({init_kind(ir, d, globals_) for d in destinations(ir, op)})
    dtype = str(getattr(op.results[0].type, "element_type", op.results[0].type)) if len(op.results) else ""
    return ",".join(kinds), dtype


def _index_ops(ir: object, module: object, globals_: dict[str, object], ops_at: dict, global_at: dict,
               names: set, mutable: set) -> None:
    for op in walk_ops(module):
        name = op.operation.name
        names.add(name)
        loc = file_loc(ir, op.location)
        if loc is not None and loc not in ops_at:
            kinds, dtype = destination_facts(ir, op, globals_)
            ops_at[loc] = SourceOp(name, kinds or "none", dtype, combiner=scatter_combiner(op))
        if name == "util.global":
            sym = ir.StringAttr(op.attributes["sym_name"]).value
            if "is_mutable" in op.attributes:
                mutable.add(sym)
            if loc is not None:
                global_at[loc] = sym
        elif name in ("util.global.load", "util.global.store") and loc is not None:
            global_at.setdefault(loc, ir.FlatSymbolRefAttr(op.attributes["global"]).value)


def read_source(text: str, *, filename: str = "<input>", function: str | None = None,
                dims: dict[tuple[int, int], int] | None = None, default_dim: int = DEFAULT_DIM) -> Source:
    """Read `text` with the bindings; `dims` maps (argument, dimension) -> size, (-1, -1) -> every size."""
    from iree.compiler import ir

    with ir.Context():
        try:
            module = ir.Module.parse(text)
        except ir.MLIRError as e:
            diags = getattr(e, "error_diagnostics", None) or []
            if diags:
                loc = file_loc(ir, diags[0].location)
                where = f"{filename}:{loc[0]}:{loc[1]}" if loc else filename
                raise SourceError(_one_line(f"{where}: invalid MLIR: {diags[0].message}")) from None
            raise SourceError(_one_line(f"{filename}: invalid MLIR: {e}")) from None
        entry = _entry(ir, module, function, filename)
        ftype = ir.FunctionType(ir.TypeAttr(entry.attributes["function_type"]).value)
        args = tuple(_arg(ir, t, i, dims, default_dim) for i, t in enumerate(ftype.inputs))
        results = tuple(_arg(ir, t, -2, None, default_dim) for t in ftype.results)
        ops_at: dict[tuple[int, int], SourceOp] = {}
        global_at: dict[tuple[int, int], str] = {}
        names: set[str] = set()
        mutable: set[str] = set()
        globals_ = module_globals(ir, module)
        _index_ops(ir, module, globals_, ops_at, global_at, names, mutable)
        return Source(text, filename, ir.StringAttr(entry.attributes["sym_name"]).value, args, results,
                      ops_at, frozenset(mutable), global_at, frozenset(names),
                      _producers(ir, entry, filename, globals_))
