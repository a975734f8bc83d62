"""The review flow of a submission, run by the business-process engine (``eduplatform.workflow``).

The process is ``processes/report_review.yaml``: 学校填报 → 区县审核 → 市局审核 → 审核通过, with 退回
(reason required) from either review back to the school. Whether the district and the city review
is decided when the instance starts (``district_level``, ``city_level``): the district reviews
unless it issued the task itself or the school sits directly under the city; the city reviews when
it issued the task. The engine records every step (事件流, audit), keeps the reviewers' to-do
lists and decides who may act; the hook below keeps ``Submission.status`` in step — also for
transitions performed from the engine's own pages — and refuses a hand-in whose values do not pass.

Reporting calls only this narrow interface:

    review_chain(submission)             the reviewing bureaus, bottom-up
    current_reviewer(submission)         whose turn it is (None when the school holds it / approved)
    available_actions(submission, user)  ["approve", "return"] or fewer
    submit(submission, actor)            the school hands the form in
    approve(submission, actor, comment)
    send_back(submission, actor, reason) 退回 — a reason is required
    events(submission)                   every step, oldest first (with reopen and import steps)
"""

from __future__ import annotations

from functools import partial

from eduplatform import workflow
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.reporting.models import SCHOOL_HOLDS, Submission, SubmissionEvent, SubmissionStatus
from eduplatform.reporting.models.submissions import STATUS_LABELS
from eduplatform.reporting.services import notices
from eduplatform.reporting.services.standing import (  # noqa: F401  (review_chain, waiting_label: its interface)
    current_reviewer,
    lock_reason,
    review_chain,
    spec_of,
    waiting_label,
)

PROCESS = "report_review"
APPROVE, RETURN = "approve", "return"
#: engine transition → reporting action
ACTIONS = {"district_approve": APPROVE, "city_approve": APPROVE, "send_back": RETURN}
AUDIT_KINDS = {"submit": "submission.submitted", APPROVE: "submission.approved", RETURN: "submission.returned"}
ACTION_LABELS = {"submit": "上报", APPROVE: "审核通过", RETURN: "退回", "reopen": "开放补报",
                 "import": "导入", "excel": "Excel导入"}


def _instance(submission: Submission):
    return workflow.instance_for(submission, PROCESS)


def available_actions(submission: Submission, user) -> list[str]:
    instance = _instance(submission)
    if instance is None or not getattr(user, "is_authenticated", False):
        return []
    found = []
    for item in workflow.available_transitions(instance, user):
        action = ACTIONS.get(item.transition.key)
        if action and action not in found:
            found.append(action)
    return sorted(found, key=[APPROVE, RETURN].index)


def submit(submission: Submission, actor) -> None:
    """The school hands the form in (the caller has checked the lock and the values)."""
    if submission.status not in SCHOOL_HOLDS:
        raise Conflict(f"当前状态为“{submission.status.label}”，不能上报")
    instance = _instance(submission)
    if instance is None or not instance.is_active:
        issuer = submission.task.issuer_org
        instance = workflow.start(PROCESS, org=submission.school, actor=actor, subject=submission,
                                  title=f"{submission.task.title}·{submission.school.name}",
                                  data={"district_level": submission.district is not None,
                                        "city_level": issuer.type == OrgType.CITY_BUREAU})
    workflow.perform(instance, "submit", actor=actor)
    db.session.flush()


def approve(submission: Submission, actor, comment: str = "") -> None:
    key = _transition_for(submission, actor, APPROVE)
    comment = (comment or "").strip()
    workflow.perform(_instance(submission), key, actor=actor, reason=comment or None)
    db.session.flush()


def send_back(submission: Submission, actor, reason: str) -> None:
    """退回 to the school with a reason (required); the school may edit and resubmit."""
    reason = (reason or "").strip()
    key = _transition_for(submission, actor, RETURN)
    if len(reason) < 2:
        raise ValidationFailed("退回时必须填写退回原因", fields={"comment": ["请填写退回原因"]})
    if len(reason) > 2000:
        raise ValidationFailed("退回原因不超过 2000 字", fields={"comment": ["退回原因不超过 2000 字"]})
    workflow.perform(_instance(submission), key, actor=actor, reason=reason)
    db.session.flush()


def _transition_for(submission: Submission, actor, action: str) -> str:
    instance = _instance(submission)
    if instance is not None:
        for item in workflow.available_transitions(instance, actor):
            if ACTIONS.get(item.transition.key) == action:
                return item.transition.key
    reviewer = current_reviewer(submission)
    if reviewer is None:
        raise Conflict(f"当前状态为“{STATUS_LABELS[submission.status]}”，不能审核")
    raise PermissionDenied(f"此填报正等待{reviewer.name}审核，您不能操作")


@workflow.on_transition(PROCESS)
def _follow(event) -> None:
    """Keep the submission in step with the process (in the same transaction)."""
    if not event.moved or event.kind != "transition":
        return
    submission = event.subject
    if submission is None:  # pragma: no cover - an instance always belongs to a submission
        return
    before = submission.status
    actor = event.actor
    now = utcnow()
    key = event.transition.key if event.transition else ""
    if key == "submit":
        _check_hand_in(submission)
        submission.submitted_at = now
        if submission.first_submitted_at is None:
            submission.first_submitted_at = now
            submission.on_time = now <= submission.due_at
    if event.to_state == "district_review":
        submission.status = SubmissionStatus.SUBMITTED
    elif event.to_state == "city_review":
        submission.status = (SubmissionStatus.DISTRICT_APPROVED if key == "district_approve"
                             else SubmissionStatus.SUBMITTED)
    elif event.to_state == "approved":
        submission.status = SubmissionStatus.APPROVED
        submission.approved_at = now
    elif event.to_state == "filling":
        submission.status = SubmissionStatus.RETURNED
        submission.approved_at = None
        submission.last_comment = event.reason or ""
    submission.updated_at = now
    action = "submit" if key == "submit" else ACTIONS.get(key, key)
    # the step's opinion; version 1 of the process kept it in a shared form field instead
    comment = event.reason or (event.changes.get("comment", [None, ""])[1] if event.changes else "") or ""
    _event(submission, actor, action, before, comment)
    who = getattr(_org_of(actor), "name", "")
    summary = (f"{submission.school.name}上报“{submission.task.title}”" if action == "submit" else
               f"{who}{ACTION_LABELS[action]}{submission.school.name}的“{submission.task.title}”")
    # one audit entry and one notice for the step: reporting's words, reporting's inboxes
    event.step.record_as("reporting", AUDIT_KINDS[action], summary, obj=submission,
                         data={"from": before.value, "to": submission.status.value, "reason": comment or None,
                               "instance": event.instance.id})
    event.step.tell_instead(partial(_tell, submission, actor, action, comment))


def _check_hand_in(submission: Submission) -> None:
    """A hand-in from any page (ours or the engine's) must pass the lock and every rule."""
    reason = lock_reason(submission)
    if reason:
        raise Conflict(reason, code="locked")
    problems = spec_of(submission).submit_problems(submission.data or {})
    if problems:
        raise ValidationFailed(f"有 {len(problems)} 处需要修改后才能上报", code="invalid_values", fields=problems)


def _org_of(actor):
    return getattr(actor, "scope_root", None)


def _tell(submission: Submission, actor, action: str, comment: str) -> None:
    link = f"/reporting/submissions/{submission.id}"
    if action == RETURN:
        notices.notify(submission.school, f"已退回：“{submission.task.title}”",
                       f"{getattr(_org_of(actor), 'name', '')}退回了贵校上报的数据，原因：{comment}",
                       link=link, kind="returned", task=submission.task, email=True)
    elif submission.status == SubmissionStatus.APPROVED:
        notices.notify(submission.school, f"审核通过：“{submission.task.title}”",
                       f"{getattr(_org_of(actor), 'name', '')}已审核通过贵校上报的数据。", link=link,
                       kind="approved", task=submission.task)
    else:
        reviewer = current_reviewer(submission)
        if reviewer is not None:
            notices.notify(reviewer, f"待审核：{submission.school.name}的“{submission.task.title}”",
                           link=link, kind="review", task=submission.task)


def _event(submission, actor, action, before, comment="", data=None) -> SubmissionEvent:
    event = SubmissionEvent(submission_id=submission.id, action=action, from_status=before.value,
                            to_status=submission.status.value, actor_id=getattr(actor, "id", None),
                            actor_org_id=getattr(_org_of(actor), "id", None), comment=comment or "",
                            data=data or {})
    db.session.add(event)
    return event


def record_event(submission: Submission, actor, action: str, comment: str = "", data: dict | None = None
                 ) -> SubmissionEvent:
    """A non-review step in the same timeline (reopen, import)."""
    event = _event(submission, actor, action, submission.status, comment, data)
    db.session.flush()
    return event


def events(submission: Submission) -> list[SubmissionEvent]:
    return list(db.session.scalars(db.select(SubmissionEvent).where(
        SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)))


def process_instance(submission: Submission):
    """The engine's instance for the submission (its event flow and diagram live at /workflow)."""
    return _instance(submission)
