"""Contractions: named `linalg.matmul` / `batch_matmul` / `matvec`, and transposed matmuls as generics."""

from __future__ import annotations

from hypothesis import strategies as st

from fuzzir.families import Builder, D, Family, multiply_accumulate, register
from fuzzir.model import AffineMap, LinalgOp, Ref, TensorType

NAMED_CONTRACTIONS = ("linalg.matmul", "linalg.batch_matmul", "linalg.matvec")


def matmul(a: Ref, b: Ref, init: Ref, m: int, n: int, k: int, dtype: str,
           transpose_a: bool = False, transpose_b: bool = False, generic: bool = False) -> LinalgOp:
    """C[m,n] += A[m,k] * B[k,n]; as a generic with transposed maps if asked."""
    a_map = (D(2), D(0)) if transpose_a else (D(0), D(2))
    b_map = (D(1), D(2)) if transpose_b else (D(2), D(1))
    named = not (generic or transpose_a or transpose_b)
    return LinalgOp(
        name="linalg.matmul" if named else "linalg.generic",
        family="contraction",
        ins=(a, b),
        init=init,
        bounds=(m, n, k),
        maps=(a_map, b_map, (D(0), D(1))),
        iterators=("parallel", "parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((m, n), dtype),
    )


def batch_matmul(a: Ref, b: Ref, init: Ref, bt: int, m: int, n: int, k: int, dtype: str) -> LinalgOp:
    return LinalgOp(
        name="linalg.batch_matmul",
        family="contraction",
        ins=(a, b),
        init=init,
        bounds=(bt, m, n, k),
        maps=((D(0), D(1), D(3)), (D(0), D(3), D(2)), (D(0), D(1), D(2))),
        iterators=("parallel", "parallel", "parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((bt, m, n), dtype),
    )


def matvec(a: Ref, x: Ref, init: Ref, m: int, k: int, dtype: str) -> LinalgOp:
    return LinalgOp(
        name="linalg.matvec",
        family="contraction",
        ins=(a, x),
        init=init,
        bounds=(m, k),
        maps=((D(0), D(1)), (D(1),), (D(0),)),
        iterators=("parallel", "reduction"),
        body=multiply_accumulate(dtype),
        result_type=TensorType((m,), dtype),
    )


def draw_matmul(b: Builder, constant: bool, generic: bool = False) -> LinalgOp:
    if b.prefer_large(constant):
        m, n = b.draw(st.sampled_from((32, 64))), b.draw(st.sampled_from((16, 64, 128)))
    else:
        m, n = b.dim(), b.dim()
    k = b.dim(1, 16)
    ta = generic and b.draw(st.booleans())
    tb = generic and b.draw(st.booleans())
    if b.hint is not None and len(b.hint.shape) == 2 and not b.prefer_large(constant):
        m, k = reversed(b.hint.shape) if ta else b.hint.shape
    lhs = b.input(b.out_type((k, m) if ta else (m, k)))
    rhs = b.input(b.out_type((n, k) if tb else (k, n)))
    init = b.init(b.out_type((m, n)), constant)
    return matmul(lhs, rhs, init, m, n, k, b.dtype, ta, tb, generic=generic)


def draw_batch_matmul(b: Builder, constant: bool) -> LinalgOp:
    bt, m, n, k = b.dim(1, 4), b.dim(), b.dim(), b.dim()
    if b.prefer_large(constant):
        m, n = b.draw(st.sampled_from((32, 64))), b.draw(st.sampled_from((16, 32)))
    lhs = b.input(b.out_type((bt, m, k)))
    rhs = b.input(b.out_type((bt, k, n)))
    init = b.init(b.out_type((bt, m, n)), constant)
    return batch_matmul(lhs, rhs, init, bt, m, n, k, b.dtype)


def draw_matvec(b: Builder, constant: bool) -> LinalgOp:
    m = b.draw(st.sampled_from((512, 1024))) if b.prefer_large(constant) else b.dim(1, 16)
    k = b.dim(1, 16)
    a = b.input(b.out_type((m, k)))
    x = b.input(b.out_type((k,)))
    return matvec(a, x, b.init(b.out_type((m,)), constant), m, k, b.dtype)


def draw(b: Builder, kind: str, constant: bool) -> LinalgOp:
    if kind == "matmul":
        return draw_matmul(b, constant)
    if kind == "contraction_generic":
        return draw_matmul(b, constant, generic=True)
    if kind == "batch_matmul":
        return draw_batch_matmul(b, constant)
    if kind == "matvec":
        return draw_matvec(b, constant)
    raise ValueError(f"the contraction family draws no {kind!r}")


def classify(name: str, iterators: tuple[str, ...], maps: tuple[AffineMap, ...]) -> bool:
    """Two inputs and one out, one reduction loop that both inputs index: a (possibly transposed) matmul."""
    if len(maps) != 3 or iterators.count("reduction") != 1:
        return False
    red = iterators.index("reduction")
    return all(any(e.terms and e.terms[0][0] == red for e in m) for m in maps[:2])


register(Family("contraction", ("matmul", "batch_matmul", "matvec", "contraction_generic"), draw,
                named_ops=NAMED_CONTRACTIONS, classify=classify, order=20, parse_priority=20))
