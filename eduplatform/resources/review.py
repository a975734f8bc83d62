"""The review of a resource (审核), run by the business-process engine (``eduplatform/workflow``).

    draft ──submit──▶ submitted ──approve_school──▶ district_review ──approve_district──▶ published
      ▲                  │ (待学校审核)                  │ (待区县审核)
      │                  └────────── return (reason) ───┴──▶ returned ──submit──▶ …
      └──────────────── revise (a new file) ─────────────────────┘

The process is data: ``processes/resource_review.yaml`` says who reviews each step, the due dates,
reminders and escalation. Bureau uploads skip the school step (a branch on ``uploader_unit``);
nobody reviews their own upload (``exclude: starter``); a bureau above the reviewing bureau may
review too (``and_above``). This module

- starts an instance when the owner first submits a resource (a draft stays private to its owner
  until then), and a new one, as a draft, when a published resource gets a new file;
- maps the library's actions (submit / approve / return) onto the engine's transitions;
- keeps ``Resource.state`` in step with the instance through an ``on_transition`` hook, in the same
  transaction, whoever performs the transition (these pages, the API, or the engine's own pages);
- reads reviewer queues from the engine's to-do lists and the history from its event flow.

Views never change ``Resource.state`` themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import url_for

from eduplatform import workflow
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.resources import permissions
from eduplatform.resources.models import Resource, ReviewState, Visibility

PROCESS = "resource_review"
PROCESSES_DIR = Path(__file__).with_name("processes")
#: The engine's subject type of a resource (its ``__audit_type__``).
SUBJECT = Resource.__audit_type__
#: The steps a reviewer works at (the others belong to the uploader).
REVIEW_STATES = (ReviewState.SUBMITTED.value, ReviewState.DISTRICT_REVIEW.value)
MAX_REASON = 1000

ACTION_LABELS = {"submit": "提交审核", "approve_school": "学校审核通过", "approve_district": "区县审核通过",
                 "return": "退回", "revise": "更换文件后转为草稿"}
#: Engine transitions → the library's action codes (API ``actions``, the review form's ``action``).
ACTION_CODES = {"submit": "submit", "approve_school": "approve", "approve_district": "approve",
                "return": "return"}
#: Transitions written to the resource's own audit trail (realm ``resources``), and their kinds.
AUDIT_KINDS = {"submit": "resource.submit", "approve_school": "resource.approve_school",
               "approve_district": "resource.approve_district", "return": "resource.return",
               "revise": "resource.back_to_draft"}


def register() -> None:
    """Tell the engine about the process and about resources (from ``resources.init_app``)."""
    workflow.register_processes(PROCESSES_DIR)
    workflow.register_subject(SUBJECT, lambda rid: db.session.get(Resource, int(rid)),
                              url=lambda r: url_for("resources.detail", resource_id=r.id), label="教学资源")


@dataclass(frozen=True)
class Action:
    code: str  # submit | approve | return
    label: str


@dataclass(frozen=True)
class Step:
    """One review step of a resource, read from the engine's event flow."""

    action: str
    from_state: ReviewState
    to_state: ReviewState
    actor_name: str
    reason: str | None
    created_at: datetime
    instance_id: int

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def _unproxy(user):
    getter = getattr(user, "_get_current_object", None)
    return getter() if getter else user


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# -- the instance --------------------------------------------------------------------------------

def current_instance(resource: Resource) -> workflow.ProcessInstance | None:
    """The running review of ``resource`` (None once published, or for an imported resource)."""
    instance = workflow.instance_for(resource, PROCESS)
    return instance if instance is not None and instance.is_active else None


def open_review(resource: Resource) -> workflow.ProcessInstance:
    """Start the review of a resource, in its draft step (waiting for the owner to submit it).

    The owner is the instance's starter: the draft and returned steps are theirs, and ``exclude:
    starter`` keeps them from reviewing it.
    """
    running = current_instance(resource)
    if running is not None:
        return running
    unit = "学校" if resource.org.type == OrgType.SCHOOL else "教育局"
    return workflow.start(PROCESS, subject=resource, org=resource.org, actor=resource.owner,
                          title=resource.title, data={"title": resource.title, "uploader_unit": unit})


def review_token(resource: Resource) -> str:
    """What a page or an API client saw of the review: the running instance and its version ("" for
    none). Sent back with an action, it lets ``check_unchanged`` tell a reviewer that someone acted
    in between (409) rather than that they may not act (403)."""
    instance = current_instance(resource)
    return f"{instance.id}.{instance.version}" if instance is not None else ""


def check_unchanged(resource: Resource, token: str | None) -> None:
    """Refuse with a conflict an action taken on what is no longer there: the review moved (or a
    new one started) since ``token`` was read. Reads the database, not the session's copies."""
    if token is None:
        return
    row = workflow.newest_running(PROCESS, SUBJECT, resource.id)
    if token.strip() == (f"{row.id}.{row.version}" if row is not None else ""):
        return
    state = ReviewState(row.state) if row is not None else \
        db.session.scalar(sa.select(Resource.state).where(Resource.id == resource.id))
    raise Conflict(f"该资源的审核已由他人处理，当前状态为“{state.label}”，请刷新页面后再操作",
                   code="review_changed")


_NOT_LOOKED_UP = object()


def _available(user, resource: Resource, instance=_NOT_LOOKED_UP) -> list:
    if not _authenticated(user):
        return []
    if instance is _NOT_LOOKED_UP:
        instance = current_instance(resource)
    return workflow.available_transitions(instance, user) if instance is not None else []


def _can(user, resource: Resource, *keys: str, instance=_NOT_LOOKED_UP) -> bool:
    return any(a.transition.key in keys for a in _available(user, resource, instance))


# -- the steps -----------------------------------------------------------------------------------

def can_submit(user, resource: Resource, instance=_NOT_LOOKED_UP) -> bool:
    if instance is _NOT_LOOKED_UP:
        instance = current_instance(resource)
    if instance is None:  # a draft that was never submitted has no review yet: submitting starts one
        return resource.state == ReviewState.DRAFT and resource.owner_id == getattr(user, "id", None)
    return _can(user, resource, "submit", instance=instance)


def can_approve(user, resource: Resource, instance=_NOT_LOOKED_UP) -> bool:
    return _can(user, resource, "approve_school", "approve_district", instance=instance)


def can_return(user, resource: Resource, instance=_NOT_LOOKED_UP) -> bool:
    return _can(user, resource, "return", instance=instance)


def _check_conformance(resource: Resource) -> None:
    version = resource.version
    if version is None or version.conformance_status == "fail":
        raise AppError("资源未通过技术规范检查中的必备项，不能提交审核；请更换文件后再提交",
                       code="conformance_failed", status=409)


def _check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("退回时必须填写理由", fields={"reason": ["请填写退回理由"]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"退回理由不能超过 {MAX_REASON} 字", fields={"reason": ["理由过长"]})
    return reason


def submit(resource: Resource, actor) -> None:
    """The owner sends a draft (or a returned resource) for review."""
    actor = _unproxy(actor)
    instance = current_instance(resource)
    if not can_submit(actor, resource, instance):
        raise PermissionDenied("只有上传者可以提交草稿或被退回的资源")
    _check_conformance(resource)
    instance = instance or open_review(resource)
    instance.title = resource.title[:255]
    workflow.perform(instance, "submit", actor=actor, data={"title": resource.title})


def approve(resource: Resource, actor, *, public: str | None = None, public_reason: str | None = None) -> None:
    """A reviewer approves the current step: school → district review, district → published.

    A resource asking for 向社会公开 needs the publishing step's decision: ``public`` "public" (approve
    it) or "platform" (lower it to 全平台, ``public_reason`` saying why)."""
    actor = _unproxy(actor)
    instance = current_instance(resource)
    if not can_approve(actor, resource, instance):
        raise PermissionDenied("您不是该资源当前步骤的审核人")
    key = "approve_school" if instance.state == ReviewState.SUBMITTED.value else "approve_district"
    if key == "approve_district" and resource.public_pending:
        from eduplatform.resources import publicity

        resource._public_decision = publicity.check_decision(public, public_reason)
    workflow.perform(instance, key, actor=actor)


def return_resource(resource: Resource, actor, reason: str) -> None:
    """A reviewer sends the resource back to its owner, saying why."""
    actor = _unproxy(actor)
    reason = _check_reason(reason)
    instance = current_instance(resource)
    if not can_return(actor, resource, instance):
        raise PermissionDenied("您不是该资源当前步骤的审核人")
    workflow.perform(instance, "return", actor=actor, reason=reason)


def withdraw_for_change(resource: Resource, actor) -> None:
    """A new file for a published or returned resource sends it back to draft (to be reviewed again)."""
    actor = _unproxy(actor)
    if resource.state == ReviewState.PUBLISHED:
        if resource.visibility == Visibility.PUBLIC:  # the new file is public only once approved again
            resource.visibility, resource.requested_visibility = Visibility.PLATFORM, Visibility.PUBLIC
        open_review(resource)  # the published review is finished: a new one starts as a draft
        record("resources", "resource.back_to_draft",
               f"《{resource.title}》更换文件后回到草稿（原状态：{ReviewState.PUBLISHED.label}），需重新提交审核",
               actor=actor, obj=resource, data={"from": ReviewState.PUBLISHED.value})
    elif resource.state == ReviewState.RETURNED:
        instance = current_instance(resource)
        if instance is not None:
            workflow.perform(instance, "revise", actor=actor)


# -- keeping the resource in step ----------------------------------------------------------------

@workflow.on_transition(PROCESS)
def _follow_the_process(event) -> None:
    """The resource's status follows its newest review instance, in the same transaction."""
    resource = event.subject
    if not isinstance(resource, Resource) or event.kind == "cancelled" or not event.moved:
        return  # an instance without a resource (a demo), or one co-signer of several
    if event.kind == "started" and workflow.newest_running(PROCESS, SUBJECT, resource.id,
                                                          excluding=event.instance.id) is not None:
        # One review at a time: the status follows it, and older ones are finished (they cannot move).
        raise Conflict("该资源已有进行中的审核", code="review_running")
    key = event.transition.key if event.transition is not None else None
    previous, state, now = resource.state, ReviewState(event.to_state), utcnow()
    if key == "submit":
        _check_conformance(resource)  # also when submitted from the engine's own pages
        resource.submitted_at = now
        resource.return_reason = None
    elif key == "return":
        resource.return_reason = _check_reason(event.reason)
    if state == ReviewState.PUBLISHED:
        resource.published_at = now
        if resource.public_pending:
            from eduplatform.resources import publicity

            publicity.apply_decision(resource, event.actor, getattr(resource, "_public_decision", None))
    elif state == ReviewState.DRAFT:
        resource.published_at = None
    resource.state = state
    if key in AUDIT_KINDS:
        reason = event.reason
        summary = (f"{ACTION_LABELS[key]}：《{resource.title}》（{previous.label} → {state.label}）"
                   + (f"，理由：{reason}" if reason else ""))
        data = {"from": previous.value, "to": state.value, "reason": reason, "instance": event.instance.id}
        if event.step is not None:  # the step's one audit entry, in the resource's words
            event.step.record_as("resources", AUDIT_KINDS[key], summary, obj=resource, data=data)
        else:
            record("resources", AUDIT_KINDS[key], summary, actor=event.actor, obj=resource, data=data)
    db.session.flush()


# -- reading -------------------------------------------------------------------------------------

def available_actions(user, resource: Resource) -> list[Action]:
    instance = current_instance(resource)
    if instance is None:
        return [Action("submit", ACTION_LABELS["submit"])] if can_submit(user, resource, None) else []
    actions = []
    for a in _available(user, resource, instance):
        code = ACTION_CODES.get(a.transition.key)
        if code is not None and code not in [x.code for x in actions]:
            actions.append(Action(code, a.transition.label))
    return actions


def instances_of(resource: Resource):
    """A select of the ids of every review instance of ``resource``, oldest first."""
    return workflow.instance_ids(PROCESS, SUBJECT, resource.id)


def queue(user):
    """A select of the resources waiting for ``user``'s review: their 待办 of this process, oldest first."""
    waiting = workflow.waiting_subject_ids(user, PROCESS, SUBJECT, REVIEW_STATES)
    return sa.select(Resource).where(Resource.id.in_(waiting)).order_by(Resource.submitted_at, Resource.id)


def queue_tasks(user, resources) -> dict:
    """The open review task behind each of ``resources`` in ``user``'s queue (for its due date)."""
    return workflow.waiting_tasks(user, PROCESS, SUBJECT, REVIEW_STATES, [r.id for r in resources])


def is_reviewer(user) -> bool:
    """Holds a role that reviews resources somewhere (the 资源审核 menu entry and queue page)."""
    from eduplatform.core.permissions import ALL_ORGS, org_scope

    scope = org_scope(user)
    if scope is None or scope is ALL_ORGS:
        return False
    return ((user.has_role(*permissions.SCHOOL_REVIEWER_ROLES) and scope.type == OrgType.SCHOOL)
            or (user.has_role(*permissions.DISTRICT_REVIEWER_ROLES) and scope.is_bureau))


def history(resource: Resource) -> list[Step]:
    """Every review step of ``resource`` across its reviews: the transitions of the engine's event flow."""
    from eduplatform.accounts.models import User

    events = workflow.steps_taken(PROCESS, SUBJECT, resource.id)
    ids = {e.actor_id for e in events if e.actor_id}
    names = dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all()) \
        if ids else {}
    known = {s.value for s in ReviewState}
    return [Step(action=e.transition or "", from_state=ReviewState(e.from_state), to_state=ReviewState(e.to_state),
                 actor_name=names.get(e.actor_id) or e.actor_name or "系统", reason=e.reason,
                 created_at=e.created_at, instance_id=e.instance_id)
            for e in events if e.from_state in known and e.to_state in known]
