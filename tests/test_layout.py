"""The package reads as the architecture: imports go down the layers, and no unit is too long."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = {ast.FunctionDef: 150, ast.AsyncFunctionDef: 150, ast.ClassDef: 200}


def test_imports_follow_the_layers_in_pyproject() -> None:
    # The contracts live in pyproject.toml ([tool.importlinter]); a failure prints the
    # offending import chain.
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def _units(tree: ast.AST, path: Path) -> list[tuple[str, int, int]]:
    return [
        (
            f"{path.relative_to(ROOT)}:{node.lineno} {node.name}",
            node.end_lineno - node.lineno + 1,
            limit,
        )  # type: ignore[operator]
        for node in ast.walk(tree)
        for kind, limit in MAX_LINES.items()
        if isinstance(node, kind)
    ]


@pytest.mark.parametrize("package", ["advocates", "api"])
def test_no_function_over_150_lines_and_no_class_over_200(package: str) -> None:
    too_long = [
        f"{where}: {lines} lines (limit {limit})"
        for path in sorted((ROOT / package).rglob("*.py"))
        for where, lines, limit in _units(ast.parse(path.read_text()), path)
        if lines > limit
    ]
    assert not too_long, "split these units:\n" + "\n".join(too_long)
