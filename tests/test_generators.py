"""Tests for the program generator and the op-family registry it draws from.

Seeded generation must be reproducible (campaigns and `fuzzir gen --seed` rely on it), the
strategy knobs must restrict what is drawn, and every registered family must survive
emit -> parse with its family intact, since findings are signed by family.
"""

from __future__ import annotations

import hashlib
import os
import pkgutil
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from fuzzir import families as fam
from fuzzir.emit import emit
from fuzzir.generators.programs import OP_KINDS, generate, programs
from fuzzir.model import CONSTANT_INIT_KINDS, DTYPES, InitKind, Program
from fuzzir.parse import parse_program

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(12)


def _digest(seed: int, **kwargs: object) -> str:
    return hashlib.sha256(emit(generate(seed, **kwargs)).encode()).hexdigest()


# ---- determinism -----------------------------------------------------------------------------

def test_same_seed_same_bytes_in_this_process_another_thread_and_another_process() -> None:
    here = [_digest(s) for s in SEEDS]
    assert here == [_digest(s) for s in SEEDS]
    with ThreadPoolExecutor(max_workers=4) as pool:  # campaigns generate in worker threads
        assert list(pool.map(_digest, [*SEEDS, *SEEDS])) == here + here
    script = ("import hashlib; from fuzzir.emit import emit; from fuzzir.generators.programs import generate; "
              f"print(' '.join(hashlib.sha256(emit(generate(s)).encode()).hexdigest() for s in {list(SEEDS)}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}, cwd=ROOT).stdout
    assert out.split() == here


def test_different_seeds_give_varied_programs() -> None:
    texts = {emit(generate(s)) for s in range(40)}
    assert len(texts) >= 38
    assert len({len(generate(s).ops) for s in range(40)}) > 1


def test_knob_order_and_container_do_not_change_the_program() -> None:
    a = emit(generate(5, init_kinds={"global", "splat"}, dtypes=["i8", "f32"]))
    b = emit(generate(5, init_kinds=("splat", "global"), dtypes=("f32", "i8")))
    assert a == b


# ---- knobs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", fam.FAMILIES)
def test_families_knob_draws_only_that_family(name: str) -> None:
    for seed in SEEDS:
        assert {op.family for op in generate(seed, families=(name,)).ops} == {name}


@pytest.mark.parametrize("kind", [str(k) for k in CONSTANT_INIT_KINDS])
def test_init_kinds_knob_sets_the_focus_constant(kind: str) -> None:
    drawn = []
    for seed in SEEDS:
        p = generate(seed, init_kinds=(kind,))
        assert p.constant_init_ops()
        drawn.append({p.init_kind(op) for op in p.ops})
    # The focus op writes into `kind`; the other ops draw their init from every kind.
    assert all(InitKind(kind) in kinds for kinds in drawn)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtypes_knob(dtype: str) -> None:
    for seed in SEEDS:
        p = generate(seed, dtypes=(dtype,))
        assert p.dtypes() == [dtype]


def test_op_kinds_still_selects_kinds_and_intersects_families() -> None:
    for seed in SEEDS:
        assert {op.name for op in generate(seed, op_kinds=("matmul",)).ops} == {"linalg.matmul"}
        p = generate(seed, families=("contraction", "convolution"), op_kinds=("matvec", "conv", "pooling"))
        assert {op.name for op in p.ops} <= {"linalg.matvec", "linalg.conv_2d_nhwc_hwcf", "linalg.conv_2d_nchw_fchw"}


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(programs(families=("reduction", "pooling"), init_kinds=("splat", "large"), dtypes=("f16",), max_ops=2))
def test_knobs_hold_under_given(p: Program) -> None:
    assert {op.family for op in p.ops} <= {"reduction", "pooling"}
    assert p.dtypes() == ["f16"] and 1 <= len(p.ops) <= 2
    assert {p.init_kind(op) for op in p.ops} & {InitKind.SPLAT, InitKind.LARGE}


@pytest.mark.parametrize("knobs,valid", [
    ({"families": ("matmul",)}, "elementwise, reduction, reduce, contraction, convolution, pooling"),
    ({"init_kinds": ("fill",)}, "splat, nonsplat, global, large"),
    ({"init_kinds": ()}, "splat, nonsplat, global, large"),
    ({"dtypes": ("f64",)}, "f32, f16, i32, i8"),
    ({"op_kinds": ("gemm",)}, ", ".join(OP_KINDS)),
    ({"families": ("pooling",), "op_kinds": ("matmul",)}, "matmul"),
    ({"max_ops": 0}, "positive integer"),
    ({"values": "approx"}, "exact, float"),
])
def test_bad_knob_is_a_value_error_naming_the_valid_values(knobs: dict, valid: str) -> None:
    with pytest.raises(ValueError, match=re.escape(valid)):
        programs(**knobs)  # raised when the strategy is built, not when it is drawn
    with pytest.raises(ValueError, match=re.escape(valid)):
        generate(0, **knobs)


# ---- the registry ----------------------------------------------------------------------------

def test_every_family_module_registers_and_every_family_is_drawn_by_default() -> None:
    modules = {m.name for m in pkgutil.iter_modules(fam.__path__) if not m.name.startswith("_")}
    assert {f.draw.__module__.rsplit(".", 1)[1] for f in fam.all_families()} == modules
    assert set(fam.FAMILIES) == modules
    assert fam.OP_KINDS == OP_KINDS and len(set(OP_KINDS)) == len(OP_KINDS)
    drawn = {op.family for s in range(60) for op in generate(s).ops}
    assert drawn == set(fam.FAMILIES)


@pytest.mark.parametrize("name", fam.FAMILIES)
def test_each_family_round_trips_through_emit_and_parse(name: str) -> None:
    for seed in range(6):
        program = generate(seed, families=(name,), max_ops=3)
        text = emit(program)
        parsed = parse_program(text)
        assert [op.family for op in parsed.ops] == [op.family for op in program.ops] == [name] * len(program.ops)
        assert emit(parsed) == text


def test_registry_rejects_duplicates_and_unknown_names() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        fam.register(fam.get("pooling"))
    with pytest.raises(ValueError, match="already belongs"):
        fam.register(fam.Family("pooling2", ("pooling",), fam.get("pooling").draw))
    with pytest.raises(ValueError, match="valid: elementwise"):
        fam.get("winograd")
    assert fam.family_of("linalg.matvec") == "contraction"
    assert set(fam.NAMED_OPS) == {op for f in fam.all_families() for op in f.named_ops}


# ---- layering --------------------------------------------------------------------------------

def _sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_no_hypothesis_internals_are_imported() -> None:
    internal = re.compile(r"^\s*(from\s+hypothesis\.internal\b|import\s+hypothesis\.internal\b"
                          r"|from\s+hypothesis\s+import\s+[^#\n]*\binternal\b)", re.M)
    sources = _sources("fuzzir", "generators", "oracles")
    assert len(sources) > 10
    offenders = [str(p.relative_to(ROOT)) for p in sources if internal.search(p.read_text())]
    assert not offenders, f"hypothesis internals imported in {offenders}"


def test_families_do_not_import_the_generators() -> None:
    imports_generators = re.compile(
        r"^\s*(from|import)\s+fuzzir\.generators\b|^\s*from\s+fuzzir\s+import\s+[^#\n]*\bgenerators\b", re.M)
    offenders = [p.name for p in _sources("fuzzir/families") if imports_generators.search(p.read_text())]
    assert not offenders
