"""The import layering: ``tsa`` < ``verify`` < ``pdfsign`` < ``webui``.

A package may import only packages below it; ``verify`` in particular never imports
``pdfsign`` (an auditor's machine has only the PDF and the trust roots).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["tsa", "verify", "pdfsign", "webui"]


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _violations(package: str) -> list[str]:
    forbidden = set(LAYERS[LAYERS.index(package) + 1:])
    return [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in sorted(_imported_top_levels(path) & forbidden)
    ]


@pytest.mark.parametrize("package", [p for p in LAYERS if (ROOT / p).is_dir()])
def test_package_imports_only_lower_layers(package: str) -> None:
    assert _violations(package) == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    """The walker must notice both import forms, or the test above proves nothing."""
    sample = tmp_path / "bad.py"
    sample.write_text("import pdfsign.errors\nfrom webui import app\nfrom . import x\n")
    assert _imported_top_levels(sample) == {"pdfsign", "webui"}
