"""Every audit kind written in the code has a Chinese label (the log never shows a bare code)."""

from __future__ import annotations

import ast
from pathlib import Path

import eduplatform
from eduplatform.audit.labels import DYNAMIC_KINDS, KIND_LABELS, REALM_LABELS

ROOT = Path(eduplatform.__file__).parent


def _module_dicts(tree: ast.Module) -> dict[str, ast.Dict]:
    return {t.id: node.value for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
            for t in node.targets if isinstance(t, ast.Name)}


def _module_strings(tree: ast.Module) -> dict[str, str]:
    return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for t in node.targets if isinstance(t, ast.Name)}


def _kinds(node, dicts) -> tuple[set[str], set[str]]:
    """(kinds, f-string patterns) an argument can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        a, pa = _kinds(node.body, dicts)
        b, pb = _kinds(node.orelse, dicts)
        return a | b, pa | pb
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in dicts:
        return {v.value for v in dicts[node.value.id].values if isinstance(v, ast.Constant)}, set()
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                          for v in node.values)
        return set(), {pattern}
    raise AssertionError(f"cannot tell the audit kinds of {ast.unparse(node)}")


def audit_calls():
    """(path, line, realm, kinds, patterns) of every record(...) / audit(...) / record_security_event(...)
    call."""
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        dicts, strings = _module_dicts(tree), _module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == "record_security_event" and node.args:
                if isinstance(node.args[0], ast.Name) and node.args[0].id == "kind":
                    continue  # the helper itself passes its argument on
                yield path, node.lineno, "security", *_kinds(node.args[0], dicts)
            elif name in ("record", "audit", "Step", "record_as") and len(node.args) >= 2:
                # audit: the foundation's signal; Step / record_as: a process step's one entry
                if isinstance(node.args[1], ast.Name) and node.args[1].id == "kind":
                    continue
                if isinstance(node.args[1], ast.Attribute) and node.args[1].attr == "kind":
                    continue  # the step listener passes the step's kind on
                realm = node.args[0]
                realm = realm.value if isinstance(realm, ast.Constant) else strings.get(getattr(realm, "id", ""), "?")
                yield path, node.lineno, realm, *_kinds(node.args[1], dicts)


def test_the_scan_finds_the_calls():
    calls = list(audit_calls())
    assert len(calls) > 100
    assert any("login.succeeded" in kinds for *_, kinds, _ in calls)


def test_every_kind_and_realm_has_a_label():
    missing = []
    for path, line, realm, kinds, patterns in audit_calls():
        where = f"{path.relative_to(ROOT)}:{line}"
        if realm not in REALM_LABELS:
            missing.append(f"{where} realm {realm}")
        for kind in kinds:
            if kind not in KIND_LABELS:
                missing.append(f"{where} {kind}")
        for pattern in patterns:
            if pattern not in DYNAMIC_KINDS:
                missing.append(f"{where} {pattern} (list its values in DYNAMIC_KINDS)")
                continue
            prefix, _, suffix = pattern.partition("{kind}")
            missing.extend(f"{where} {prefix}{value}{suffix}" for value in DYNAMIC_KINDS[pattern]
                           if f"{prefix}{value}{suffix}" not in KIND_LABELS)
    assert not missing, "audit kinds without a Chinese label:\n" + "\n".join(missing)


def test_every_declared_audit_object_type_has_a_label(app):
    from eduplatform.audit.labels import OBJECT_LABELS
    from eduplatform.core.extensions import db

    declared = {getattr(m.class_, "__audit_type__", None) for m in db.Model.registry.mappers} - {None}
    assert declared and not declared - set(OBJECT_LABELS)
