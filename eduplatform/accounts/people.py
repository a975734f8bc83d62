"""People by name on every page: an event, a step or an entry names its actor by display name, with
the login name in a tooltip at most (the login is an account detail, not how colleagues know someone)."""

from __future__ import annotations

from flask import g, has_request_context
from markupsafe import Markup, escape

from eduplatform.core.extensions import db

SYSTEM = "系统"


def display_name_of(user_id: int | None, login: str | None = None) -> str:
    """The person's display name; the stored login name if the account is gone; 系统 for none."""
    if user_id:
        cache = _cache()
        if user_id not in cache:
            from eduplatform.accounts.models import User

            user = db.session.get(User, user_id)
            cache[user_id] = (user.display_name, user.username) if user is not None else None
        found = cache[user_id]
        if found is not None:
            return found[0]
    return login or SYSTEM


def person(user_id: int | None, login: str | None = None) -> Markup:
    """``<span title="账号：login">显示名</span>`` — the template global ``person``."""
    name = display_name_of(user_id, login)
    if name == SYSTEM and not user_id and not login:
        return Markup(SYSTEM)
    account = _cache().get(user_id) if user_id else None
    login = account[1] if account else login
    if login and login != name:
        return Markup('<span title="账号：{}">{}</span>').format(login, name)
    return escape(name)


def _cache() -> dict:
    """Per request: a page naming the same people many times asks the database once per person."""
    if not has_request_context():
        return {}
    if "person_names" not in g:
        g.person_names = {}
    return g.person_names


def init_app(app) -> None:
    app.add_template_global(person, "person")
