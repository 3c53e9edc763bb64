"""fuzzir's verdicts on IREE's own e2e tests, against verdicts established without fuzzir.

`tests/data/iree_e2e/` holds programs converted from IREE's `tests/e2e` suites by
`scripts/convert_iree_e2e.py` (see its README), and `expected.json`: per program, `defect`
or `clean` at llvm-cpu, established with IREE's compiler and runtime, numpy and the
tests' own expected values (the `verdicts` step of the script; it never imports fuzzir).
The narrow-N matmul tests are expected defects (IREE 3.13 writes their constant
accumulator in place), as are the others whose `util.unfoldable_constant` destination IREE
binds read-write (an insert_slice, sorts, a masked scatter: a module loaded by `mmap` faults
on the first call); splat destinations (scan, scatter, top-k, dynamic-update-slice) are
expected clean.

The whole set is slow (one compile and run per program); the fast test takes three.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import fuzzir

DATA = Path(__file__).parent / "data" / "iree_e2e"
EXPECTED: dict[str, dict] = json.loads((DATA / "expected.json").read_text())

pytestmark = pytest.mark.skipif(shutil.which("iree-compile") is None, reason="needs iree-compile")


def fuzzir_verdict(name: str) -> tuple[str, list[str]]:
    """fuzzir's verdict on one program at llvm-cpu, as IREE ships (`with` the pass), and the finding kinds."""
    verdict = fuzzir.check((DATA / f"{name}.mlir").read_text(), targets=("llvm-cpu",))
    kinds = sorted({f.kind for f in verdict.defects})
    return ("defect" if kinds else "clean"), kinds


def test_every_program_has_an_expected_verdict() -> None:
    programs = {p.stem for p in DATA.glob("*.mlir")}
    assert programs == set(EXPECTED)
    assert {e["verdict"] for e in EXPECTED.values()} <= {"defect", "clean"}
    manifest = json.loads((DATA / "manifest.json").read_text())
    assert set(manifest) == programs


@pytest.mark.parametrize("name", [
    "linalg__narrow_n_matmuls__matvec",  # a non-splat unfoldable constant accumulated in place: a defect
    "linalg_ext_ops__scan__scan_1d_dim0_inclusive_sum",  # a splat destination filled fresh at stream
    "stablehlo_ops__scatter__scatter_update_scalar_1D",  # StableHLO scatter into a splat: filled fresh
])
def test_a_few_iree_tests(name: str) -> None:
    got, kinds = fuzzir_verdict(name)
    assert got == EXPECTED[name]["verdict"], (kinds, EXPECTED[name]["why"])
    if got == "defect":
        assert "readwrite-constant" in kinds  # the constant's resource bound rw, judged at stream level


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_iree_e2e_verdicts(name: str) -> None:
    got, kinds = fuzzir_verdict(name)
    assert got == EXPECTED[name]["verdict"], (kinds, EXPECTED[name]["why"])
