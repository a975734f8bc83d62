"""Where a submission stands: who reviews it, whose turn it is, whether the school may still edit.

Shared by the review flow (``review``) and the school's editing (``submissions``), so that those
import it — and each other — one way: submissions → review → standing.
"""

from __future__ import annotations

from datetime import datetime

from eduplatform.core.db import utcnow
from eduplatform.core.templating import localtime
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models import Submission, SubmissionStatus
from eduplatform.reporting.models.submissions import STATUS_LABELS
from eduplatform.reporting.spec import TemplateSpec, spec_for


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


def spec_of(submission: Submission) -> TemplateSpec:
    return spec_for(submission.task.template_version)


def lock_reason(submission: Submission, now: datetime | None = None) -> str | None:
    """Why the school cannot edit the form now, in Chinese; None when it can."""
    now = now or utcnow()
    task = submission.task
    if not task.is_open:
        return "任务已关闭，不能再填报或修改"
    if submission.status == SubmissionStatus.APPROVED:
        return "已审核通过，数据已锁定；如需修改，请联系上级退回"
    if submission.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.DISTRICT_APPROVED):
        return f"已上报，{waiting_label(submission)}，不能修改"
    if submission.status == SubmissionStatus.RETURNED:
        return None  # the reviewer sent it back to be fixed: open even past the deadline
    if now > submission.lock_at:
        who = (submission.via_task.issuer_org if submission.via_task else task.issuer_org).name
        return f"填报已于 {localtime(submission.lock_at)} 截止，数据已锁定；如需补报，请联系{who}开放补报"
    return None


def waiting_label(submission: Submission) -> str:
    reviewer = current_reviewer(submission)
    return f"等待{reviewer.name}审核" if reviewer else STATUS_LABELS[submission.status]
