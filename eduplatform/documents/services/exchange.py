"""公文交换: 核发 sends a sealed 发文 to each recipient unit; their 收发员 签收 or 退文.

- ``distribute`` runs in 核发's transaction (the dispatcher of ``outgoing``): one ``Delivery`` per unit,
  inserted in bulk with one notice per unit's inbox, so that issuing to every school of the city
  (2,000 units) is one action of a few seconds (``bench/bench_documents_exchange.py``).
- The 收发员 of a unit (``clerk_unit``): a bureau's 办公室 staff (the bureau's own staff if it has no
  办公室), a school's administrators. They see the deliveries to their unit (``inbox_query``) and may
  read the sent document (a reader source of ``access``); the first time one opens it is the
  read receipt (``record_read``).
- ``sign_for`` (签收, time recorded) makes the unit's 收文 at 登记 (``incoming.receive_from_exchange``);
  ``return_delivery`` (退文) needs a reason and tells the sender's office.
- The sender (who may read the 发文) sees ``status``: who has signed, returned, read, not yet; the
  sender's office may ``chase`` (催办) the units that have not signed: a notice to each, counted.
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.accounts.models import Role, User
from eduplatform.core import notices
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.documents.models import Delivery, Document
from eduplatform.documents.services import access, incoming, outgoing
from eduplatform.orgs.models import OrgType, OrgUnit

REALM = "documents"
#: the object type of the recipients' notices: they open the 收发员's 来文签收 page
EXCHANGE_NOTICE = "document_exchange"
RECEIVING_TYPES = (OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU, OrgType.SCHOOL)
STATUS_LABELS = {"pending": "待签收", "signed": "已签收", "returned": "已退文"}
BATCH = 500


def register() -> None:
    outgoing.register_dispatcher(distribute)
    access.register_reader_source(readable_by_clerks)


# --- who is a unit's 收发员 --------------------------------------------------------------------

def clerk_unit(user) -> OrgUnit | None:
    """The unit whose deliveries ``user`` signs for, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.org_id:
        return None
    unit = db.session.get(OrgUnit, user.org_id)
    roles = set(user.roles)
    if unit is None:
        return None
    if Role.SCHOOL_ADMIN in roles:
        return unit.nearest(OrgType.SCHOOL)
    if Role.BUREAU_STAFF in roles:
        bureau = unit.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU)
        if bureau is not None and outgoing.office_of(bureau).id == unit.id:
            return bureau
    return None


def handles_documents(user) -> bool:
    """Who works with 公文 at all: bureau staff and leaders, and the 收发员 of a school."""
    return outgoing.is_bureau_user(user) or clerk_unit(user) is not None


def clerks_of(unit: OrgUnit) -> list[User]:
    if unit.type == OrgType.SCHOOL:
        candidates = db.session.scalars(sa.select(User).where(User.org_id == unit.id, User.is_active_account.is_(True)))
    else:
        office = outgoing.office_of(unit)
        candidates = db.session.scalars(sa.select(User).where(User.org_id == office.id, User.is_active_account.is_(True)))
    return [u for u in candidates if clerk_unit(u) is not None and clerk_unit(u).id == unit.id]


def readable_by_clerks(user) -> sa.Select:
    """For ``access``: the documents sent to the unit the user is 收发员 of."""
    unit = clerk_unit(user)
    if unit is None:
        return sa.select(Delivery.document_id).where(sa.false())
    return sa.select(Delivery.document_id).where(Delivery.recipient_org_id == unit.id)


# --- sending -------------------------------------------------------------------------------------

def distribute(document: Document, main_ids, cc_ids, actor) -> int:
    """核发: one delivery per recipient unit (主送 then 抄送; a unit already sent to is skipped)."""
    wanted = {int(i): "main" for i in main_ids}
    wanted.update({int(i): "cc" for i in cc_ids if int(i) not in wanted})
    units = dict(db.session.execute(sa.select(OrgUnit.id, OrgUnit.type).where(OrgUnit.id.in_(list(wanted)))).all())
    wrong = [i for i in wanted if units.get(i) not in RECEIVING_TYPES]
    if wrong:
        raise ValidationFailed("公文只能发往教育局或学校（科室由本单位内部分办）", code="not_a_receiver",
                               fields={"main_recipient_orgs": [f"单位 {i} 不收文" for i in wrong]})
    if document.org_id in wanted:
        raise ValidationFailed("不能发给本单位", code="not_a_receiver")
    already = set(db.session.scalars(sa.select(Delivery.recipient_org_id).where(Delivery.document_id == document.id)))
    now = utcnow()
    rows = [{"document_id": document.id, "recipient_org_id": org_id, "kind": kind, "status": "pending",
             "sent_at": now, "sent_by_id": actor.id, "chase_count": 0}
            for org_id, kind in wanted.items() if org_id not in already]
    for start in range(0, len(rows), BATCH):
        db.session.execute(Delivery.__table__.insert(), rows[start:start + BATCH])
    notices.notify_orgs(REALM, "delivered", f"来文待签收：{document.doc_number or ''}《{document.title}》",
                        [r["recipient_org_id"] for r in rows], body=f"{document.org.name}发来，请收发员签收",
                        object_type=EXCHANGE_NOTICE, object_id=document.id)
    main_count = sum(1 for r in rows if r["kind"] == "main")
    audit("documents", "document.distributed",
          f"核发《{document.title}》：主送 {main_count} 个单位，抄送 {len(rows) - main_count} 个单位",
          actor=actor, obj=document, data={"main": main_count, "cc": len(rows) - main_count,
                                           "recipients": len(rows)})
    return len(rows)


def deliveries(document: Document) -> list[Delivery]:
    return db.session.scalars(sa.select(Delivery).where(Delivery.document_id == document.id)
                              .order_by(Delivery.kind.desc(), Delivery.id)).all()


def status(document: Document) -> dict:
    """Counts for the sender: how many sent, signed, returned, read, waiting."""
    rows = db.session.execute(sa.select(Delivery.status, sa.func.count(), sa.func.count(Delivery.first_read_at))
                              .where(Delivery.document_id == document.id).group_by(Delivery.status)).all()
    counts = {key: 0 for key in STATUS_LABELS}
    read = 0
    for state, count, read_count in rows:
        counts[state] = count
        read += read_count
    return {"total": sum(counts.values()), **counts, "read": read}


def is_sender_office(user, document: Document) -> bool:
    """The sending unit's 办公室 (who 核发) may 催办; so may whoever drafted it."""
    if document.created_by_id == user.id:
        return True
    return clerk_unit(user) is not None and clerk_unit(user).id == document.org_id


def chase(document: Document, *, actor, note: str | None = None) -> int:
    """催办: a notice to every unit that has not signed yet; returns how many were chased."""
    if not access.can_read(actor, document):
        raise NotFound("公文不存在或您无权查看")
    if not is_sender_office(actor, document):
        raise PermissionDenied("只有发文单位的办公室或拟稿人可以催办")
    waiting = db.session.scalars(sa.select(Delivery).where(Delivery.document_id == document.id,
                                                           Delivery.status == "pending")).all()
    if not waiting:
        raise Conflict("各收文单位均已签收或退文，无需催办", code="nothing_to_chase")
    now = utcnow()
    for delivery in waiting:
        delivery.chase_count += 1
        delivery.last_chased_at = now
    note = (note or "").strip()[:200]
    notices.notify_orgs(REALM, "chased", f"催办：请尽快签收《{document.title}》", [d.recipient_org_id for d in waiting],
                        body=note, object_type=EXCHANGE_NOTICE, object_id=document.id)
    db.session.flush()
    audit("documents", "document.exchange_chased", f"催办《{document.title}》：{len(waiting)} 个单位未签收",
          actor=actor, obj=document, data={"units": [d.recipient_org_id for d in waiting], "note": note})
    return len(waiting)


# --- receiving -----------------------------------------------------------------------------------

def inbox_query(user, *, status: str | None = None):
    """The deliveries to the user's unit (the 收发员's 待签收 first), newest first."""
    unit = clerk_unit(user)
    if unit is None:
        raise PermissionDenied("只有收发员（办公室工作人员、学校管理员）可以签收来文")
    query = sa.select(Delivery).where(Delivery.recipient_org_id == unit.id)
    if status:
        query = query.where(Delivery.status == status)
    return query.order_by((Delivery.status == "pending").desc(), Delivery.sent_at.desc(), Delivery.id.desc())


def get_delivery(delivery_id: int, user) -> Delivery:
    """A delivery the user may see: its unit's 收发员, or someone who may read the sent document."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("来文不存在或您无权查看")
    unit = clerk_unit(user)
    if unit is not None and unit.id == delivery.recipient_org_id:
        return delivery
    if access.can_read(user, delivery.document) and is_sender_office(user, delivery.document):
        return delivery
    raise NotFound("来文不存在或您无权查看")


def _own(delivery_id: int, user) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    unit = clerk_unit(user)
    if delivery is None or unit is None or unit.id != delivery.recipient_org_id:
        raise NotFound("来文不存在或您无权查看")
    return delivery


def record_read(delivery: Delivery, user) -> bool:
    """The read receipt: the first time a 收发员 of the recipient opens the document (True then)."""
    unit = clerk_unit(user)
    if delivery.first_read_at is not None or unit is None or unit.id != delivery.recipient_org_id:
        return False
    delivery.first_read_at = utcnow()
    delivery.first_read_by_id = user.id
    db.session.flush()
    audit("documents", "document.exchange_read", f"{delivery.recipient.name}已阅来文《{delivery.document.title}》",
          actor=user, obj=delivery.document, data={"delivery_id": delivery.id})
    return True


def _check_pending(delivery: Delivery) -> None:
    if delivery.status != "pending":
        raise Conflict(f"该来文{STATUS_LABELS[delivery.status]}，不能再次办理", code="already_handled")


def sign_for(delivery_id: int, *, actor) -> Document:
    """签收: the time is recorded and the unit's 收文 is made, waiting at 登记."""
    delivery = _own(delivery_id, actor)
    _check_pending(delivery)
    record_read(delivery, actor)
    delivery.status = "signed"
    delivery.signed_at = utcnow()
    delivery.signed_by_id = actor.id
    db.session.flush()
    received = incoming.receive_from_exchange(delivery, actor)
    audit("documents", "document.signed_for", f"{delivery.recipient.name}签收《{delivery.document.title}》",
          actor=actor, obj=delivery.document, data={"delivery_id": delivery.id, "incoming_id": received.id})
    return received


def return_delivery(delivery_id: int, *, actor, reason: str) -> Delivery:
    """退文 at 签收 (wrongly addressed, not for us, incomplete): the sender's office is told why."""
    delivery = _own(delivery_id, actor)
    _check_pending(delivery)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请写明退文理由", fields={"reason": ["必填"]})
    record_read(delivery, actor)
    delivery.status = "returned"
    delivery.returned_at = utcnow()
    delivery.returned_by_id = actor.id
    delivery.return_reason = reason[:500]
    db.session.flush()
    document = delivery.document
    told = [u for u in clerks_of(document.org)] + ([db.session.get(User, document.created_by_id)]
                                                   if document.created_by_id else [])
    notices.notify(REALM, "returned", f"退文：{delivery.recipient.name}退回《{document.title}》", users=told,
                   body=reason, obj=document)
    audit("documents", "document.exchange_returned", f"{delivery.recipient.name}退回《{document.title}》：{reason}",
          actor=actor, obj=document, data={"delivery_id": delivery.id, "reason": reason})
    return delivery
