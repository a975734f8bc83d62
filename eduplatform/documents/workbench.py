"""公文 on the 工作台's to-do list beyond the process steps: 来文 waiting for the unit's 签收 and
documents circulated to the person (待阅). Both open the document's own page or the 签收 list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from eduplatform.core.extensions import db
from eduplatform.core.workbench import TodoItem
from eduplatform.documents.models import Circulation, Delivery
from eduplatform.documents.services import circulation, exchange


def _pending_deliveries(user):
    unit = exchange.clerk_unit(user)
    if unit is None:
        return None
    return sa.select(Delivery).where(Delivery.recipient_org_id == unit.id, Delivery.status == "pending")


def todos(user, limit: int) -> list[TodoItem]:
    items = []
    pending = _pending_deliveries(user)
    if pending is not None:
        for delivery in db.session.scalars(pending.order_by(Delivery.sent_at, Delivery.id).limit(limit)):
            items.append(TodoItem(title=delivery.document.title, kind="来文", step="待签收",
                                  url=url_for("documents.exchange_inbox", status="pending"),
                                  note=f"{delivery.document.org.name}发来" if delivery.document.org else ""))
    for row in circulation.waiting_for(user, limit=limit):
        items.append(TodoItem(title=row.document.title, kind="传阅", step="待阅",
                              url=url_for("documents.document_page", document_id=row.document_id)))
    return items


def todo_count(user) -> int:
    total = 0
    pending = _pending_deliveries(user)
    if pending is not None:
        total += db.session.scalar(sa.select(sa.func.count()).select_from(pending.subquery())) or 0
    total += db.session.scalar(sa.select(sa.func.count()).select_from(Circulation).where(
        Circulation.reader_id == user.id, Circulation.read_at.is_(None), Circulation.recalled_at.is_(None))) or 0
    return total
