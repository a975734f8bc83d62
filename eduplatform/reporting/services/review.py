"""The review flow of a submission: school submit → district review → city review.

Everything about review transitions lives here behind a narrow interface, so that it can run on
the shared business-process engine (``eduplatform.workflow``) without the rest of reporting
knowing:

    review_chain(submission)           the reviewing bureaus, bottom-up
    current_reviewer(submission)       whose turn it is (None when the school holds it / approved)
    available_actions(submission, user)  ["approve", "return"] or fewer
    submit(submission, actor)          the school hands the form in
    approve(submission, actor, comment)
    send_back(submission, actor, reason)   退回 — a reason is required
    events(submission)                 every step, oldest first

Rules: the first reviewer is the school's district bureau (unless the district issued the task
itself, or the school sits directly under the city); the issuing bureau reviews last. Approval
by the last level locks the data; the last level may send an approved submission back; a return
always goes to the school, with the reason shown to it, and the resubmission starts again at the
first level. Every step is a ``SubmissionEvent`` and an audit entry, in the caller's transaction.
"""

from __future__ import annotations

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.extensions import db
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models import SCHOOL_HOLDS, Submission, SubmissionEvent, SubmissionStatus
from eduplatform.reporting.models.submissions import STATUS_LABELS
from eduplatform.reporting.services import notices

APPROVE, RETURN = "approve", "return"
ACTION_LABELS = {"submit": "上报", APPROVE: "审核通过", RETURN: "退回", "reopen": "开放补报",
                 "import": "导入", "excel": "Excel导入"}


def review_chain(submission: Submission) -> list[OrgUnit]:
    issuer = submission.task.issuer_org
    chain = []
    if submission.district is not None and submission.district_id != issuer.id:
        chain.append(submission.district)
    chain.append(issuer)
    return chain


def _level(submission: Submission) -> int | None:
    if submission.status == SubmissionStatus.SUBMITTED:
        return 0
    if submission.status == SubmissionStatus.DISTRICT_APPROVED:
        return 1
    return None


def current_reviewer(submission: Submission) -> OrgUnit | None:
    level = _level(submission)
    chain = review_chain(submission)
    return chain[level] if level is not None and level < len(chain) else None


def available_actions(submission: Submission, user) -> list[str]:
    from eduplatform.reporting.permissions import is_bureau_user

    if not is_bureau_user(user):
        return []
    root = user.scope_root
    reviewer = current_reviewer(submission)
    if reviewer is not None and reviewer.id == root.id:
        return [APPROVE, RETURN]
    if submission.status == SubmissionStatus.APPROVED and review_chain(submission)[-1].id == root.id:
        return [RETURN]
    return []


def _event(submission, actor, action, before, comment="", data=None) -> SubmissionEvent:
    event = SubmissionEvent(submission_id=submission.id, action=action, from_status=before.value,
                            to_status=submission.status.value, actor_id=getattr(actor, "id", None),
                            actor_org_id=getattr(getattr(actor, "scope_root", None), "id", None),
                            comment=comment or "", data=data or {})
    db.session.add(event)
    return event


def submit(submission: Submission, actor) -> None:
    """The school hands the form in (the caller has checked the lock and the values)."""
    if submission.status not in SCHOOL_HOLDS:
        raise Conflict(f"当前状态为“{submission.status.label}”，不能上报")
    before = submission.status
    now = utcnow()
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = now
    if submission.first_submitted_at is None:
        submission.first_submitted_at = now
        submission.on_time = now <= submission.due_at
    submission.updated_at = now
    submission.updated_by_id = getattr(actor, "id", None)
    _event(submission, actor, "submit", before)
    reviewer = current_reviewer(submission)
    record("reporting", "submission.submitted",
           f"{submission.school.name}上报“{submission.task.title}”", actor=actor, obj=submission,
           data={"from": before.value, "on_time": submission.on_time})
    notices.notify(reviewer, f"待审核：{submission.school.name}上报了“{submission.task.title}”",
                   link=f"/reporting/submissions/{submission.id}", kind="review", task=submission.task)
    db.session.flush()


def approve(submission: Submission, actor, comment: str = "") -> None:
    if APPROVE not in available_actions(submission, actor):
        _refuse(submission, actor)
    before = submission.status
    chain = review_chain(submission)
    level = _level(submission)
    now = utcnow()
    if level + 1 < len(chain):
        submission.status = SubmissionStatus.DISTRICT_APPROVED
        notices.notify(chain[level + 1], f"待审核：{chain[level].name}已审核通过{submission.school.name}的"
                                         f"“{submission.task.title}”",
                       link=f"/reporting/submissions/{submission.id}", kind="review", task=submission.task)
    else:
        submission.status = SubmissionStatus.APPROVED
        submission.approved_at = now
        notices.notify(submission.school, f"审核通过：“{submission.task.title}”",
                       f"{chain[level].name}已审核通过贵校上报的数据。", link=f"/reporting/submissions/{submission.id}",
                       kind="approved", task=submission.task)
    submission.updated_at = now
    _event(submission, actor, APPROVE, before, comment.strip())
    record("reporting", "submission.approved",
           f"{chain[level].name}审核通过{submission.school.name}的“{submission.task.title}”",
           actor=actor, obj=submission, data={"from": before.value, "to": submission.status.value})
    db.session.flush()


def send_back(submission: Submission, actor, reason: str) -> None:
    """退回 to the school with a reason (required); the school may edit and resubmit."""
    reason = (reason or "").strip()
    if RETURN not in available_actions(submission, actor):
        _refuse(submission, actor)
    if len(reason) < 2:
        raise ValidationFailed("退回时必须填写退回原因", fields={"comment": ["请填写退回原因"]})
    if len(reason) > 2000:
        raise ValidationFailed("退回原因不超过 2000 字", fields={"comment": ["退回原因不超过 2000 字"]})
    before = submission.status
    reviewer_org = actor.scope_root
    submission.status = SubmissionStatus.RETURNED
    submission.approved_at = None
    submission.last_comment = reason
    submission.updated_at = utcnow()
    _event(submission, actor, RETURN, before, reason)
    notices.notify(submission.school, f"已退回：“{submission.task.title}”",
                   f"{reviewer_org.name}退回了贵校上报的数据，原因：{reason}",
                   link=f"/reporting/submissions/{submission.id}", kind="returned", task=submission.task,
                   email=True)
    record("reporting", "submission.returned",
           f"{reviewer_org.name}退回{submission.school.name}的“{submission.task.title}”：{reason}",
           actor=actor, obj=submission, data={"from": before.value, "reason": reason})
    db.session.flush()


def _refuse(submission: Submission, actor) -> None:
    reviewer = current_reviewer(submission)
    if reviewer is None:
        raise Conflict(f"当前状态为“{STATUS_LABELS[submission.status]}”，不能审核")
    raise PermissionDenied(f"此填报正等待{reviewer.name}审核，您不能操作")


def record_event(submission: Submission, actor, action: str, comment: str = "", data: dict | None = None
                 ) -> SubmissionEvent:
    """A non-review step in the same timeline (reopen, import)."""
    event = _event(submission, actor, action, submission.status, comment, data)
    db.session.flush()
    return event


def events(submission: Submission) -> list[SubmissionEvent]:
    return list(db.session.scalars(db.select(SubmissionEvent).where(
        SubmissionEvent.submission_id == submission.id).order_by(SubmissionEvent.id)))


def waiting_label(submission: Submission) -> str:
    reviewer = current_reviewer(submission)
    return f"等待{reviewer.name}审核" if reviewer else STATUS_LABELS[submission.status]
