"""Reproducers an IREE engineer can bisect with: each checks its own symptom and exits 0/1/125.

Run on copies of corpus entries with IREE's own tools: present (1) with the installed build, found
through PATH, IREE_BUILD or IREE_COMPILE; 125 when a tool is missing or the build fails another way
(a stand-in tool that fails without the symptom); 0 when the build shows no symptom at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fuzzir.repro import fragment

CORPUS = Path(__file__).resolve().parent.parent / "crashes"
TOOLS = Path(sys.executable).parent  # the venv's bin/: iree-compile, iree-opt, iree-run-module


def _run(entry: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(["bash", str(entry / "repro.sh")], capture_output=True, text=True, timeout=300,
                          env={**base, **env})


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(CORPUS / name, tmp_path / name))


def test_fragment_is_the_literal_part_of_a_diagnostic() -> None:
    assert fragment("'func.func' op failed to distribute") == "func.func' op failed to distribute"
    assert fragment("'linalg.generic' op operand #N must be Nxf32, got %v") == "linalg.generic' op operand #"
    assert fragment("N N") == ""


def test_compile_error_reproducer_checks_its_diagnostic(tmp_path: Path) -> None:
    entry = _copy("compile-error-221b7de2d97e", tmp_path)  # rocm: "'func.func' op failed to distribute"
    assert _run(entry, PATH=f"{TOOLS}:/usr/bin:/bin").returncode == 1
    assert _run(entry, IREE_BUILD=str(TOOLS.parent)).returncode == 1  # a tree with bin/
    assert _run(entry, IREE_COMPILE=str(TOOLS / "iree-compile")).returncode == 1
    missing = _run(entry)
    assert missing.returncode == 125 and "iree-compile not found" in missing.stdout
    other = _run(entry, IREE_COMPILE="/bin/false")  # fails, but not with this error
    assert other.returncode == 125 and "another error" in other.stdout
    assert _run(entry, IREE_COMPILE="/bin/true").returncode == 0  # compiles: the symptom is absent


def test_crash_reproducer_needs_a_crash(tmp_path: Path) -> None:
    entry = _copy("compiler-crash-918f7d7e1ce2", tmp_path)  # the AMDGPU backend aborts on an i8 reduce
    assert _run(entry, PATH=f"{TOOLS}:/usr/bin:/bin").returncode == 1
    assert _run(entry, IREE_COMPILE="/bin/false").returncode == 125  # an error is not this crash


@pytest.mark.slow
def test_miscompile_reproducer_compares_only_after_the_module_ran(tmp_path: Path) -> None:
    entry = _copy("miscompile-978cad5abacb", tmp_path)
    res = _run(entry, PATH=f"{TOOLS}:/usr/bin:/bin")
    assert res.returncode == 1 and "[FAILED] result[" in res.stdout
    refused = _run(entry, PATH=f"{TOOLS}:/usr/bin:/bin", IREE_RUN_MODULE="/bin/false")
    assert refused.returncode == 125 and "before comparing" in refused.stdout


def _cmake_build(tmp_path: Path, command: str) -> Path:
    """A CMake build directory whose `iree-compile` target runs `command` (a stand-in for IREE's build)."""
    src, build = tmp_path / "src", tmp_path / "build"
    src.mkdir(parents=True)
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\nproject(stand_in NONE)\n"
        f"add_custom_target(iree-compile COMMAND {command})\n")
    subprocess.run(["cmake", "-S", str(src), "-B", str(build)], check=True, capture_output=True)
    return build


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_bisect_export_rebuilds_then_runs_the_reproducer(tmp_path: Path) -> None:
    from fuzzir.exports import export

    entry = _copy("compile-error-221b7de2d97e", tmp_path)
    script = tmp_path / "bisect.sh"
    script.write_text(export(entry, "bisect"))
    good = _cmake_build(tmp_path / "ok", f"{shutil.which('cmake')} -E make_directory tools && "
                                         f"{shutil.which('cmake')} -E create_symlink {TOOLS / 'iree-compile'} "
                                         "tools/iree-compile")
    run = subprocess.run(["bash", str(script), str(good)], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 1, run.stdout + run.stderr  # built, and the build shows the symptom
    broken = _cmake_build(tmp_path / "broken", "false")
    run = subprocess.run(["bash", str(script), str(broken)], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 125 and "build failed" in run.stdout


def test_fuzzir_runs_against_a_build_or_install_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--iree PATH`: the tools of a tree with bin/ (here the venv, an install of the wheels) are used."""
    from fuzzir import sandbox
    from fuzzir.cli import main
    from fuzzir.targets import use_compiler_options

    program = tmp_path / "p.mlir"
    program.write_text((CORPUS / "compile-error-221b7de2d97e" / "program.mlir").read_text())
    try:
        assert main(["check", str(program), "--iree", str(TOOLS.parent), "--targets", "rocm", "--no-blame",
                     "--json"]) == 1
        assert sandbox.tool_path("iree-compile") == str(TOOLS / "iree-compile")
    finally:
        sandbox.select_iree(None)
        use_compiler_options(None)
    assert "tree at" in capsys.readouterr().err
    assert main(["check", str(program), "--iree", str(tmp_path)]) == 2  # no tools there: one line
    assert "not an IREE build or install tree" in capsys.readouterr().err
