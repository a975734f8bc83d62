"""The password policy: strength rules, the common-password list, the maximum age."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import resources

from flask import current_app

from eduplatform.core.db import utcnow

_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


def _load_common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


_COMMON_PASSWORDS: frozenset[str] | None = None


def password_problems(password: str, *, username: str | None = None) -> list[str]:
    """Everything wrong with a proposed password, in Chinese; empty when it is acceptable."""
    global _COMMON_PASSWORDS
    if _COMMON_PASSWORDS is None:
        _COMMON_PASSWORDS = _load_common_passwords()
    config = current_app.config
    problems = []
    if len(password) < config["PASSWORD_MIN_LENGTH"]:
        problems.append(f"密码长度至少 {config['PASSWORD_MIN_LENGTH']} 位")
    if len(password) > 128:
        problems.append("密码长度不能超过 128 位")
    classes = sum(1 for pattern in _CLASSES if pattern.search(password))
    if classes < config["PASSWORD_MIN_CLASSES"]:
        problems.append(
            f"密码须包含小写字母、大写字母、数字、符号中的至少 {config['PASSWORD_MIN_CLASSES']} 类"
        )
    if password.lower() in _COMMON_PASSWORDS:
        problems.append("该密码过于常见，容易被猜中，请换一个")
    if username and username.lower() in password.lower():
        problems.append("密码不能包含用户名")
    return problems


def password_change_required(user) -> bool:
    """An initial or reset password, or one older than ``PASSWORD_MAX_AGE_DAYS``, must change."""
    if user.must_change_password:
        return True
    max_age = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    return bool(max_age) and user.password_changed_at < utcnow() - timedelta(days=max_age)
