"""Reporting models, one module per entity group (templates, tasks, submissions, notices)."""

from eduplatform.reporting.models.notices import MailOutbox
from eduplatform.reporting.models.submissions import (
    REPORTED,
    SCHOOL_HOLDS,
    Submission,
    SubmissionAttachment,
    SubmissionEvent,
    SubmissionStatus,
    ValueChange,
)
from eduplatform.reporting.models.tasks import ReportTask, TaskAttachment, TaskStatus
from eduplatform.reporting.models.templates import ReportTemplate, TemplateVersion, VersionStatus

__all__ = [
    "REPORTED", "SCHOOL_HOLDS", "MailOutbox", "ReportTask", "ReportTemplate", "Submission", "SubmissionAttachment",
    "SubmissionEvent", "SubmissionStatus", "TaskAttachment", "TaskStatus",
    "TemplateVersion", "ValueChange", "VersionStatus",
]
