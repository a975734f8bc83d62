"""Who sees which jobs: everyone their own; the system administrator all of them (三员分立: not their
files — an export may hold what only its starter may read)."""

from __future__ import annotations

from eduplatform.accounts.models import Role


def can_manage_jobs(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.SYSADMIN)


def can_download_result(user, job) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and job.started_by_id == user.id
