"""Login-session rules and HTTP hardening: idle timeout, forced password change, headers, policy."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from importlib import resources

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user

from eduplatform.core.db import utcnow

#: Endpoints a user who must change their password may still reach.
_ALLOWED_WHILE_CHANGE_REQUIRED = {"accounts.change_password", "accounts.logout", "static", "home.healthz",
                                  "accounts_api.change_password"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'self'; form-action 'self'; object-src 'none'; base-uri 'self'"
)


def init_app(app: Flask) -> None:
    app.before_request(enforce_session_rules)
    app.after_request(add_security_headers)


def enforce_session_rules():
    """Expire idle sessions and hold users whose password must change at the change form."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated and not request.authorization:
        now = int(time.time())
        last_seen = session.get("_last_seen", now)
        if now - last_seen > current_app.config["SESSION_IDLE_SECONDS"]:
            from eduplatform.accounts.services import end_session
            from eduplatform.core.extensions import db

            end_session(current_user._get_current_object(), expired=True)
            db.session.commit()
            if request.path.startswith("/api/"):
                from eduplatform.core.errors import error_payload

                return error_payload("session_expired", "会话已超时，请重新登录"), 401
            flash("会话已超时，请重新登录", "warning")
            return redirect(url_for("accounts.login", next=request.full_path))
        session["_last_seen"] = now
    if current_user.is_authenticated and password_change_required(current_user):
        if request.endpoint in _ALLOWED_WHILE_CHANGE_REQUIRED:
            return None
        if request.path.startswith("/api/"):
            from eduplatform.core.errors import error_payload

            return error_payload("password_change_required", "请先修改初始密码或已过期的密码"), 403
        return redirect(url_for("accounts.change_password"))
    return None


def password_change_required(user) -> bool:
    if user.must_change_password:
        return True
    max_age = current_app.config["PASSWORD_MAX_AGE_DAYS"]
    return bool(max_age) and user.password_changed_at < utcnow() - timedelta(days=max_age)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user.is_authenticated and "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"  # pages with personal data stay out of shared caches
    return response


# --- password policy -------------------------------------------------------------------------

_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^a-zA-Z0-9]"))


def _load_common_passwords() -> frozenset[str]:
    text = resources.files("eduplatform.core").joinpath("common_passwords.txt").read_text("utf-8")
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
