"""The layout the README promises: layers that only look down, no import cycles.

Imports are read from the source (ast), local ones inside functions
included: a cycle hidden in a function is still a cycle.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Lowest first. A module may import its own layer and any lower one.
LAYERS = {
    "settings": 0,
    "db": 1,
    "access": 2,  # API tokens live in the database
    "catalog": 2,
    "importing": 3,
    "webhooks": 3,
    "defs": 4,  # with pipelines/definitions.py, which assembles it
    "api": 5,
    "local": 6,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in (ROOT / "pipelines").rglob("*.py")}


def _imports(path: Path) -> set[str]:
    """The pipelines modules `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from pipelines.db import connection" names a module; "from pipelines.x import f" a function.
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module for a in node.names
            ]
        else:
            continue
        found |= {name for name in names if name in MODULES and name != "pipelines"}
    return found


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _layer(module: str) -> str:
    layer = module.split(".")[1]
    return "defs" if layer == "definitions" else layer


def test_every_module_is_in_a_layer():
    assert {_layer(m) for m in MODULES if m != "pipelines"} <= set(LAYERS)


def test_layers_only_import_their_own_or_lower_ones():
    upward = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module != "pipelines"
        for target in targets
        if _layer(target) != _layer(module) and LAYERS[_layer(target)] >= LAYERS[_layer(module)]
    ]
    assert upward == []


def test_no_import_cycles():
    cycles, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "visiting"
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == "visiting":
                cycles.append(" -> ".join(path[path.index(target) :] + [target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_cycle_check_finds_a_cycle(monkeypatch):
    """The check above can fail: a made-up cycle is found."""
    monkeypatch.setitem(GRAPH, "pipelines.settings", {"pipelines.db.connection"})
    try:
        test_no_import_cycles()
    except AssertionError as error:
        assert "pipelines.settings" in str(error)
    else:
        raise AssertionError("a cycle through pipelines.settings went unnoticed")


def _reads_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        target = ast.unparse(node.func)
        return target in ("os.environ.get", "os.getenv")
    return (
        isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" and isinstance(node.ctx, ast.Load)
    )


def test_settings_are_read_in_settings_py_only():
    readers = sorted(
        str(path.relative_to(ROOT))
        for folder in ("pipelines", "app")
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "pipelines" / "settings.py"
        and any(_reads_environment(node) for node in ast.walk(ast.parse(path.read_text())))
    )
    assert readers == []
