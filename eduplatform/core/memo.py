"""Values computed once per request: the top bar's unread count and to-do count are asked for by the
top bar, the 工作台 card and the page itself; one query answers them all.

A value is forgotten as soon as the request's session writes (a flush, a commit or a rollback) and
at the end of the request, so a page that marks notices read and then shows the count shows the new
one. Outside a request (the CLI, a worker job) nothing is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, g, has_request_context
from sqlalchemy.orm import Session

from eduplatform.core.extensions import db

T = TypeVar("T")
_KEY = "_edu_request_memo"


def per_request(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` the first time ``key`` is asked for in this request, the same value after that."""
    if not has_request_context():
        return compute()
    session = db.session
    if session.new or session.dirty or session.deleted:
        # Changes not flushed yet: the query would autoflush them first (and that forgets the memo).
        g.pop(_KEY, None)
        return compute()
    memo = g.setdefault(_KEY, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(*_args) -> None:
    if has_request_context():
        g.pop(_KEY, None)


def _forget_on_write(state) -> None:
    """A bulk UPDATE / DELETE / INSERT (``session.execute(sa.update(...))``) flushes nothing."""
    if state.is_update or state.is_delete or state.is_insert:
        forget()


for _event in ("after_flush", "after_commit", "after_rollback", "after_soft_rollback"):
    sa.event.listen(Session, _event, forget)
sa.event.listen(Session, "do_orm_execute", _forget_on_write)


def init_app(app: Flask) -> None:
    app.teardown_request(forget)
