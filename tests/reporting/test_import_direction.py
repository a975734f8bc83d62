"""Reporting's modules import one way: permissions → review → notices (which asks the foundation's
inbox hook, not permissions), and submissions → review → standing (review never imports submissions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import eduplatform

SERVICES = Path(eduplatform.__file__).parent / "reporting" / "services"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.nodb
@pytest.mark.parametrize(("module", "forbidden"), [
    ("notices.py", {"eduplatform.reporting.permissions"}),
    ("review.py", {"eduplatform.reporting.services.submissions", "eduplatform.reporting.permissions"}),
    ("standing.py", {"eduplatform.reporting.services.submissions", "eduplatform.reporting.services.review",
                     "eduplatform.reporting.services.notices", "eduplatform.reporting.permissions"}),
])
def test_imports_run_one_way(module, forbidden):
    assert _imports(SERVICES / module) & forbidden == set()
