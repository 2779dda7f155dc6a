"""The shape of the code, checked: no import cycles, no private name imported from another
module, layers that only look down, I/O only in the adapters, and modules of a readable size.

Imports are read from the source (every `import`, at module level or inside a function, except
those under `if TYPE_CHECKING:`), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared"
PACKAGE = "docusign_connector"
# Every first-party tree whose modules are checked for cycles and private imports.
TREES = {
    PACKAGE: LAYER / PACKAGE,
    "functions": ROOT / "functions",
    "admin": ROOT / "admin",
    "local": ROOT / "local",
}
MAX_LINES = 400
# How far up each part of the shared package sits; a module imports only from its own level
# or below. sync builds on actions (the archive); the container on the adapters.
LEVELS = {
    "api": 5,
    "sync": 4,
    "actions": 3,
    "container": 2,
    "adapters": 1,
}
BOTTOM = 0  # config, errors, ids, clock, domain, connections, documents, mapping, models
IO_LIBRARIES = ("boto3", "botocore", "requests")


def module_name(path: Path) -> str:
    for top, base in TREES.items():
        if path.is_relative_to(base):
            parts = [top, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    raise AssertionError(path)


def modules() -> dict[str, Path]:
    found = {}
    for base in TREES.values():
        for path in base.rglob("*.py"):
            if "tests" in path.relative_to(base).parts:
                continue
            found[module_name(path)] = path
    return found


MODULES = modules()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import of module `name`."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    hidden = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, list[str], int]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", 0) in hidden:
            continue
        if isinstance(node, ast.Import):
            found.extend((alias.name, [], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            # `from package import module` imports the module.
            submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            if submodules:
                found.extend((sub, [], node.lineno) for sub in submodules)
            else:
                found.append((target, names, node.lineno))
    return found


def graph() -> dict[str, set[str]]:
    return {
        name: {target for target, _, _ in imports_of(name) if target in MODULES} for name in MODULES
    }


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                cycles.append(sorted(component))

    for name in sorted(edges):
        if name not in index:
            visit(name)
    assert cycles == []


def test_no_private_name_is_imported_from_another_module() -> None:
    offences = [
        f"{name}:{line} takes {taken} from {target}"
        for name in MODULES
        for target, names, line in imports_of(name)
        if target.split(".")[0] in TREES
        for taken in names
        if taken.startswith("_") and not taken.startswith("__")
    ]
    assert offences == []


def _level(name: str) -> int:
    parts = name.split(".")
    return LEVELS.get(parts[1], BOTTOM) if len(parts) > 1 else BOTTOM


def test_layers_of_the_shared_package_only_look_down() -> None:
    offences = [
        f"{name} imports {target}"
        for name in MODULES
        if name.startswith(f"{PACKAGE}.")
        for target, _, _ in imports_of(name)
        if target.startswith(f"{PACKAGE}.") and _level(target) > _level(name)
    ]
    assert offences == []


def test_only_adapters_do_io() -> None:
    offences = [
        f"{name} imports {target}"
        for name in MODULES
        if name.startswith((f"{PACKAGE}.", "functions."))
        and not name.startswith(f"{PACKAGE}.adapters")
        for target, _, _ in imports_of(name)
        if target.split(".")[0] in IO_LIBRARIES
    ]
    assert offences == []


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if n.startswith((f"{PACKAGE}.", "functions.", "admin.")))
)
def test_modules_stay_readable(name: str) -> None:
    """A module over MAX_LINES says at its top why it is not split."""
    text = MODULES[name].read_text()
    if len(text.splitlines()) <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert "Not split:" in docstring, f"{name} has {len(text.splitlines())} lines"


def test_the_checks_see_the_old_cycle_and_private_import() -> None:
    """The checks above can fail: a lazy import cycle and a private import are both found."""
    edges = graph()
    assert f"{PACKAGE}.adapters.docusign.auth" in edges[f"{PACKAGE}.adapters.docusign.transport"]
    taken = {
        (target, tuple(names))
        for target, names, _ in imports_of(f"{PACKAGE}.actions.send")
        if target.startswith(PACKAGE)
    }
    assert (
        f"{PACKAGE}.actions.definition",
        ("PreparedDocument", "envelope_definition", "file_extension"),
    ) in taken
