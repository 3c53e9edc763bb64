"""IR checks: constants used as linalg destinations must never be written.

When IREE fails to decouple a linalg op whose ``outs`` operand is a constant, the
constant reaches a dispatch through a readwrite binding (flow: a ``flow.dispatch``
result tied to a constant operand) and the stream dialect inserts a copy-on-write
(``stream.cmd.copy`` from a ``!stream.resource<constant>`` into a resource that a
dispatch then binds ``rw``).  These checks find both on the compiled IR of each
phase and name the source op and constant from the emitter's name locations.

The IR is parsed with IREE's own MLIR Python bindings; regular expressions are only
used on printed locations and types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from iree.compiler import ir

__all__ = ["IRParseError", "IRViolation", "check_ir"]

READWRITE_CONSTANT = "readwrite-constant"
CONSTANT_COPY = "constant-copy"

# Phases whose IR still holds the source program's constants with their own
# locations; used to name a constant that IREE re-materialized (e.g. reshaped).
_SOURCE_PHASES = ("global-optimization", "preprocessing", "abi", "input")

# Stream resource access bits (IREE's ResourceAccessBitfield).
_ACCESS_WRITE = 2

_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FILE_SUFFIX_RE = re.compile(r":(\d+):(\d+)")
_DISPATCH_TENSOR_RE = re.compile(r"dispatch\.tensor<(readonly|writeonly|readwrite):tensor<([^>]*)>")
_ELEMENT_BYTES = {"i1": 1, "i8": 1, "i16": 2, "f16": 2, "bf16": 2, "i32": 4, "f32": 4, "i64": 8, "f64": 8}


class IRParseError(ValueError):
    """A phase's IR file could not be read or parsed."""


@dataclass(frozen=True)
class IRViolation:
    """One constant that a compiled program writes (or copies in order to write)."""

    kind: str  # "readwrite-constant" or "constant-copy"
    op: str  # source op's name loc, else dispatch entry point
    constant: str  # constant's name loc, else global symbol, else its type
    phase: str  # "flow" or "stream"
    message: str  # one line


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class _Loc:
    """Name and file locations found in one printed MLIR location, callee first."""

    names: tuple[str, ...]
    files: tuple[str, ...]


def _parse_loc(loc: ir.Location) -> _Loc:
    """Split a printed location into name locs and file:line:col locs.

    The Python bindings shipped with IREE expose no accessors for location
    structure, so the printed form (always inline, never aliased) is scanned: a
    quoted string followed by ``:line:col`` is a file location, any other quoted
    string is a name location.
    """
    text = str(loc)
    names: list[str] = []
    files: list[str] = []
    for m in _STRING_RE.finditer(text):
        s = m.group(1).replace('\\"', '"').replace("\\\\", "\\")
        tail = _FILE_SUFFIX_RE.match(text, m.end())
        if tail:
            files.append(f"{s}:{tail.group(1)}:{tail.group(2)}")
        elif s not in names:
            names.append(s)
    return _Loc(tuple(names), tuple(files))


# --------------------------------------------------------------------------- IR helpers


def _walk(op: ir.Operation) -> Iterator[ir.Operation]:
    """Pre-order walk of all nested operations (without the callback API)."""
    for region in op.regions:
        for block in region.blocks:
            for child in block.operations:
                child = child.operation
                yield child
                yield from _walk(child)


def _defining_op(value: ir.Value) -> ir.Operation | None:
    owner = value.owner
    if isinstance(owner, ir.Block):
        return None
    return owner.operation if hasattr(owner, "operation") else owner


def _segments(op: ir.Operation) -> list[int] | None:
    if "operandSegmentSizes" not in op.attributes:
        return None
    return list(ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"]))


def _segment(op: ir.Operation, index: int) -> list[ir.Value]:
    """Operands of the ``index``-th operand segment (all operands when unsegmented)."""
    sizes = _segments(op)
    operands = list(op.operands)
    if sizes is None:
        return operands
    start = sum(sizes[:index])
    return operands[start : start + sizes[index]]


def _int_list(attr: ir.Attribute) -> list[int]:
    return [ir.IntegerAttr(a).value for a in ir.ArrayAttr(attr)]


def _const_index(value: ir.Value) -> int | None:
    """The value of an ``arith.constant`` index/integer, else None."""
    op = _defining_op(value)
    if op is None or op.name != "arith.constant":
        return None
    try:
        return ir.IntegerAttr(op.attributes["value"]).value
    except (ValueError, KeyError):
        return None


def _symbol(op: ir.Operation) -> str | None:
    if "sym_name" not in op.attributes:
        return None
    return ir.StringAttr(op.attributes["sym_name"]).value


def _flat_symbol(attr: ir.Attribute) -> str:
    """``@a::@b`` -> ``a::b``, ``@a`` -> ``a``."""
    return str(attr).replace("@", "").replace('"', "")


@dataclass
class _Module:
    """One parsed phase with symbol tables for globals and executable entry points."""

    phase: str
    module: ir.Module
    globals: dict[str, ir.Operation] = field(default_factory=dict)
    stored_globals: set[str] = field(default_factory=set)
    entries: dict[str, ir.Operation] = field(default_factory=dict)  # "exe::fn" -> func.func
    funcs: list[ir.Operation] = field(default_factory=list)  # host functions / initializers

    @classmethod
    def parse(cls, phase: str, path: str, ctx: ir.Context) -> _Module:
        try:
            text = Path(path).read_text()
        except OSError as e:
            raise IRParseError(f"{phase}: cannot read {path}: {e.strerror}") from e
        try:
            module = ir.Module.parse(text, ctx)
        except Exception as e:  # MLIRError carries a multi-line diagnostic
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise IRParseError(f"{phase}: cannot parse {path}: {first}") from e
        self = cls(phase, module)
        for op in module.body.operations:
            op = op.operation
            if op.name == "util.global":
                self.globals[_symbol(op) or ""] = op
            elif op.name in ("flow.executable", "stream.executable"):
                self._index_executable(op)
            elif op.name in ("util.func", "func.func", "util.initializer"):
                self.funcs.append(op)
        for fn in self.funcs:
            if fn.name == "util.initializer":
                continue
            for op in _walk(fn):
                if op.name == "util.global.store":
                    self.stored_globals.add(_flat_symbol(op.attributes["global"]))
        return self

    def _index_executable(self, exe: ir.Operation) -> None:
        exe_name = _symbol(exe) or ""
        for op in _walk(exe):
            if op.name == "func.func":
                self.entries[f"{exe_name}::{_symbol(op)}"] = op


# --------------------------------------------------------------------------- constants


@dataclass(frozen=True)
class _Const:
    """A constant source found by tracing use-def chains."""

    loc: _Loc
    symbol: str | None  # global symbol when held in a util.global
    type: str


def _global_const(mod: _Module, sym: str, load: ir.Operation) -> _Const | None:
    """The constant held by an immutable global (tensor initial value or constant resource)."""
    glob = mod.globals.get(sym)
    if glob is None or sym in mod.stored_globals:
        return None
    gtype = str(ir.TypeAttr(glob.attributes["type"]).value)
    has_value = "initial_value" in glob.attributes and gtype.startswith("tensor<")
    if not has_value and "!stream.resource<constant>" not in gtype:
        return None
    names = _parse_loc(glob.location).names + _parse_loc(load.location).names
    return _Const(_Loc(tuple(dict.fromkeys(names)), _parse_loc(glob.location).files), sym, gtype)


# Ops whose (first) result is its first operand's data, reshaped or moved.
_PASS_THROUGH = {
    "flow.tensor.reshape",
    "flow.tensor.bitcast",
    "flow.tensor.transfer",
    "flow.tensor.clone",
    "tensor.cast",
    "tensor.reshape",
    "tensor.collapse_shape",
    "tensor.expand_shape",
    "iree_tensor_ext.compute_barrier.start",
    "iree_tensor_ext.compute_barrier.end",
    "util.optimization_barrier",
}


def _trace_tensor_const(mod: _Module, value: ir.Value, depth: int = 0) -> _Const | None:
    """Follow a tensor SSA value back to a constant, through reshapes and scf values."""
    if depth > 64:
        return None
    op = _defining_op(value)
    if op is None:
        return _trace_block_arg(mod, value, depth)
    name = op.name
    if name in ("arith.constant", "flow.tensor.constant"):
        if not str(value.type).startswith("tensor<"):
            return None
        return _Const(_parse_loc(op.location), None, str(value.type))
    if name == "util.global.load":
        return _global_const(mod, _flat_symbol(op.attributes["global"]), op)
    if name in _PASS_THROUGH and len(op.operands):
        return _trace_tensor_const(mod, op.operands[0], depth + 1)
    if name == "scf.for":
        index = list(op.results).index(value)
        return _trace_tensor_const(mod, op.operands[3 + index], depth + 1)
    if name == "scf.if":
        index = list(op.results).index(value)
        for region in op.regions:
            for block in region.blocks:
                term = list(block.operations)[-1].operation
                found = _trace_tensor_const(mod, term.operands[index], depth + 1)
                if found:
                    return found
    return None


def _trace_block_arg(mod: _Module, value: ir.Value, depth: int) -> _Const | None:
    """An scf.for iter_arg starts as the loop's init value."""
    arg = ir.BlockArgument(value)
    parent = arg.owner.owner
    if parent is not None and parent.name == "scf.for" and arg.arg_number >= 1:
        return _trace_tensor_const(mod, parent.operands[2 + arg.arg_number], depth + 1)
    return None


def _const_label(
    const: _Const, op_names: tuple[str, ...], recovered: str | None, tensor_type: str | None = None
) -> str:
    """Name loc, else recovered source name, else user global symbol, else tensor type.

    Stream constants are untyped resources; ``tensor_type`` (the dispatch binding's
    tensor) keeps their fallback name equal to the flow phase's, so they dedupe.
    """
    names = [n for n in const.loc.names if n not in op_names]
    if names:
        return names[0]
    if recovered:
        return recovered
    if const.symbol and not const.symbol.startswith("__"):
        return f"@{const.symbol}"
    if not const.type.startswith("!stream"):
        return const.type
    return tensor_type or const.symbol or const.type


# --------------------------------------------------------------------------- op naming


def _writer_names(entry: ir.Operation | None, arg_index: int) -> tuple[str, ...]:
    """Name locs of the ops in a dispatch that store into binding ``arg_index``."""
    if entry is None or not entry.regions or not entry.regions[0].blocks:
        return ()
    block = entry.regions[0].blocks[0]
    if arg_index >= len(block.arguments):
        return ()
    targets = {block.arguments[arg_index]}
    names: list[str] = []
    for op in _walk(entry):
        if op.name == "stream.binding.subspan" and op.operands[0] in targets:
            targets.add(op.results[0])
        elif op.name == "iree_tensor_ext.dispatch.tensor.store" and op.operands[1] in targets:
            src = _defining_op(op.operands[0])
            if src is not None:
                names.extend(_parse_loc(src.location).names)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class _OpLabel:
    label: str
    names: tuple[str, ...]
    entry: str
    where: str  # file:line:col of the dispatch, or ""


def _op_label(
    dispatch: ir.Operation, entry_name: str, writer: tuple[str, ...], const_names: tuple[str, ...]
) -> _OpLabel:
    loc = _parse_loc(dispatch.location)
    # The op writing the binding is the source op even when IREE gave a
    # re-created constant that op's location; the dispatch's own (possibly fused)
    # location may also name constants cloned into it.
    names = writer or tuple(n for n in loc.names if n not in const_names) or loc.names
    short_entry = entry_name.split("::")[-1]
    label = names[0] if names else short_entry
    return _OpLabel(label, names, short_entry, loc.files[0] if loc.files else "")


# --------------------------------------------------------------------------- source map


class _SourceNames:
    """Lazily maps source op names to the names of their constant destinations.

    IREE re-creates a constant when it collapses its shape (the new one carries the
    op's location); the pre-dispatch phase still has the original constant.
    """

    def __init__(self, phase_ir: dict[str, str], ctx: ir.Context) -> None:
        self._phase_ir = phase_ir
        self._ctx = ctx
        self._map: dict[str, str] | None = None

    def lookup(self, op_names: tuple[str, ...]) -> str | None:
        if not op_names:
            return None
        if self._map is None:
            self._map = self._build()
        for name in op_names:
            if name in self._map:
                return self._map[name]
        return None

    def _build(self) -> dict[str, str]:
        result: dict[str, str] = {}
        phase = next((p for p in _SOURCE_PHASES if p in self._phase_ir), None)
        if phase is None:
            return result
        mod = _Module.parse(phase, self._phase_ir[phase], self._ctx)
        for fn in mod.funcs:
            for op in _walk(fn):
                if not op.name.startswith("linalg.") or _segments(op) is None:
                    continue
                op_names = _parse_loc(op.location).names
                for init in _segment(op, 1):
                    const = _trace_tensor_const(mod, init)
                    if const is None:
                        continue
                    label = _const_label(const, op_names, None)
                    for n in op_names:
                        result.setdefault(n, label)
        return result


# --------------------------------------------------------------------------- flow


Report = Callable[[str, _OpLabel, str, str], None]


def _check_flow(mod: _Module, sources: _SourceNames, report: Report) -> None:
    """A flow.dispatch whose result is tied to (or binds readwrite) a constant operand."""
    for fn in mod.funcs:
        for op in _walk(fn):
            if op.name != "flow.dispatch":
                continue
            args = _segment(op, 1)
            written = (
                {i for i in _int_list(op.attributes["tied_operands"]) if i >= 0}
                if "tied_operands" in op.attributes
                else set()
            )
            entry_name = _flat_symbol(ir.ArrayAttr(op.attributes["entry_points"])[0])
            entry = mod.entries.get(entry_name)
            if entry is not None and entry.regions and entry.regions[0].blocks:
                for i, barg in enumerate(entry.regions[0].blocks[0].arguments):
                    m = _DISPATCH_TENSOR_RE.search(str(barg.type))
                    if m and m.group(1) == "readwrite" and i < len(args):
                        written.add(i)
            for i in sorted(written):
                if i >= len(args):
                    continue
                const = _trace_tensor_const(mod, args[i])
                if const is None:
                    continue
                label = _op_label(op, entry_name, _writer_names(entry, i), const.loc.names)
                cname = _const_label(const, label.names, sources.lookup(label.names))
                report(
                    READWRITE_CONSTANT,
                    label,
                    cname,
                    f"constant {cname} reaches dispatch {label.entry} ({label.label}) "
                    "through a readwrite binding",
                )


# --------------------------------------------------------------------------- stream


@dataclass(frozen=True)
class _Range:
    """A byte range of a root resource; None bounds mean unknown."""

    root: object
    offset: int | None
    length: int | None

    def overlaps(self, other: _Range) -> bool:
        if self.root != other.root:
            return False
        if None in (self.offset, self.length, other.offset, other.length):
            return True
        a, b = self.offset, other.offset
        return a < b + other.length and b < a + self.length  # type: ignore[operator]


def _root(mod: _Module, value: ir.Value, offset: int | None) -> tuple[object, int | None]:
    """The resource a value aliases and its byte offset in it.

    Follows stream.cmd.execute captures, stream.timepoint.await and
    stream.resource.subview; an immutable global load roots at the global.
    """
    for _ in range(64):
        op = _defining_op(value)
        if op is None:
            arg = ir.BlockArgument(value)
            parent = arg.owner.owner
            if parent is not None and parent.name == "stream.cmd.execute":
                value = _segment(parent, 0)[arg.arg_number]
                continue
            return value, offset
        if op.name == "stream.timepoint.await":
            value = _segment(op, 0)[list(op.results).index(value)]
            continue
        if op.name == "stream.resource.subview":
            sub = _const_index(op.operands[1])
            offset = None if offset is None or sub is None else offset + sub
            value = op.operands[0]
            continue
        if op.name == "util.global.load":
            return ("global", _flat_symbol(op.attributes["global"])), offset
        return value, offset
    return value, offset


def _stream_const(mod: _Module, value: ir.Value) -> _Const | None:
    """The constant a stream resource holds, when its type or root says it is one."""
    op = _defining_op(value)
    seen = 0
    while seen < 64:
        seen += 1
        if op is None:
            arg = ir.BlockArgument(value)
            parent = arg.owner.owner
            if parent is not None and parent.name == "stream.cmd.execute":
                value = _segment(parent, 0)[arg.arg_number]
                op = _defining_op(value)
                continue
            break
        if op.name in ("stream.timepoint.await", "stream.resource.subview"):
            value = (
                _segment(op, 0)[list(op.results).index(value)]
                if op.name == "stream.timepoint.await"
                else op.operands[0]
            )
            op = _defining_op(value)
            continue
        if op.name == "util.global.load":
            return _global_const(mod, _flat_symbol(op.attributes["global"]), op)
        break
    if "!stream.resource<constant>" in str(value.type):
        loc = _parse_loc(op.location) if op is not None else _Loc((), ())
        return _Const(loc, None, str(value.type))
    return None


def _binding_tensor_type(entry: ir.Operation | None, binding: int) -> str | None:
    """The tensor type a dispatch writes through its ``binding``-th !stream.binding."""
    if entry is None or not entry.regions or not entry.regions[0].blocks:
        return None
    arg = entry.regions[0].blocks[0].arguments[_binding_arg(entry, binding)]
    for op in _walk(entry):
        if op.name == "stream.binding.subspan" and op.operands[0] == arg:
            m = _DISPATCH_TENSOR_RE.search(str(op.results[0].type))
            if m and m.group(1) != "readonly":
                return f"tensor<{m.group(2)}>"
    return None


def _binding_span(entry: ir.Operation | None, binding: int) -> tuple[int, int] | None:
    """(offset, bytes) a dispatch writes in its ``binding``-th !stream.binding, if static."""
    if entry is None or not entry.regions or not entry.regions[0].blocks:
        return None
    bargs = [a for a in entry.regions[0].blocks[0].arguments if str(a.type) == "!stream.binding"]
    if binding >= len(bargs):
        return None
    spans = []
    for op in _walk(entry):
        if op.name != "stream.binding.subspan" or op.operands[0] != bargs[binding]:
            continue
        m = _DISPATCH_TENSOR_RE.search(str(op.results[0].type))
        if m is None or m.group(1) == "readonly":
            continue
        off = _const_index(op.operands[1])
        *dims, elem = m.group(2).split("x")
        if off is None or elem not in _ELEMENT_BYTES or not all(d.isdigit() for d in dims):
            return None
        size = _ELEMENT_BYTES[elem]
        for d in dims:
            size *= int(d)
        spans.append((off, off + size))
    if not spans:
        return None
    lo = min(s for s, _ in spans)
    return lo, max(e for _, e in spans) - lo


@dataclass(frozen=True)
class _RwUse:
    range: _Range
    dispatch: ir.Operation
    entry_name: str
    binding: int


def _check_stream(mod: _Module, sources: _SourceNames, report: Report) -> None:
    """A constant copied into a resource that a dispatch then binds read-write."""
    for fn in mod.funcs:
        if fn.name == "util.initializer":
            continue
        rw_uses: list[_RwUse] = []
        copies: list[tuple[ir.Operation, _Const, _Range]] = []
        for op in _walk(fn):
            if op.name == "stream.cmd.dispatch":
                resources = _segment(op, 2)
                offsets = _segment(op, 4)
                lengths = _segment(op, 5)
                accesses = _int_list(op.attributes["resource_accesses"])
                entry_name = _flat_symbol(ir.ArrayAttr(op.attributes["entry_points"])[0])
                entry = mod.entries.get(entry_name)
                for i, res in enumerate(resources):
                    if not accesses[i] & _ACCESS_WRITE or not accesses[i] & 1:
                        continue  # only read-write bindings: wo is a plain result
                    root, base = _root(mod, res, _const_index(offsets[i]))
                    length = _const_index(lengths[i])
                    span = _binding_span(entry, i)
                    if span is not None and base is not None:
                        base, length = base + span[0], span[1]
                    rw_uses.append(_RwUse(_Range(root, base, length), op, entry_name, i))
                    const = _stream_const(mod, res)
                    if const is not None:
                        writer = _writer_names(entry, _binding_arg(entry, i))
                        label = _op_label(op, entry_name, writer, const.loc.names)
                        cname = _const_label(
                            const,
                            label.names,
                            sources.lookup(label.names),
                            _binding_tensor_type(entry, i),
                        )
                        report(
                            READWRITE_CONSTANT,
                            label,
                            cname,
                            f"constant {cname} is bound read-write by dispatch {label.entry} ({label.label})",
                        )
            elif op.name == "stream.cmd.copy":
                src, dst = op.operands[0], op.operands[3]
                if "!stream.resource<constant>" in str(dst.type):
                    continue  # constant-to-constant staging during initialization
                const = _stream_const(mod, src)
                if const is None:
                    continue
                root, off = _root(mod, dst, _const_index(op.operands[5]))
                copies.append((op, const, _Range(root, off, _const_index(op.operands[6]))))
        for _copy, const, target in copies:
            for use in rw_uses:
                if not use.range.overlaps(target):
                    continue
                entry = mod.entries.get(use.entry_name)
                label = _op_label(
                    use.dispatch,
                    use.entry_name,
                    _writer_names(entry, _binding_arg(entry, use.binding)),
                    const.loc.names,
                )
                cname = _const_label(
                    const,
                    label.names,
                    sources.lookup(label.names),
                    _binding_tensor_type(entry, use.binding),
                )
                report(
                    CONSTANT_COPY,
                    label,
                    cname,
                    f"constant {cname} is copied for dispatch {label.entry} "
                    f"({label.label}) to write it in place",
                )
                report(
                    READWRITE_CONSTANT,
                    label,
                    cname,
                    f"constant {cname} reaches dispatch {label.entry} ({label.label}) "
                    "through a readwrite binding (after a copy-on-write)",
                )


def _binding_arg(entry: ir.Operation | None, binding: int) -> int:
    """Block argument index of the ``binding``-th !stream.binding argument."""
    if entry is None or not entry.regions or not entry.regions[0].blocks:
        return binding
    seen = -1
    for i, arg in enumerate(entry.regions[0].blocks[0].arguments):
        if str(arg.type) == "!stream.binding":
            seen += 1
            if seen == binding:
                return i
    return binding


# --------------------------------------------------------------------------- entry point


def check_ir(phase_ir: dict[str, str]) -> list[IRViolation]:
    """Check the flow and stream phases of one compile for written constants.

    ``phase_ir`` maps a phase name ("flow", "stream", maybe "global-optimization",
    used only to recover constant names) to the file holding that phase's IR.
    Returns one violation per (kind, op, constant); flow findings come first.
    """
    ctx = ir.Context()  # fresh per call: large constants are uniqued for its lifetime
    ctx.allow_unregistered_dialects = True
    sources = _SourceNames(phase_ir, ctx)
    found: dict[tuple[str, str, str], IRViolation] = {}

    def report_for(phase: str) -> Report:
        def report(kind: str, label: _OpLabel, constant: str, message: str) -> None:
            key = (kind, label.label, constant)
            if key not in found:
                where = f" at {label.where}" if label.where else ""
                found[key] = IRViolation(kind, label.label, constant, phase, f"[{phase}] {message}{where}")

        return report

    for phase, check in (("flow", _check_flow), ("stream", _check_stream)):
        if phase in phase_ir:
            check(_Module.parse(phase, phase_ir[phase], ctx), sources, report_for(phase))
    return list(found.values())
