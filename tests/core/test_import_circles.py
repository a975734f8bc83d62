"""Imports run one way: no circle between domains, none inside the foundation.

Every import counts, also one inside a function: a circle that only works because one side
imports late still ties the two together. A domain that needs to reach a higher one offers a hook
(``resources.register_usage_finder``, ``questions.audience.register_audience_kind``,
``core.signals.audit`` …) and the higher one registers in its ``init_app``.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "eduplatform"


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imports(source: str, module: str, is_package: bool, known) -> set[str]:
    """The eduplatform modules ``source`` imports (``from pkg import mod`` names the module)."""
    def nearest(name: str) -> str:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name

    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {nearest(a.name) for a in node.names if a.name.startswith("eduplatform")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("eduplatform"):
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    out.add(full if full in known else nearest(target))
    return out - {module, "", "eduplatform"}


def _graph(key) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        for target in _imports(path.read_text("utf-8"), name, is_package, modules):
            a, b = key(name), key(target)
            if a and b and a != b:
                graph.setdefault(a, set()).add(b)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "core" else None


def _core_module(module: str) -> str | None:
    return module if module.startswith("eduplatform.core.") or module == "eduplatform.core" else None


def test_domains_import_each_other_one_way():
    assert circles(_graph(_domain)) == []


def test_the_foundation_imports_itself_one_way():
    assert circles(_graph(_core_module)) == []


def test_the_lower_domains_name_none_of_their_users():
    graph = _graph(_domain)
    assert "courses" not in graph.get("resources", set())
    assert "courses" not in graph.get("questions", set())
    assert "audit" not in graph.get("accounts", set()) | graph.get("orgs", set())
    assert "accounts" not in graph.get("orgs", set())


def test_the_check_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    source = "def f():\n    from eduplatform.courses.models import Course\n"
    known = {"eduplatform.courses.models", "eduplatform.resources.removal"}
    assert _imports(source, "eduplatform.resources.removal", False, known) == {"eduplatform.courses.models"}


def _domain_module(module: str) -> str | None:
    return module if _domain(module) else None


def test_each_domain_imports_itself_one_way():
    """Inside a domain too: completion ↔ quizzes and enrolment ↔ permissions were the last two."""
    packages = {name for name, (_, is_package) in _modules().items() if is_package}
    # a package's __init__ (its blueprint, its public face) and the modules it wires are one unit
    found = [c for c in circles(_graph(_domain_module)) if not packages & set(c)]
    assert found == []
