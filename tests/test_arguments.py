"""Numbers and flag strings checked where they are parsed: one line on stderr, exit 2, no work done."""

from __future__ import annotations

import pytest

from fuzzir.cli import main


@pytest.mark.parametrize("argv", [
    ["fuzz", "--time", "-5"], ["fuzz", "--time", "0"], ["fuzz", "--time", "nan"], ["fuzz", "--time", "inf"],
    ["fuzz", "--count", "0"], ["fuzz", "--jobs", "0"], ["fuzz", "--max-ops", "0"], ["fuzz", "--max-ops", "-3"],
    ["fuzz", "--compile-timeout", "0"], ["fuzz", "--compile-timeout", "-1"], ["fuzz", "--run-timeout", "-1"],
    ["fuzz", "--minimize-time", "-1"], ["fuzz", "--blame-time", "nan"], ["fuzz", "--flag-set", "'--foo"],
    ["gen", "--max-ops", "0"], ["gen", "--max-ops", "100000"], ["minimize", "x", "--time", "-1"],
    ["blame", "x", "--time", "0"], ["replay", "--jobs", "0"], ["check", "x.mlir", "--run-timeout", "-1"],
    ["fuzz", "--rss-limit-mb", "-1"], ["check", "x.mlir", "--rss-limit-mb", "lots"],
])
def test_bad_numbers_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_an_unusable_out_or_database_is_refused_before_any_work(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "fuzzir.db").write_bytes(bytes(range(256)) * 8)  # not SQLite
    for argv, said in [(["fuzz", "--out", str(a_file), "--count", "1"], "is not a directory"),
                       (["fuzz", "--out", str(a_file / "sub"), "--count", "1"], "cannot be written"),
                       (["fuzz", "--out", str(corrupt), "--count", "1"], "not a usable findings database"),
                       (["report", str(corrupt)], "not a usable findings database"),
                       (["check", "x.mlir", "--out", str(a_file)], "is not a directory")]:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err


def test_a_huge_argument_is_compiled_not_drawn(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tensor<1000000000xf32> argument grew fuzzir's own process to 24 GB: now the value oracles abstain,
    saying why, before any array is allocated."""
    import json

    program = tmp_path / "big.mlir"
    program.write_text("func.func @main(%a: tensor<?xf32>) -> tensor<?xf32> {\n  return %a : tensor<?xf32>\n}\n")
    assert main(["check", str(program), "--targets", "llvm-cpu", "--dim", "99999999999", "--no-blame",
                 "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert all("over fuzzir's budget" in c["oracles"]["differential"] for c in cells)


def test_a_flag_iree_compile_rejects_in_a_flag_set_is_the_users_error(tmp_path, capsys) -> None:
    """It was stored as a compile-error defect of IREE: one probe compile per flag set finds it first."""
    assert main(["fuzz", "--flag-set=--no-such-iree-flag", "--count", "1", "--out", str(tmp_path / "f"),
                 "--targets", "llvm-cpu"]) == 2
    err = capsys.readouterr().err
    assert "--no-such-iree-flag" in err and "Traceback" not in err
    assert not any((tmp_path / "f").glob("*-*"))  # no finding stored


@pytest.mark.parametrize("dim", ["9:9=4", "0:2=4", "3:0=1"])
def test_a_dim_naming_no_argument_or_dimension_is_refused(dim: str, tmp_path, capsys) -> None:
    """`--dim 9:9=4` was ignored: the program was checked with other sizes than asked for."""
    program = tmp_path / "p.mlir"
    program.write_text("func.func @main(%a: tensor<?x?xf32>, %b: tensor<4xf32>) -> tensor<?x?xf32> {\n"
                       "  return %a : tensor<?x?xf32>\n}\n")
    assert main(["check", str(program), "--dim", dim, "--targets", "llvm-cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and f"bad --dim {dim.split('=')[0]}" in err
