"""向社会公开: a resource open to anonymous visitors of the public site (门户网站).

The owner chooses 向社会公开 on upload or edit; it is only a request (``Resource.requested_visibility``)
and the resource counts as 全平台 until the reviewer of the publishing step (区县审核, or the bureau's
own review of a bureau upload) decides: approve it, or lower it to 全平台 with the reason recorded
(``Resource.visibility_note``, shown to the owner). The engine's generic task page cannot publish such
a resource (it has no place for the decision): the resource page's review form must.

A published resource may ask for 向社会公开 later: it stays published at its visibility while its
district reviewers decide on the resource page (the review queue lists it). A new file sends a
public resource back to draft with 向社会公开 requested again. The owner may lower a published
resource's visibility at any time without review (nothing becomes more visible).
"""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.resources import permissions
from eduplatform.resources.models import Resource, ReviewState, Visibility

MAX_REASON = 1000
DECISIONS = ("public", "platform")


def check_decision(public: str | None, reason: str | None) -> tuple[str, str | None]:
    """(decision, reason) of a reviewer on a requested 向社会公开; a lowering needs its reason."""
    public = (public or "").strip()
    reason = (reason or "").strip() or None
    if public not in DECISIONS:
        raise ValidationFailed("该资源申请向社会公开：请选择“同意向社会公开”或“降为全平台”",
                               code="public_decision_missing", fields={"public": ["请选择是否同意向社会公开"]})
    if public == "platform" and not reason:
        raise ValidationFailed("降为全平台时必须填写理由", fields={"public_reason": ["请填写理由"]})
    if reason and len(reason) > MAX_REASON:
        raise ValidationFailed(f"理由不能超过 {MAX_REASON} 字", fields={"public_reason": ["理由过长"]})
    return public, reason


def apply_decision(resource: Resource, actor, decision: tuple[str, str | None] | None) -> None:
    """Apply the reviewer's decision on a pending 向社会公开 (audited)."""
    if decision is None:
        raise ValidationFailed("该资源申请向社会公开，须在资源页面审核（选择同意向社会公开或降为全平台）",
                               code="public_decision_missing")
    public, reason = decision
    resource.requested_visibility = None
    if public == "public":
        resource.visibility, resource.visibility_note = Visibility.PUBLIC, None
        record("resources", "resource.public_approved", f"同意《{resource.title}》向社会公开",
               actor=actor, obj=resource, data={"visibility": Visibility.PUBLIC.value})
    else:
        resource.visibility, resource.visibility_note = Visibility.PLATFORM, reason
        record("resources", "resource.public_lowered",
               f"《{resource.title}》申请向社会公开，审核降为全平台，理由：{reason}", actor=actor, obj=resource,
               data={"visibility": Visibility.PLATFORM.value, "reason": reason})


def change_visibility(actor, resource: Resource, wanted: Visibility) -> str:
    """The owner of a published resource changes its visibility: 向社会公开 is requested (reviewed
    again), any other choice applies at once. Answers "requested" or "changed"."""
    if not permissions.can_request_public(actor, resource):
        raise PermissionDenied("只有上传者可以更改已发布资源的可见范围")
    if wanted == Visibility.PUBLIC:
        if resource.visibility == Visibility.PUBLIC:
            raise Conflict("该资源已向社会公开", code="already_public")
        if resource.public_pending:
            raise Conflict("该资源的向社会公开申请正在审核中", code="public_pending")
        resource.requested_visibility = Visibility.PUBLIC
        record("resources", "resource.public_requested", f"申请《{resource.title}》向社会公开（待审核）",
               actor=actor, obj=resource, data={"visibility": resource.visibility.value})
        db.session.flush()
        return "requested"
    previous, pending = resource.visibility, resource.public_pending
    if previous == wanted and not pending:
        raise Conflict(f"可见范围已是“{wanted.label}”", code="unchanged")
    resource.visibility, resource.requested_visibility = wanted, None
    record("resources", "resource.visibility_changed",
           f"《{resource.title}》的可见范围：{previous.label} → {wanted.label}"
           + ("（撤回向社会公开申请）" if pending else ""), actor=actor, obj=resource,
           data={"from": previous.value, "to": wanted.value, "withdrew_request": pending})
    db.session.flush()
    return "changed"


def decide(actor, resource: Resource, public: str | None, reason: str | None) -> None:
    """A district reviewer decides on a published resource's 向社会公开 request."""
    if not permissions.can_decide_public(actor, resource):
        raise PermissionDenied("您不是该资源向社会公开申请的审核人")
    apply_decision(resource, actor, check_decision(public, reason))
    db.session.flush()


def pending_for(user):
    """A select of the published resources whose 向社会公开 request waits for ``user``'s decision."""
    from eduplatform.core.permissions import ALL_ORGS, org_scope

    scope = org_scope(user) if getattr(user, "is_authenticated", False) else None
    if scope is None or scope is ALL_ORGS or not scope.is_bureau \
            or not user.has_role(*permissions.DISTRICT_REVIEWER_ROLES):
        return sa.select(Resource).where(sa.false())
    from eduplatform.orgs.models import OrgUnit

    below = sa.select(OrgUnit.id).where(OrgUnit.id.in_(scope.subtree_ids()))
    return (sa.select(Resource).where(Resource.state == ReviewState.PUBLISHED,
                                      Resource.requested_visibility == Visibility.PUBLIC,
                                      Resource.org_id.in_(below), Resource.owner_id != user.id)
            .order_by(Resource.updated_at, Resource.id))


def public_list(*, limit: int | None = None, query=None):
    """The public resources, newest first (the portal's 公开资源 block and list)."""
    select = permissions.public_resources(query if query is not None else sa.select(Resource))
    select = select.order_by(Resource.published_at.desc(), Resource.id.desc())
    return select.limit(limit) if limit else select
