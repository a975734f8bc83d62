"""Who may see an instance, where the subject's domain decides (a classified 公文): one rule per
subject type, registered through ``register_subject(..., can_view=…)``, read by ``permissions``."""

from __future__ import annotations

from collections.abc import Callable

#: subject type → fn(user, instance) → bool
_view_rules: dict[str, Callable] = {}


def register_view_rule(subject_type: str, fn: Callable) -> None:
    _view_rules[subject_type] = fn


def view_rule_for(subject_type: str | None) -> Callable | None:
    return _view_rules.get(subject_type or "")
