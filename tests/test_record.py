"""The finding record (meta.json's one schema) and the finding store, without compiling anything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from fuzzir.findings import Observation, group
from fuzzir.record import SCHEMA_VERSION, CellRecord, FindingRecord, RecordError
from fuzzir.store import DirectoryStore, NewFinding, ReadOnlyStore, StoreError, read_entry

CORPUS = Path(__file__).resolve().parent.parent / "crashes"


def _record(**changes: object) -> FindingRecord:
    o = Observation("compile-error", "with", "llvm-cpu", ("--x",), "compile", "boom", op_name="linalg.generic",
                    diagnostic="boom")
    f = group([o])[0]
    base = FindingRecord(kind="compile-error", signature=f.signature, signature_key=f.key,
                         repro_cell=CellRecord("llvm-cpu", "with", ("--x",)), observations=[o],
                         commands=[["iree-compile", "program.mlir", "-o", "module.vmfb"]], size_ops=2,
                         size_elements=10)
    return base.replace(**changes)


def _finding(record: FindingRecord) -> NewFinding:
    return NewFinding(record, "func.func @main() {}\n", [np.arange(3, dtype=np.int32)],
                      [np.ones(3, np.float32)], "#!/bin/sh\nexit 1\n")


def test_every_committed_entry_reads_and_keeps_its_signature() -> None:
    entries = DirectoryStore(CORPUS).entries()
    assert len(entries) >= 11
    for e in entries:
        r = e.record
        assert [f.signature for f in group(r.observations)] == [r.signature] == [e.name], e.name
        assert all(o.stage in ("compile", "ir", "run") for o in r.observations)
        again = FindingRecord.from_json(json.loads(json.dumps(r.to_json())))
        assert again == r and again.to_json()["meta_version"] == SCHEMA_VERSION


def test_schema_one_op_strings_become_typed_identity() -> None:
    legacy = {"kind": "miscompile", "variant": "with", "target": "vmvx", "flags": [], "message": "m",
              "op": "op3:linalg.matmul", "family": "contraction", "init_kind": "splat", "dtype_class": "int"}
    o = Observation.from_json(legacy)
    assert (o.stage, o.op_index, o.op_name, o.op) == ("run", 3, "linalg.matmul", "op3:linalg.matmul")
    assert Observation.from_json({**legacy, "kind": "timeout", "op": "compile"}).stage == "compile"
    err = Observation.from_json({**legacy, "kind": "compile-error", "op": "linalg.generic"})
    assert (err.stage, err.op_index, err.op_name) == ("compile", None, "linalg.generic")
    assert Observation.from_json(o.to_json()) == o


def test_unknown_keys_survive_a_rewrite_and_bad_records_are_one_line() -> None:
    d = {**_record().to_json(), "future_field": {"x": 1}}
    assert FindingRecord.from_json(d).to_json()["future_field"] == {"x": 1}
    for bad, words in (({**d, "meta_version": 99}, "schema version"), ({**d, "kind": "nope"}, "unknown kind"),
                       ({**d, "status": "maybe"}, "unknown status"),
                       ({**d, "repro_cell": {"target": "llvm-cpu", "variant": "sideways"}}, "unknown variant")):
        with pytest.raises(RecordError, match=words) as info:
            FindingRecord.from_json(bad)
        assert "\n" not in str(info.value)


def test_cells_put_the_reproducer_first_once() -> None:
    r = _record()
    extra = Observation("compile-error", "without", "vmvx", (), "compile", "boom")
    cells = r.replace(observations=[*r.observations, extra]).cells()
    assert [c.key() for c in cells] == [("llvm-cpu", "with", ("--x",)), ("vmvx", "without", ())]


def test_store_keeps_one_entry_and_the_smaller_program(tmp_path: Path) -> None:
    store = DirectoryStore(tmp_path)
    path, outcome = store.save(_finding(_record()))
    assert outcome == "new" and (path / "repro.sh").stat().st_mode & 0o111
    before = (path / "meta.json").read_text()
    assert store.save(_finding(_record()))[1] == "duplicate"
    assert (path / "meta.json").read_text() == before  # a repeat is counted in the database, not here
    store.update(path.name, store.fetch(path.name).record.replace(status="fixed", verdict="latent"))
    assert store.save(_finding(_record(size_ops=1)))[1] == "replaced"
    now = store.fetch(path.name).record
    assert (now.size_ops, now.status, now.verdict) == (1, "fixed", "latent")
    np.testing.assert_array_equal(store.fetch(path.name).inputs()[0], np.arange(3))
    assert store.names() == [path.name] and not list(tmp_path.glob(".tmp-*"))
    store.delete(path.name)
    assert store.names() == []


def test_read_only_store_refuses_every_write(tmp_path: Path) -> None:
    shutil.copytree(CORPUS / "miscompile-978cad5abacb", tmp_path / "miscompile-978cad5abacb")
    ro = ReadOnlyStore(DirectoryStore(tmp_path))
    entry = ro.fetch("miscompile-978cad5abacb")
    for write in (lambda: ro.save(_finding(entry.record)), lambda: ro.update(entry.name, entry.record),
                  lambda: ro.delete(entry.name)):
        with pytest.raises(StoreError, match="read-only"):
            write()
    assert read_entry(tmp_path / "miscompile-978cad5abacb").record == entry.record
