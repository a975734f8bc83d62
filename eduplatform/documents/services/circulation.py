"""传阅: from any step, whoever may read a document sends it to readers of their own unit with a note.

Each reader gets a notice and may read the document from then on (a reader source of ``access``);
their 已阅 is recorded with the time; the sender (or the unit's office) may recall a circulation not
yet read; the document page shows who has not read yet. Not an engine step: it runs beside the flow,
as 阅件 does on paper, and does not hold the flow up.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import User
from eduplatform.core import notices
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.documents.models import Circulation, Document
from eduplatform.documents.services import access
from eduplatform.orgs.models import OrgType, OrgUnit

REALM = "documents"
NOTICE_KINDS = {"circulate": "传阅", "returned": "退文", "recalled": "传阅已收回", "delivered": "来文待签收",
                "chased": "催办签收", "replied": "收文单位答复"}


def home_of(unit: OrgUnit) -> OrgUnit:
    """The bureau or school a unit belongs to (a 科室 → its bureau)."""
    return unit.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU, OrgType.SCHOOL) or unit


def readable_by_circulation(user) -> sa.Select:
    """For ``access``: the documents circulated to the user and not recalled."""
    return sa.select(Circulation.document_id).where(Circulation.reader_id == user.id,
                                                    Circulation.recalled_at.is_(None))


def candidates(document: Document, *, limit: int = 300) -> list[User]:
    """Who the document may be circulated to: the people of its own bureau (and 科室) or school."""
    home = home_of(document.org)
    units = [home.id] + [c.id for c in home.children if c.type == OrgType.DEPARTMENT]
    return db.session.scalars(sa.select(User).where(User.org_id.in_(units), User.is_active_account.is_(True))
                              .order_by(User.org_id, User.id).limit(limit)).all()


def active(document: Document) -> list[Circulation]:
    return db.session.scalars(sa.select(Circulation).where(
        Circulation.document_id == document.id, Circulation.recalled_at.is_(None))
        .order_by(Circulation.sent_at, Circulation.id)).all()


def circulate(document: Document, reader_ids, *, actor, note: str | None = None) -> list[Circulation]:
    """Send the document to readers of the document's unit; readers who already have it are skipped."""
    if not access.can_read(actor, document):
        raise NotFound("公文不存在或您无权查看")
    ids = sorted({int(i) for i in reader_ids or []})
    if not ids:
        raise ValidationFailed("请选择传阅人员", fields={"readers": ["至少选择一人"]})
    home = home_of(document.org)
    if actor.org is None or home_of(actor.org).id != home.id:
        raise PermissionDenied(f"只能传阅本单位的公文（本件属{home.name}）")
    readers = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
    outside = [u.display_name for u in readers if u.org is None or home_of(u.org).id != home.id]
    if len(readers) != len(ids) or outside:
        raise ValidationFailed(f"只能在{home.name}内部传阅" + (f"：{'、'.join(outside)}不在本单位" if outside else ""),
                               fields={"readers": ["有不属于本单位的人员"]})
    already = {c.reader_id for c in active(document)}
    note = (note or "").strip()[:500] or None
    made = [Circulation(document_id=document.id, reader_id=u.id, note=note, sent_by_id=actor.id)
            for u in readers if u.id not in already]
    if not made:
        return []
    db.session.add_all(made)
    db.session.flush()
    new_readers = [u for u in readers if u.id not in already]
    notices.notify(REALM, "circulate", f"请阅：{document.title}", users=new_readers, body=note or "", obj=document)
    audit("documents", "document.circulated",
          f"传阅《{document.title}》给 {'、'.join(u.display_name for u in new_readers)}", actor=actor, obj=document,
          data={"readers": [u.id for u in new_readers], "note": note})
    return made


def mark_read(document: Document, user) -> bool:
    """已阅: the reader's open circulation is marked read (once); True if this call marked it."""
    row = db.session.scalar(sa.select(Circulation).where(
        Circulation.document_id == document.id, Circulation.reader_id == user.id,
        Circulation.recalled_at.is_(None), Circulation.read_at.is_(None)))
    if row is None:
        return False
    row.read_at = utcnow()
    db.session.flush()
    notices.mark_read(user, realm=REALM, object_type=Document.__audit_type__, object_id=document.id)
    audit("documents", "document.read", f"已阅《{document.title}》", actor=user, obj=document,
          data={"circulation_id": row.id})
    return True


def recall(circulation_id: int, *, actor) -> Circulation:
    """收回 a circulation not read yet (by its sender, or a leader of the unit)."""
    row = db.session.get(Circulation, circulation_id)
    if row is None:
        raise NotFound("传阅记录不存在")
    document = db.session.get(Document, row.document_id)
    if row.sent_by_id != actor.id and not access.can_grant(actor, document):
        raise PermissionDenied("只有发出传阅的人可以收回")
    if row.recalled_at is not None:
        return row
    if row.read_at is not None:
        raise Conflict("对方已阅，不能收回")
    row.recalled_at = utcnow()
    db.session.flush()
    audit("documents", "document.circulation_recalled", f"收回传阅《{document.title}》（{row.reader.display_name}）",
          actor=actor, obj=document, data={"circulation_id": row.id, "reader": row.reader_id})
    return row


def waiting_for(user, *, limit: int = 50) -> list[Circulation]:
    """待阅: what was circulated to the user and not yet read (nor recalled), oldest first."""
    return db.session.scalars(sa.select(Circulation).where(
        Circulation.reader_id == user.id, Circulation.read_at.is_(None), Circulation.recalled_at.is_(None))
        .order_by(Circulation.sent_at, Circulation.id).limit(limit)).all()


def unread(document: Document) -> list[Circulation]:
    return [c for c in active(document) if c.read_at is None]
