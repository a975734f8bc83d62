"""The pages of the background-job system (``core.jobs``): 我的任务 for everyone who started a job,
and the system administrator's view of queues and failures with a retry button."""

from flask import Blueprint

from eduplatform.core.templating import NavItem

bp = Blueprint("jobs", __name__)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _admin(user) -> bool:
    from eduplatform.jobs.permissions import can_manage_jobs

    return can_manage_jobs(user)


NAV = [NavItem("系统管理", "我的任务", "jobs.my_jobs", _signed_in),
       NavItem("系统管理", "后台任务管理", "jobs.admin", _admin)]
