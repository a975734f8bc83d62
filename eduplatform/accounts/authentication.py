"""Who the caller is: browser login sessions, API tokens, and the rules every request's session obeys.

``init_app`` plugs these into the foundation: the Flask-Login session loader, the bearer-token
authenticator that ``core.api`` calls, and the session rules (idle timeout, forced password change).
"""

from __future__ import annotations

import hashlib
import secrets
import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from eduplatform.accounts.lockout import reset_failures
from eduplatform.accounts.models import ApiToken, LoginSession, User
from eduplatform.accounts.passwords import password_change_required
from eduplatform.core.api import register_token_authenticator
from eduplatform.core.db import utcnow
from eduplatform.core.errors import error_payload
from eduplatform.core.extensions import db, login_manager
from eduplatform.core.security import client_ip
from eduplatform.core.signals import audit

#: The session key naming the LoginSession row of this browser login.
LOGIN_SESSION_KEY = _LOGIN_SESSION_KEY = "_login_session"
#: Set on a login made through 统一身份认证 (``accounts.sso``): the local password was not used.
SSO_SESSION_KEY = "_via_sso"

#: Endpoints a user who must change their password may still reach.
_ALLOWED_WHILE_CHANGE_REQUIRED = {"accounts.change_password", "accounts.logout", "static", "home.healthz",
                                  "accounts_api.change_password"}


def init_app(app: Flask) -> None:
    login_manager.user_loader(load_session_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    register_token_authenticator(app, user_for_token)
    app.before_request(enforce_session_rules)


# --- browser sessions ------------------------------------------------------------------------

def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session version, so a password change logs out; the
    login session named in the cookie must not have ended (logout is final on the server)."""
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.is_active_account:
        return None
    login = db.session.get(LoginSession, session.get(_LOGIN_SESSION_KEY) or "")
    if login is None or login.user_id != user.id or login.ended_at is not None:
        return None
    return user


def start_session(user: User, *, via: str | None = None) -> LoginSession:
    """Log the user in on a brand-new session (no fixation) and audit it; ``via="sso"`` for a
    login through the identity service."""
    session.clear()
    login = LoginSession(id=secrets.token_hex(16), user_id=user.id, ip=client_ip())
    db.session.add(login)
    login_user(user)
    session[_LOGIN_SESSION_KEY] = login.id
    session.permanent = True
    reset_failures(user)
    user.locked_until = None
    user.last_login_at = utcnow()
    if via == "sso":
        session[SSO_SESSION_KEY] = True
        audit("security", "sso.login", f"{user.username} 通过统一身份认证登录", actor=user, obj=user,
              data={"ip": login.ip})
    else:
        audit("security", "login.succeeded", f"{user.username} 登录", actor=user, obj=user)
    return login


def end_session(user: User | None, *, expired: bool = False, sso: bool = False) -> None:
    """Log out (or time out, ``expired``): the login session ends on the server too; ``sso``: the
    identity service is told next (RP-initiated logout)."""
    if user is not None and user.is_authenticated:
        if sso:
            audit("security", "sso.logout", f"{user.username} 退出登录（同时退出统一身份认证）", actor=user, obj=user)
        elif expired:
            audit("security", "session.expired", f"{user.username} 的会话因长时间未操作已超时", actor=user, obj=user)
        else:
            audit("security", "logout", f"{user.username} 退出登录", actor=user, obj=user)
    login = db.session.get(LoginSession, session.get(_LOGIN_SESSION_KEY) or "")
    if login is not None and login.ended_at is None:
        login.ended_at = utcnow()
    logout_user()
    session.clear()


def enforce_session_rules():
    """Expire idle sessions and hold users whose password must change at the change form."""
    if request.endpoint == "static":
        return None
    if current_user.is_authenticated and not request.authorization:
        now = int(time.time())
        last_seen = session.get("_last_seen", now)
        if now - last_seen > current_app.config["SESSION_IDLE_SECONDS"]:
            end_session(current_user._get_current_object(), expired=True)
            db.session.commit()
            if request.path.startswith("/api/"):
                return error_payload("session_expired", "会话已超时，请重新登录"), 401
            flash("会话已超时，请重新登录", "warning")
            return redirect(url_for("accounts.login", next=request.full_path))
        session["_last_seen"] = now
    # A login through the identity service did not use the local password: its age is not asked.
    if current_user.is_authenticated and not session.get(SSO_SESSION_KEY) \
            and password_change_required(current_user):
        if request.endpoint in _ALLOWED_WHILE_CHANGE_REQUIRED:
            return None
        if request.path.startswith("/api/"):
            return error_payload("password_change_required", "请先修改初始密码或已过期的密码"), 403
        return redirect(url_for("accounts.change_password"))
    return None


# --- API tokens ------------------------------------------------------------------------------

def hash_token(token: str) -> str:
    """Tokens are stored as their SHA-256: a leaked table holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(token: str) -> User | None:
    """The user a bearer token names, or None when it is unknown, expired or outlived its session."""
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    user = row.user
    if not user.is_active_account or row.session_version != user.session_version:
        return None
    return user
