"""The review process of a resource (审核), kept in this one module.

    draft ──submit──▶ submitted ──school approve──▶ district_review ──district approve──▶ published
      ▲                   │                              │
      └──── (edit) ── returned ◀──── return (reason) ────┘

Resources uploaded by a bureau skip the school step. Nobody reviews their own upload. Every
step writes a :class:`ReviewStep` row and an audit entry in the same transaction.

The interface is narrow on purpose, so the steps can move onto the shared business-process engine
(``eduplatform/workflow``) without touching views or tests: ``submit``, ``approve``,
``return_resource``, ``available_actions``, ``queue``, ``history``. Views never change
``Resource.state`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.audit.services import record
from eduplatform.core.db import enum_column, utcnow
from eduplatform.core.errors import AppError, PermissionDenied, ValidationFailed
from eduplatform.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.resources import permissions
from eduplatform.resources.models import Resource, ReviewState

MAX_REASON = 1000


class ReviewStep(db.Model):
    """One step a resource took (submitted, approved at a level, returned with a reason)."""

    __tablename__ = "resource_review_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(sa.ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    from_state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState))
    to_state: Mapped[ReviewState] = mapped_column(enum_column(ReviewState))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User", lazy="joined")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


ACTION_LABELS = {"submit": "提交审核", "approve_school": "学校审核通过", "approve_district": "区县审核通过",
                 "return": "退回"}


@dataclass(frozen=True)
class Action:
    code: str  # submit | approve | return
    label: str


def _needs_school_step(resource: Resource) -> bool:
    return resource.org is not None and resource.org.type == OrgType.SCHOOL


def _step(resource: Resource, actor, action: str, to_state: ReviewState, reason: str | None = None) -> ReviewStep:
    from_state = resource.state
    step = ReviewStep(resource_id=resource.id, action=action, from_state=from_state, to_state=to_state,
                      actor_id=actor.id, reason=reason)
    db.session.add(step)
    resource.state = to_state
    record("resources", f"resource.{action}",
           f"{ACTION_LABELS[action]}：《{resource.title}》（{from_state.label} → {to_state.label}）"
           + (f"，理由：{reason}" if reason else ""),
           actor=actor, obj=resource, data={"from": from_state.value, "to": to_state.value, "reason": reason})
    db.session.flush()
    return step


# -- the steps -----------------------------------------------------------------------------------

def can_submit(user, resource: Resource) -> bool:
    return resource.owner_id == getattr(user, "id", None) and resource.state in (ReviewState.DRAFT,
                                                                                ReviewState.RETURNED)


def can_approve(user, resource: Resource) -> bool:
    if resource.owner_id == getattr(user, "id", None):
        return False  # nobody reviews their own upload
    if resource.state == ReviewState.SUBMITTED:
        return permissions.is_school_reviewer_of(user, resource)
    if resource.state == ReviewState.DISTRICT_REVIEW:
        return permissions.is_district_reviewer_of(user, resource)
    return False


can_return = can_approve


def submit(resource: Resource, actor) -> None:
    """The owner sends a draft (or a returned resource) for review."""
    if not can_submit(actor, resource):
        raise PermissionDenied("只有上传者可以提交草稿或被退回的资源")
    version = resource.version
    if version is None or version.conformance_status == "fail":
        raise AppError("资源未通过技术规范检查中的必备项，不能提交审核；请更换文件后再提交",
                       code="conformance_failed", status=409)
    resource.submitted_at = utcnow()
    resource.return_reason = None
    target = ReviewState.SUBMITTED if _needs_school_step(resource) else ReviewState.DISTRICT_REVIEW
    _step(resource, actor, "submit", target)


def approve(resource: Resource, actor) -> None:
    """A reviewer approves the current step: school → district review, district → published."""
    if not can_approve(actor, resource):
        raise PermissionDenied("您不是该资源当前步骤的审核人")
    if resource.state == ReviewState.SUBMITTED:
        _step(resource, actor, "approve_school", ReviewState.DISTRICT_REVIEW)
    else:
        resource.published_at = utcnow()
        _step(resource, actor, "approve_district", ReviewState.PUBLISHED)


def return_resource(resource: Resource, actor, reason: str) -> None:
    """A reviewer sends the resource back to its owner, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("退回时必须填写理由", fields={"reason": ["请填写退回理由"]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"退回理由不能超过 {MAX_REASON} 字", fields={"reason": ["理由过长"]})
    if not can_return(actor, resource):
        raise PermissionDenied("您不是该资源当前步骤的审核人")
    resource.return_reason = reason
    _step(resource, actor, "return", ReviewState.RETURNED, reason)


def withdraw_for_change(resource: Resource, actor) -> None:
    """A new file for a published or returned resource sends it back to draft (to be reviewed again)."""
    if resource.state in (ReviewState.PUBLISHED, ReviewState.RETURNED):
        from_state = resource.state
        resource.state = ReviewState.DRAFT
        resource.published_at = None
        record("resources", "resource.back_to_draft",
               f"《{resource.title}》更换文件后回到草稿（原状态：{from_state.label}），需重新提交审核",
               actor=actor, obj=resource, data={"from": from_state.value})


# -- reading -------------------------------------------------------------------------------------

def available_actions(user, resource: Resource) -> list[Action]:
    actions = []
    if can_submit(user, resource):
        actions.append(Action("submit", "提交审核"))
    if can_approve(user, resource):
        level = "学校" if resource.state == ReviewState.SUBMITTED else "区县"
        actions.append(Action("approve", f"{level}审核通过"))
        actions.append(Action("return", "退回"))
    return actions


def queue(user):
    """A select of the resources waiting for ``user``'s review, oldest first."""
    from eduplatform.core.permissions import ALL_ORGS, org_scope

    scope = org_scope(user)
    query = sa.select(Resource).order_by(Resource.submitted_at, Resource.id)
    if scope is None or scope is ALL_ORGS:
        return query.where(sa.false())
    clauses = []
    if user.has_role(*permissions.SCHOOL_REVIEWER_ROLES) and scope.type == OrgType.SCHOOL:
        clauses.append(sa.and_(Resource.state == ReviewState.SUBMITTED, Resource.org_id == scope.id))
    if user.has_role(*permissions.DISTRICT_REVIEWER_ROLES) and scope.is_bureau:
        subtree = sa.select(OrgUnit.id).where(OrgUnit.path.startswith(scope.path))
        clauses.append(sa.and_(Resource.state == ReviewState.DISTRICT_REVIEW, Resource.org_id.in_(subtree)))
    if not clauses:
        return query.where(sa.false())
    return query.where(sa.or_(*clauses), Resource.owner_id != user.id)


def is_reviewer(user) -> bool:
    from eduplatform.core.permissions import ALL_ORGS, org_scope

    scope = org_scope(user)
    if scope is None or scope is ALL_ORGS:
        return False
    return ((user.has_role(*permissions.SCHOOL_REVIEWER_ROLES) and scope.type == OrgType.SCHOOL)
            or (user.has_role(*permissions.DISTRICT_REVIEWER_ROLES) and scope.is_bureau))


def history(resource: Resource) -> list[ReviewStep]:
    return list(db.session.scalars(sa.select(ReviewStep).where(ReviewStep.resource_id == resource.id)
                                   .order_by(ReviewStep.id)))
