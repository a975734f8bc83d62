"""What a refused or accepted request left behind, for tests to assert on beside the status code.

``api_error`` reads the API's ``{"error": {"code", "message"}}``; ``page_message`` the Chinese message of
the HTML error page; ``denials`` the audited refusals (core.permissions.require writes one per 403);
``count`` the rows of a table, to show that a refusal wrote nothing.
"""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db

_ERROR_MESSAGE = re.compile(r'<p class="lead" id="error-message">(.*?)</p>', re.DOTALL)


def api_error(response) -> dict:
    """The ``error`` object of a JSON refusal: {"code": …, "message": …[, "fields": …]}."""
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and "error" in body, (response.status_code, response.get_data(as_text=True)[:300])
    return body["error"]


def page_message(response) -> str:
    """The message shown on the HTML error page (templates/errors/error.html), or "" when there is none."""
    found = _ERROR_MESSAGE.search(response.get_data(as_text=True))
    return html.unescape(found.group(1).strip()) if found else ""


def denials(actor=None, *, action: str | None = None) -> list[AuditEntry]:
    """The audited refusals (kind ``permission.denied``), oldest first, of ``actor`` and ``action`` when given."""
    query = sa.select(AuditEntry).where(AuditEntry.kind == "permission.denied").order_by(AuditEntry.id)
    if actor is not None:
        query = query.where(AuditEntry.actor_id == actor.id)
    entries = db.session.scalars(query).all()
    return [e for e in entries if action is None or (e.data or {}).get("action") == action]


def count(model, *where) -> int:
    """How many rows of ``model`` (meeting ``where``) the database holds now."""
    query = sa.select(sa.func.count()).select_from(model)
    for condition in where:
        query = query.where(condition)
    return db.session.scalar(query)


def reread(obj):
    """``obj`` as the database holds it now (not as the session remembers it)."""
    db.session.expire(obj)
    db.session.refresh(obj)
    return obj


def assert_refused_page(response, what="", *, why: str = "没有权限", status: int = 403) -> None:
    """An HTML refusal: the status, and the error page saying ``why`` in Chinese."""
    assert response.status_code == status, (what, response.status_code)
    assert why in page_message(response), (what, page_message(response))


def assert_refused_api(response, what="", *, code: str = "forbidden", status: int = 403) -> dict:
    """An API refusal: the status and the error ``code``, with a message; → the error object."""
    assert response.status_code == status, (what, response.status_code)
    error = api_error(response)
    assert error["code"] == code and error["message"], (what, error)
    return error
