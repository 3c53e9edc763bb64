"""The shape of the package: dependencies run one way, no import cycles, small modules, public API only.

Layers, top to bottom; a module may import from its own layer or any layer below,
never above, and the module graph has no cycle. A module over MAX_LINES lines must
say why in its docstring (the word "long").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"fuzzir": "fuzzir", "generators": "fuzzir.generators", "oracles": "fuzzir.oracles"}
MAX_LINES = 400

LAYERS: list[tuple[str, ...]] = [
    ("fuzzir", "fuzzir.__main__", "fuzzir.cli", "fuzzir.cli_release", "fuzzir.pytest_plugin",
     "fuzzir.atheris_target"),
    ("fuzzir.api", "fuzzir.campaign", "fuzzir.minimize", "fuzzir.replay", "fuzzir.bisect", "fuzzir.exports",
     "fuzzir.promote", "fuzzir.report", "fuzzir.reduce_any", "fuzzir.reduce_frontend", "fuzzir.minimize_any",
     "fuzzir.blame", "fuzzir.entry_check"),
    ("fuzzir.judge", "fuzzir.persist", "fuzzir.store", "fuzzir.record", "fuzzir.repro", "fuzzir.filters",
     "fuzzir.any_program", "fuzzir.db", "fuzzir.coverage", "fuzzir.counterfactuals"),
    ("fuzzir.oracles",),
    ("fuzzir.sandbox", "fuzzir.targets", "fuzzir.pipeline", "fuzzir.releases", "fuzzir.commands",
     "fuzzir.compiler", "fuzzir.runner", "fuzzir.calls_child", "fuzzir.warm_calls", "fuzzir.tosa_tools",
     "fuzzir.xla_run", "fuzzir.xla_child"),
    ("fuzzir.generators", "fuzzir.parse", "fuzzir.emit", "fuzzir.shrink", "fuzzir.families", "fuzzir.findings",
     "fuzzir.diagnostics", "fuzzir.mlir_values", "fuzzir.source", "fuzzir.frontend_facts", "fuzzir.pass_matcher",
     "fuzzir.mlir_walk", "fuzzir.needs", "fuzzir.tosa_program", "fuzzir.constant_destinations"),
    ("fuzzir.model", "fuzzir.exprs", "fuzzir.names", "fuzzir.dtypes", "fuzzir.arguments",
     "fuzzir.scratch"),
]


def _modules() -> dict[str, Path]:
    mods: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join([package, *parts])] = path
    return mods


MODULES = _modules()


def _layer(module: str) -> int:
    best = None
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if module == prefix or (prefix != "fuzzir" and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[1]:
                    best = (i, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS in {__file__}"
    return best[0]


def _imports(module: str, path: Path) -> set[str]:
    """Every fuzzir module `module` imports, at any depth of the file (lazy imports count)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            while name and name not in MODULES:
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name and name != module and name != "fuzzir":
                found.add(name)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_every_module_is_in_a_layer() -> None:
    for m in MODULES:
        _layer(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_run_one_way(module: str) -> None:
    upward = [d for d in GRAPH[module] if _layer(d) < _layer(module)]
    assert not upward, f"{module} (layer {_layer(module)}) imports higher layers: {upward}"


def test_no_import_cycles() -> None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(GRAPH[m]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d):] + [d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module: str) -> None:
    path = MODULES[module]
    lines = len(path.read_text().splitlines())
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert lines <= MAX_LINES or "long" in doc.lower(), f"{path} has {lines} lines and no reason in its docstring"


def test_no_private_hypothesis_api() -> None:
    for m, path in MODULES.items():
        assert "hypothesis.internal" not in path.read_text(), f"{m} uses hypothesis internals"
