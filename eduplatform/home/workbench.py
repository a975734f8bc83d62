"""The home domain's own workbench cards: the merged to-do list (first) and the notices (last).

The other cards come from the domains (``WORKBENCH_PANELS`` in each package).
"""

from __future__ import annotations

from eduplatform.core import notices, workbench
from eduplatform.core.extensions import db


def _has_todos(user) -> bool:
    return getattr(user, "org", None) is not None and workbench.has_todos(user)


def todo_context(user) -> dict:
    items, total = workbench.todos(user)
    return {"todos": items, "total": total, "labels": workbench.URGENCY_LABELS}


#: How many notices the card lists.
NOTICE_LIMIT = 5


def notices_context(user) -> dict:
    """The unread notices, newest first (the 通知 page has the rest)."""
    rows = db.session.scalars(notices.inbox_query(user, unread_only=True).limit(NOTICE_LIMIT)).all()
    return {"rows": [(n, notices.link_of(n), notices.kind_label(n)) for n in rows],
            "unread": notices.unread_count(user)}


PANELS = [
    workbench.WorkbenchPanel("todo", "home/_todos.html", todo_context, when=_has_todos, order=0),
    workbench.WorkbenchPanel("new", "home/_notices.html", notices_context, order=90),
]
