"""The wheel installs one import name, `fuzzir`, with generators and oracles inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                          "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return next(out.glob("fuzzir-*.whl"))


def test_the_wheel_holds_one_top_level_package_and_every_module(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"fuzzir", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}"
                                                ".dist-info"}
    sources = {f"fuzzir/{p.relative_to(ROOT / 'fuzzir').as_posix()}" for p in (ROOT / "fuzzir").rglob("*.py")}
    for folder in ("generators", "oracles"):
        sources |= {f"fuzzir/{folder}/{p.relative_to(ROOT / folder).as_posix()}"
                    for p in (ROOT / folder).rglob("*.py")}
    missing = sorted(s for s in sources if "__pycache__" not in s and s not in names)
    assert not missing, f"not in the wheel (add the package to pyproject.toml's packages): {missing}"


def test_the_installed_wheel_imports_alone(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                          str(wheel)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    probe = ("import sys; sys.path = [p for p in sys.path if p not in ('', '.')]\n"
             "import fuzzir.generators.programs, fuzzir.oracles.reference, fuzzir.judge\n"
             "assert fuzzir.generators.programs.__file__.startswith(sys.argv[1]), fuzzir.__file__\n"
             "for name in ('generators', 'oracles'):\n"
             "    try:\n"
             "        __import__(name)\n"
             "    except ImportError:\n"
             "        continue\n"
             "    raise SystemExit(name + ' is importable')\n")
    # The wheel first on the path, this venv's site-packages (numpy, iree, hypothesis) after it.
    env_path = f"{target}"
    res = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {env_path!r})\n" + probe,
                          str(target)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
