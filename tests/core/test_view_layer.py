"""HTML views never import a domain's API modules: what both need lives in services, presenters or
schemas. Parsed, not imported, so an import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import eduplatform

PACKAGE = Path(eduplatform.__file__).resolve().parent
#: eduplatform.core.api is the foundation's API toolkit (loaders, pagination), not a domain's API.
FOUNDATION = "core"


def views_modules(root: Path = PACKAGE) -> list[Path]:
    """Every domain's views.py and every module of its views/ package."""
    found = []
    for domain in sorted(p for p in root.iterdir() if p.is_dir() and p.name != FOUNDATION):
        found += [domain / "views.py"] if (domain / "views.py").is_file() else []
        found += sorted((domain / "views").rglob("*.py"))
    return found


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_domain_api(name: str) -> bool:
    parts = name.split(".")
    return len(parts) >= 3 and parts[0] == "eduplatform" and parts[1] != FOUNDATION and parts[2] == "api"


def api_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """``file:line: import`` for every import of a domain's api module (or of a name inside it) in ``path``."""
    module = _module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(node, module, path.name == "__init__.py")
            names = [source] + [f"{source}.{alias.name}" for alias in node.names]
        else:
            continue
        hits = [name for name in names if _is_domain_api(name)]
        if hits:
            found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {hits[0]}")
    return found


def test_views_import_no_api_module():
    modules = views_modules()
    assert len(modules) >= 10  # every domain with pages: a wrong walk would check nothing
    offences = [hit for path in modules for hit in api_imports(path)]
    assert not offences, "HTML views import API modules (move the shared code to services/schemas):\n" + \
        "\n".join(offences)


def test_the_rule_catches_every_form_of_the_import(tmp_path):
    root = tmp_path / "eduplatform"
    views = root / "reporting" / "views"
    views.mkdir(parents=True)
    (root / "core").mkdir()
    (root / "schools").mkdir()
    (root / "schools" / "views.py").write_text("from eduplatform.core.api import load_args\n")
    (views / "pages.py").write_text(
        "import eduplatform.reporting.api.tasks\n"
        "from eduplatform.questions.api.exams import managed_exams\n"
        "from eduplatform.reporting import api\n"
        "from ..api.common import commit\n"
        "def page():\n"
        "    from ..api import submissions\n")
    assert [p.name for p in views_modules(root)] == ["pages.py", "views.py"]
    assert api_imports(views / "pages.py", root) == [
        "eduplatform/reporting/views/pages.py:1: eduplatform.reporting.api.tasks",
        "eduplatform/reporting/views/pages.py:2: eduplatform.questions.api.exams",
        "eduplatform/reporting/views/pages.py:3: eduplatform.reporting.api",
        "eduplatform/reporting/views/pages.py:4: eduplatform.reporting.api.common",
        "eduplatform/reporting/views/pages.py:6: eduplatform.reporting.api",
    ]
    assert api_imports(root / "schools" / "views.py", root) == []  # the foundation's api helpers are fine
