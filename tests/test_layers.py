"""The layering rule, read from the source: imports go one way, autograd → expr → lessons → ui,
and nothing below ui imports Qt (not even inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gradexplorer"
QT = ("PySide6", "shiboken6", "pyqtgraph")
# What each layer may import from the project, besides itself and the Qt-free top-level modules.
ALLOWED = {
    "autograd": set(),
    "expr": {"autograd"},
    "lessons": {"autograd", "expr"},
}
TOP_LEVEL = {
    "gradexplorer.errors",
    "gradexplorer.formatting",
    "gradexplorer.resources",
    "gradexplorer",
}


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below_it_and_never_qt(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    wrong = []
    for path in files:
        for name in imports(path):
            if name.split(".")[0] in QT:
                wrong.append((path.name, name))
            elif name.startswith("gradexplorer") and name not in TOP_LEVEL:
                other = name.split(".")[1]
                if other != layer and other not in ALLOWED[layer]:
                    wrong.append((path.name, name))
    assert wrong == []


def test_the_top_level_modules_below_ui_import_no_qt() -> None:
    for name in (
        "errors.py",
        "formatting.py",
        "resources.py",
        "desktop_entry.py",
        "cli.py",
        "cli_analysis.py",
        "__init__.py",
    ):
        qt = [m for m in imports(PACKAGE / name) if m.split(".")[0] in QT]
        assert qt == [], name
