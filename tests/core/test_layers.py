"""The foundation imports no domain: every module under eduplatform/core/ is read, not run.

Domains plug into the foundation through registered hooks and signals; an upward import (even one
inside a function, or a module name handed to importlib) would tie the foundation to a domain.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "eduplatform" / "core"


#: Calls that import (or open) a module named by a string: importlib, werkzeug, importlib.resources.
_DYNAMIC_IMPORTERS = {"import_module", "__import__", "import_string", "find_spec", "files"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``from … import`` names, relative ones (``from .. import x``) resolved."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _literal_prefix(node: ast.expr) -> str | None:
    """The leading literal text of a string argument (a plain string or an f-string's first part)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def _is_outside_core(name: str) -> bool:
    """``eduplatform`` itself or any ``eduplatform.<x>`` but ``eduplatform.core``."""
    parts = name.split(".")
    return parts[0] == "eduplatform" and (len(parts) == 1 or parts[1] != "core")


def domain_imports(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported name) of every import in ``source`` that reaches outside eduplatform.core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if _is_outside_core(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            if target == "eduplatform":  # ``from eduplatform import core`` is the only allowed one
                found += [(node.lineno, f"eduplatform.{alias.name}") for alias in node.names
                          if alias.name != "core"]
            elif _is_outside_core(target):
                found.append((node.lineno, target))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            prefix = _literal_prefix(node.args[0])
            if name in _DYNAMIC_IMPORTERS and prefix is not None and prefix.startswith("eduplatform"):
                # An f-string's literal part may stop mid-name (f"eduplatform.{domain}"): that is a
                # domain chosen at run time, never the foundation.
                whole = isinstance(node.args[0], ast.Constant)
                if _is_outside_core(prefix if whole else prefix + "?"):
                    found.append((node.lineno, prefix + ("" if whole else "…")))
    return sorted(found)


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _violations() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for path in _core_files():
        relative = path.relative_to(ROOT).as_posix()
        hits = domain_imports(path.read_text("utf-8"), _module_name(path),
                              is_package=path.name == "__init__.py")
        if hits:
            result[relative] = [f"{relative}:{line}: imports {name}" for line, name in hits]
    return result


def test_the_foundation_imports_no_domain():
    violations = _violations()
    unexpected = [line for lines in violations.values() for line in lines]
    assert not unexpected, "the foundation must not import a domain:\n" + "\n".join(unexpected)


def test_the_walk_covers_the_whole_foundation():
    files = {path.relative_to(CORE).as_posix() for path in _core_files()}
    assert {"api.py", "cli.py", "security.py", "templating.py", "storage/services.py",
            "text/richtext.py", "search/registry.py"} <= files


@pytest.mark.parametrize(("source", "expected"), [
    ("import eduplatform.accounts.models", [(1, "eduplatform.accounts.models")]),
    ("import eduplatform", [(1, "eduplatform")]),
    ("from eduplatform.orgs.services import find_org", [(1, "eduplatform.orgs.services")]),
    ("from eduplatform import DOMAINS", [(1, "eduplatform.DOMAINS")]),
    ("from eduplatform import core, audit", [(1, "eduplatform.audit")]),
    ("def f():\n    from eduplatform.audit.services import record\n", [(2, "eduplatform.audit.services")]),
    ("from .. import accounts", [(1, "eduplatform.accounts")]),
    ("from ..accounts.models import Role", [(1, "eduplatform.accounts.models")]),
    ("import importlib\nimportlib.import_module('eduplatform.home')", [(2, "eduplatform.home")]),
    ("from importlib import import_module\nimport_module(f'eduplatform.{d}.permissions')",
     [(2, "eduplatform.…")]),
    ("__import__('eduplatform.schools.models')", [(1, "eduplatform.schools.models")]),
    ("from werkzeug.utils import import_string\nimport_string('eduplatform.courses.scorm:parse')",
     [(2, "eduplatform.courses.scorm:parse")]),
    ("resources.files('eduplatform.accounts').joinpath('common_passwords.txt')",
     [(1, "eduplatform.accounts")]),
])
def test_the_check_finds_every_form_of_upward_import(source, expected):
    assert domain_imports(source, "eduplatform.core.api") == expected


@pytest.mark.parametrize("source", [
    "from eduplatform.core.extensions import db",
    "from eduplatform import core",
    "import eduplatform.core.search.registry",
    "from . import signals",
    "from .storage.base import Storage",
    "import importlib\nimportlib.import_module(f'{name}.seed')",
    "importlib.import_module('eduplatform.core.text.xml')",
    "importlib.import_module(f'eduplatform.core.{kind}')",
    "url_for('accounts.login')",
    '"""Mentions eduplatform.accounts in prose."""',
])
def test_the_check_lets_the_foundation_import_itself(source):
    assert domain_imports(source, "eduplatform.core.api") == []


def test_a_relative_import_in_a_core_package_resolves_from_that_package():
    source = "from ... import orgs\nfrom .. import db\n"
    assert domain_imports(source, "eduplatform.core.storage", is_package=True) == [(1, "eduplatform.orgs")]
    assert domain_imports(source, "eduplatform.core.storage.base") == [(1, "eduplatform.orgs")]
