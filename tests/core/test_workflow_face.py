"""Other domains use the process engine through its package, never its internals.

A domain that queried ``workflow_tasks`` or called into ``engine`` directly would break whenever the
engine changed how it stores a step; ``eduplatform.workflow`` (its ``__init__``) is the public face.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "eduplatform"
WORKFLOW = PACKAGE / "workflow"


def _reaches_inside(source: str) -> list[str]:
    """The ``eduplatform.workflow.<module>`` names a source imports (anywhere, also in a function)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("eduplatform.workflow.")]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.startswith("eduplatform.workflow."):
                found.append(node.module)
            elif node.module == "eduplatform.workflow":
                found += [f"eduplatform.workflow.{a.name}" for a in node.names
                          if (WORKFLOW / f"{a.name}.py").exists()]
    return found


def test_the_finder_sees_an_import_of_the_internals():
    assert _reaches_inside("from eduplatform.workflow.models import WorkflowTask") == [
        "eduplatform.workflow.models"]
    assert _reaches_inside("def f():\n    from eduplatform.workflow import engine\n") == [
        "eduplatform.workflow.engine"]
    assert _reaches_inside("from eduplatform.workflow import todo_query") == []


def test_no_domain_imports_the_engines_internals():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if WORKFLOW in path.parents:
            continue
        # notices are moving to the foundation's inbox; until then the module is part of the face
        inside = [m for m in _reaches_inside(path.read_text("utf-8")) if m != "eduplatform.workflow.notices"]
        if inside:
            offenders[str(path.relative_to(ROOT))] = inside
    assert offenders == {}, f"只能通过 eduplatform.workflow 使用流程引擎：{offenders}"
