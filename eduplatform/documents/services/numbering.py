"""发文字号: 机关代字〔年份〕顺序号号 (示教发〔2026〕12号) — six-corner brackets, no leading zeros, no 第.

Assigned once, at 登记, from a counter per 机关代字 and year, never twice and never with a gap:

- the counter row is created if missing without a race (``INSERT … ON CONFLICT DO NOTHING``), then
  read ``SELECT … FOR UPDATE`` (PostgreSQL: the row lock serialises concurrent clerks; SQLite: the
  write transaction, taken at the first write by ``core/db.py``, serialises them);
- the document row is locked too and re-read: a number already there is returned as it is, so a
  step returned and redone, a form open in two browsers or a retried request keeps the number;
- the counter and the document change in the caller's one transaction: a rolled-back registration
  gives its number back, so no gap is left.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.documents.models import Document, NumberCounter
from eduplatform.orgs.models import OrgUnit

LOCAL = ZoneInfo("Asia/Shanghai")


def format_number(agency_code: str, year: int, seq: int) -> str:
    """示教发〔2026〕12号."""
    return f"{agency_code}〔{int(year)}〕{int(seq)}号"


def _ensure_counter(agency_code: str, year: int) -> None:
    values = {"agency_code": agency_code, "year": year, "last": 0}
    table = NumberCounter.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["agency_code", "year"])
    else:
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["agency_code", "year"])
    db.session.execute(statement)


def assign_number(document: Document, *, actor=None, year: int | None = None) -> str:
    """Give ``document`` its 发文字号 (or return the one it has). Flushes; the caller commits."""
    locked = db.session.execute(
        sa.select(Document).where(Document.id == document.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if locked.doc_number:
        return locked.doc_number
    code = (locked.agency_code or "").strip()
    if not code:
        raise ValidationFailed("发文机关代字为空，无法登记发文字号")
    if year is None:
        year = datetime.now(LOCAL).year
    _ensure_counter(code, year)
    counter = db.session.execute(
        sa.select(NumberCounter).where(NumberCounter.agency_code == code, NumberCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    counter.last += 1
    locked.doc_year, locked.doc_seq = year, counter.last
    locked.doc_number = format_number(code, year, counter.last)
    locked.numbered_at = utcnow()
    db.session.flush()
    audit("documents", "document.numbered", f"登记发文字号 {locked.doc_number}：{locked.title}",
          actor=actor, obj=locked, data={"doc_number": locked.doc_number})
    return locked.doc_number


def _next(counter_code: str, year: int) -> int:
    _ensure_counter(counter_code, year)
    counter = db.session.execute(
        sa.select(NumberCounter).where(NumberCounter.agency_code == counter_code, NumberCounter.year == year)
        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    counter.last += 1
    return counter.last


def assign_receipt_number(document: Document, *, actor=None, year: int | None = None) -> str:
    """Give a 收文 its 收文号 (收〔2026〕208号) from the receiving unit's own counter: the same
    guarantees as the 发文字号 (once, no gap, no twice), a counter per unit and year."""
    locked = db.session.execute(
        sa.select(Document).where(Document.id == document.id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()
    if locked.receipt_number:
        return locked.receipt_number
    year = year or datetime.now(LOCAL).year
    unit_code = db.session.scalar(sa.select(OrgUnit.code).where(OrgUnit.id == locked.org_id))
    seq = _next(f"收文#{unit_code}", year)
    locked.receipt_number = f"收〔{year}〕{seq}号"
    db.session.flush()
    audit("documents", "document.received_numbered", f"登记收文号 {locked.receipt_number}：{locked.title}",
          actor=actor, obj=locked, data={"receipt_number": locked.receipt_number})
    return locked.receipt_number
