"""Linalg body expressions for the generator: trees of arith ops over a region's block arguments.

Most nodes are binary ops of the body's element type; one inner node in three is a typed
form: `arith.select` on an `arith.cmpf`/`cmpi` (an i1 value), a round trip through
another element type (`sitofp`/`fptosi`, `extf`/`truncf`, `extsi`/`trunci` around an op
computed in that type), or an integer `divsi`/`remsi` whose divisor is guarded against
zero (and, for two guards of three, against -1: INT_MIN / -1 overflows). Whether the values
then stay exact (a cast that does not fit, a truncation that overflows) is the numpy
reference's to say, on the drawn inputs: it abstains where it cannot judge.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from fuzzir.model import (
    BINARY_FLOAT,
    BINARY_INT,
    CMPF_PREDICATES,
    CMPI_PREDICATES,
    DIVISION_INT,
    DTYPES,
    Expr,
    bits,
    is_float,
)


def _tag(t: str, dtype: str) -> str:
    """An Expr's `dtype`: empty for the body's own element type."""
    return "" if t == dtype else t


def _convert(e: Expr, src: str, dst: str, dtype: str) -> Expr:
    """`e` (of type `src`) cast to `dst` with the one arith cast between them."""
    if is_float(src) != is_float(dst):
        op = "fptosi" if is_float(src) else "sitofp"
    elif is_float(src):
        op = "extf" if bits(dst) > bits(src) else "truncf"
    else:
        op = "extsi" if bits(dst) > bits(src) else "trunci"
    return Expr(op, (e,), dtype=_tag(dst, dtype))


def _round_trip_types(t: str) -> list[str]:
    """Types a `t` value can be cast to and back (f16 <-> bf16 has no direct cast)."""
    return [u for u in DTYPES if u != t and not (is_float(u) and is_float(t) and bits(u) == bits(t))]



def body_expr(draw: st.DrawFn, dtype: str, values: str, n_ins: int, allow_out: bool, depth: int = 2) -> Expr:
    """A body of the program's element type over block args 0..n_ins (the out when `allow_out`).

    One inner node in three is one of the typed forms (`_special`): a select on a compare,
    a round trip through another type, or (integers) a guarded divsi/remsi."""
    leaves = list(range(n_ins + (1 if allow_out else 0)))

    def leaf(t: str) -> Expr:
        if draw(st.integers(0, 5)) == 0:
            return Expr.const(draw(st.integers(-2, 2)), _tag(t, dtype))
        a = Expr.arg(draw(st.sampled_from(leaves)))
        return a if t == dtype else _convert(a, dtype, t, dtype)

    def tree(d: int, t: str) -> Expr:
        if d == 0 or draw(st.booleans()):
            return leaf(t)
        if draw(st.integers(0, 2)) == 0:
            return _special(draw, dtype, values, d, t, tree)
        return binary(d, t)

    def binary(d: int, t: str) -> Expr:
        ops = BINARY_FLOAT if is_float(t) else BINARY_INT
        return Expr(draw(st.sampled_from(ops)), (tree(d - 1, t), tree(d - 1, t)), dtype=_tag(t, dtype))

    e = binary(depth, dtype)
    if allow_out and not e.reads(n_ins) and draw(st.booleans()):
        ops = BINARY_FLOAT if is_float(dtype) else BINARY_INT
        e = Expr(draw(st.sampled_from(ops)), (e, Expr.arg(n_ins)))
    return e


def _special(draw: st.DrawFn, dtype: str, values: str, d: int, t: str, tree: Callable[[int, str], Expr]) -> Expr:
    """select(cmp(x, y), a, b); cast back(op(cast x, cast y)) through another type; a guarded division.

    Compares of floats and float-to-int casts are exact only on exact values: with float-mode
    values (never exact) they would leave the program unjudged, so they are not drawn then."""
    exact = values == "exact" or not is_float(dtype)
    forms = ["cast"] + (["select"] if exact or not is_float(t) else []) + ([] if is_float(t) else ["div"])
    form = draw(st.sampled_from(forms))
    if form == "select":
        cmp, preds = ("cmpf", CMPF_PREDICATES) if is_float(t) else ("cmpi", CMPI_PREDICATES)
        cond = Expr(cmp, (tree(d - 1, t), tree(d - 1, t)), dtype="i1", pred=draw(st.sampled_from(preds)))
        return Expr("select", (cond, tree(d - 1, t), tree(d - 1, t)), dtype=_tag(t, dtype))
    if form == "div":
        x = tree(d - 1, t)
        guard = draw(st.integers(0, 2))
        if guard == 0:  # select(x == 0, 1, x): no zero divisor (INT_MIN / -1 stays possible: the
            # reference reports it as undefined, and abstains)
            is_zero = Expr("cmpi", (x, Expr.const(0, _tag(t, dtype))), dtype="i1", pred="eq")
            divisor = Expr("select", (is_zero, Expr.const(1, _tag(t, dtype)), x), dtype=_tag(t, dtype))
        elif guard == 1:  # max(|x|, 1) >= 1 (|INT_MIN| wraps to INT_MIN)
            divisor = Expr("maxsi", (Expr("absi", (x,), dtype=_tag(t, dtype)), Expr.const(1, _tag(t, dtype))),
                           dtype=_tag(t, dtype))
        else:  # (x | 2) & -2: bit 1 set, bit 0 clear: never 0 nor -1, either sign
            divisor = Expr("andi", (Expr("ori", (x, Expr.const(2, _tag(t, dtype))), dtype=_tag(t, dtype)),
                                    Expr.const(-2, _tag(t, dtype))), dtype=_tag(t, dtype))
        return Expr(draw(st.sampled_from(DIVISION_INT)), (tree(d - 1, t), divisor), dtype=_tag(t, dtype))
    others = [u for u in _round_trip_types(t) if exact or is_float(u) == is_float(t)]
    u = draw(st.sampled_from(others))
    ops = BINARY_FLOAT if is_float(u) else BINARY_INT
    inner = Expr(draw(st.sampled_from(ops)), (tree(d - 1, u), tree(d - 1, u)), dtype=_tag(u, dtype))
    return _convert(inner, u, t, dtype)
