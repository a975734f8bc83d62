"""Who may read a 公文 (知悉范围): 密级 is enforced by never showing a document to anyone else.

A document is visible to

- the people in its flow: who drafted it, who acted at a step, who holds or held a task in it
  (the engine answers, ``workflow.involved_subject_ids``);
- those granted access by name (``AccessGrant``, with a reason; audited);
- whoever another part of the package adds through ``register_reader_source`` (the 传阅 list, the
  收发员 of a unit it was sent to);
- the leaders of the issuing unit (局领导), classified or not: they decide who else may know it;
- and, for a document without 密级 only, the bureau staff of the issuing unit and its 科室 — a
  unit's ordinary documents are not kept from its own office.

Anyone else gets 404, not 403: a classified document's existence is itself not told. The 三员 see
no document content (their roles are not bureau roles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.accounts.models import BUREAU_ROLES, Role
from eduplatform.core.errors import NotFound, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.documents.models import AccessGrant, Document
from eduplatform.orgs.models import OrgType, OrgUnit

SUBJECT = Document.__audit_type__
FLOWS = ("outgoing_document", "incoming_document", "incoming_document_school")

#: fn(user) → a select of document ids the user may read for another reason (传阅, 交换)
_reader_sources: list[Callable] = []


def register_reader_source(fn: Callable) -> None:
    if fn not in _reader_sources:
        _reader_sources.append(fn)


def _own_unit_ids(user) -> sa.Select | None:
    """The units whose unclassified documents the user may read: their bureau and its 科室."""
    if not user.org_id or not (set(user.roles) & BUREAU_ROLES):
        return None
    unit = db.session.get(OrgUnit, user.org_id)
    bureau = unit.nearest(OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU) if unit is not None else None
    if bureau is None:
        return None
    return sa.select(OrgUnit.id).where(sa.or_(OrgUnit.id == bureau.id, sa.and_(
        OrgUnit.parent_id == bureau.id, OrgUnit.type == OrgType.DEPARTMENT)))


def _personal_parts(user) -> list[sa.Select]:
    parts = [sa.select(Document.id).where(Document.created_by_id == user.id),
             sa.select(AccessGrant.document_id).where(AccessGrant.user_id == user.id)]
    parts += [workflow.involved_subject_ids(user, flow, SUBJECT) for flow in FLOWS]
    parts += [source(user) for source in _reader_sources]
    return parts


def personal_ids(user) -> sa.Select:
    """A select of the ids of the documents ``user`` reads for a personal reason: drafted it, was
    granted it, takes part in its flow, or a reader source names them (传阅)."""
    return sa.union(*_personal_parts(user))


def unit_scope(user) -> tuple[sa.Select | None, bool]:
    """The units whose documents ``user`` reads by office, and whether classified ones too (局领导)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None, False
    units = _own_unit_ids(user)
    return units, units is not None and Role.BUREAU_LEADER in set(user.roles)


def visible_ids(user) -> sa.Select:
    """A select of the ids of every document ``user`` may read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return sa.select(Document.id).where(sa.false())
    parts = _personal_parts(user)
    units, classified_too = unit_scope(user)
    if units is not None and classified_too:
        parts.append(sa.select(Document.id).where(Document.org_id.in_(units)))
    elif units is not None:
        parts.append(sa.select(Document.id).where(Document.org_id.in_(units), unclassified()))
    return sa.union(*parts)


@dataclass(frozen=True)
class ReaderScope:
    """What ``visible_ids(user)`` holds, read once: the units read by office (all of their documents
    or only the unclassified ones) and the ids read personally — for a search, which filters the
    office part by indexed tokens and checks its hits without listing every visible id."""

    unit_ids: frozenset[int]
    classified_too: bool
    personal_ids: frozenset[int]

    def by_office(self, org_id: int, secrecy: str | None) -> bool:
        return org_id in self.unit_ids and (self.classified_too or not secrecy)

    def may_read(self, document: Document) -> bool:
        return document.id in self.personal_ids or self.by_office(document.org_id, document.secrecy)


def reader_scope(user) -> ReaderScope:
    """The ``ReaderScope`` of ``user`` (nothing for the anonymous): two small queries."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ReaderScope(frozenset(), False, frozenset())
    units, classified_too = unit_scope(user)
    unit_ids = frozenset(db.session.scalars(units)) if units is not None else frozenset()
    personal = frozenset(db.session.scalars(sa.select(personal_ids(user).subquery().c[0])))
    return ReaderScope(unit_ids, classified_too, personal)


def unclassified():
    """The condition of a document without 密级."""
    return sa.or_(Document.secrecy.is_(None), Document.secrecy == "")


def can_read(user, document: Document) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        sa.literal(document.id).in_(visible_ids(user)))) is True


def get_readable(document_id: int, user) -> Document:
    """The document if ``user`` may read it; 404 otherwise (also when it does not exist)."""
    document = db.session.get(Document, document_id)
    if document is None or not can_read(user, document):
        raise NotFound("公文不存在或您无权查看")
    return document


def visible_query(user):
    """Documents ``user`` may read, newest first (for lists)."""
    return sa.select(Document).where(Document.id.in_(visible_ids(user))).order_by(Document.id.desc())


def can_grant(user, document: Document) -> bool:
    """A leader of the issuing unit decides who else may know a document."""
    if Role.BUREAU_LEADER not in set(user.roles) or not user.org_id:
        return False
    unit = db.session.get(OrgUnit, user.org_id)
    return unit is not None and (unit.id == document.org_id or unit.contains(document.org))


def grant_access(document: Document, user, *, actor, reason: str) -> AccessGrant:
    if not can_grant(actor, document):
        raise PermissionDenied("只有发文单位的领导可以扩大知悉范围")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请写明授权理由", fields={"reason": ["必填"]})
    existing = db.session.scalar(sa.select(AccessGrant).where(AccessGrant.document_id == document.id,
                                                              AccessGrant.user_id == user.id))
    if existing is not None:
        return existing
    grant = AccessGrant(document_id=document.id, user_id=user.id, granted_by_id=actor.id, reason=reason[:200])
    db.session.add(grant)
    db.session.flush()
    audit("documents", "document.access_granted", f"授权 {user.display_name} 查阅《{document.title}》：{reason}",
          actor=actor, obj=document, data={"user_id": user.id, "secrecy": document.secrecy})
    return grant
