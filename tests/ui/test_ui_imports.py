"""No module in kanban_pipe.ui imports one that imports it back, however indirectly.

Every import counts: at the top of a module, inside a function (the board's lazy ones),
or under TYPE_CHECKING. A circle means a reader cannot understand one file without the
other, and that the type checker sees half-built classes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import kanban_pipe.ui

UI = Path(kanban_pipe.ui.__file__).parent
PACKAGE = "kanban_pipe.ui"


def module_name(path: Path) -> str:
    parts = path.relative_to(UI.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def ui_imports(path: Path, modules: set[str]) -> set[str]:
    """The kanban_pipe.ui modules `path` imports, by any import statement anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from package import module` imports the module too.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in UI.rglob("*.py")}
    modules = set(paths)
    return {name: ui_imports(path, modules) - {name} for name, path in paths.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in graph[name]:
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_the_graph_sees_the_ui_modules_and_their_lazy_imports() -> None:
    graph = import_graph()
    assert f"{PACKAGE}.screens.board" in graph[f"{PACKAGE}.app"]
    # Imported inside a method, where review mode opens.
    assert f"{PACKAGE}.screens.review" in graph[f"{PACKAGE}.screens.board"]


def test_a_circle_would_be_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_of_the_ui_imports_one_that_imports_it() -> None:
    assert circles(import_graph()) == []
