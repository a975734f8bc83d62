"""Template helpers: the navigation of the four areas, permission checks, local time."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from flask_login import current_user
from markupsafe import Markup

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class NavItem:
    """A top-bar link; shown only when ``visible(user)`` holds (pages not built are not linked)."""

    area: str
    label: str
    endpoint: str
    visible: object  # callable(user) -> bool


#: The four areas, in the order they appear in the top bar.
AREAS = ["远程教育资源", "校校通", "教育信息网络", "教育电子政务", "系统管理"]


def nav_items(user) -> dict[str, list[NavItem]]:
    grouped: dict[str, list[NavItem]] = {area: [] for area in AREAS}
    if not user.is_authenticated:
        return {}
    for package in current_app.extensions["edu_domains"].values():
        for item in getattr(package, "NAV", []):
            if item.visible(user):
                grouped.setdefault(item.area, []).append(item)
    return {area: items for area, items in grouped.items() if items}


def can(name: str, *args) -> bool:
    """Whether the current user may do ``name``, asked of the domain's own predicate.

    ``can("resources.upload_resource")`` calls the resources domain's
    ``permissions.can_upload_resource(current_user)``; further arguments follow the user
    (``can("courses.see_course", course)``). Templates show a link or button only when the predicate
    the view ``require``s holds, so what is shown is never refused with a bare 403. An unknown name
    raises, so a typo cannot hide a button silently.
    """
    domain, _, verb = name.partition(".")
    package = current_app.extensions["edu_domains"][domain]
    module = importlib.import_module(f"{package.__name__}.permissions")
    return bool(getattr(module, f"can_{verb}")(current_user, *args))


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).strftime(fmt)


def page_url(endpoint: str, number: int, params: dict | None = None) -> str:
    """The link to page ``number`` of a list: the current filters kept, ``page`` replaced.

    Callers may hand over the request's arguments, ``page`` included; it is dropped here rather
    than in every template (``url_for(..., page=p, **request.args)`` is a TypeError).
    """
    values: dict = {}
    if request.endpoint == endpoint:  # the same list: keep its path arguments and filters
        values.update(request.view_args or {})
        values.update(request.args.lists())
    for key, value in (params.lists() if hasattr(params, "lists") else (params or {}).items()):
        # ``**request.args`` reaches a macro as first values only: keep the repeated ones.
        if not (isinstance(values.get(key), list) and value == values[key][0]):
            values[key] = value
    values.pop("page", None)
    return url_for(endpoint, page=number, **values)


def filesize(size: int | None) -> str:
    """「2.4 MB」: a byte count the way a file manager shows it."""
    value = float(size or 0)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def rich(value: str | None) -> Markup:
    """Rich text for a page: sanitised again as it is shown, so rows saved as plain text (or before
    the sanitiser learnt a rule) are as safe as new ones."""
    from eduplatform.core.text.richtext import clean_html

    return Markup(clean_html(value))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["rich"] = rich
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_navigation():
        return {"nav": nav_items(current_user)}
