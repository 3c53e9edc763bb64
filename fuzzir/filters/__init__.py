"""Known-issue filters: symptoms with one root cause already understood.

A fuzzer that reports one root cause as fifty findings buries everything else.
Each filter recognizes a symptom whose cause was established by hand (its
docstring says how) and gives it a fixed `known` tag; the signature then uses
the tag instead of the op family and init kind, so all its copies merge into
one finding, which is still stored, minimized and replayed like any other.

Adding a filter is adding a module to this package with a function decorated
`@register("tag")` (copy `vmvx_f16.py`); modules are discovered at import time.
Filters are tried in the order of their module names, first match wins.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from fuzzir.findings import Observation
from fuzzir.model import Program
from fuzzir.source import Source, SourceOp

#: A filter sees the program model, or for a program outside it the `Source` (which has `dtypes()`
#: too; observations of such programs carry no op index).
Filter = Callable[[Program | Source, Observation], bool]
FILTERS: dict[str, Filter] = {}


def register(tag: str) -> Callable[[Filter], Filter]:
    def add(fn: Filter) -> Filter:
        if tag in FILTERS:
            raise ValueError(f"two known-issue filters tagged {tag!r}")
        FILTERS[tag] = fn
        return fn
    return add


def element_types(program: Program | Source) -> list[str]:
    """Every element type the program computes in: its tensors' and, for a model, its bodies' own."""
    inner = program.body_dtypes() if isinstance(program, Program) else []
    return [*program.dtypes(), *inner]


def miscompiled_op(program: Program | Source, o: Observation, *, target: str | None = None,
                   variant: str | None = None) -> int | None:
    """The model op producing the wrong output a miscompile names (only on `target`, in `variant`
    when given); None for another symptom, no named op, or a program outside the model."""
    i = o.op_index
    if (o.kind != "miscompile" or i is None or not isinstance(program, Program) or i >= len(program.ops)
            or target not in (None, o.target) or variant not in (None, o.variant)):
        return None
    return i


def upstream_ops(program: Program, i: int) -> set[int]:
    """Op `i` and every op whose result reaches it: wrong values flow on, so a miscompile seen at
    an op reading a broken op's result (even a plain copy) is the broken op's."""
    seen, todo = set(), [i]
    while todo:
        k = todo.pop()
        if k not in seen:
            seen.add(k)
            todo.extend(r.index for r in program.ops[k].operands if r.kind == "op")
    return seen


def upstream_source_ops(source: Source, o: Observation) -> list[SourceOp]:
    """For a program outside the model: the ops (in the user's file) whose values reach a result
    produced by the op a miscompile names, that op included (`upstream_ops` for a `Source`)."""
    if o.kind != "miscompile" or not o.op_name:
        return []
    locs = set().union(*(p.upstream for p in source.producers if p.op == o.op_name))
    return [op for loc, op in sorted(source.ops_at.items()) if loc in locs]


def tag(program: Program | Source, observations: list[Observation]) -> list[Observation]:
    """The observations with `known` set where a filter recognizes them."""
    out = []
    for o in observations:
        for name, matches in FILTERS.items():
            if matches(program, o):
                o = o.with_known(name)
                break
        out.append(o)
    return out


for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")
