"""Issuing tasks to schools, passing them down through a district, closing them.

Issuing writes one submission row per target school (and one inbox notice each) in bulk: a task
to 5,000 schools is a handful of INSERT statements, not 10,000 ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, OrgUnit, Stage
from eduplatform.reporting.models import (
    Submission,
    SubmissionStatus,
    TaskAttachment,
    TaskStatus,
)
from eduplatform.reporting.models.tasks import ReportTask
from eduplatform.reporting.services import notices
from eduplatform.schools.models import SchoolProfile, SchoolType

#: how many rows one INSERT carries
BATCH = 1000


@dataclass
class TargetSchool:
    id: int
    code: str
    name: str
    parent_id: int | None
    district_id: int | None
    stages: list
    school_type: str | None = None


def _school_rows(under: OrgUnit) -> tuple[list[TargetSchool], dict[int, str]]:
    districts = set(db.session.scalars(sa.select(OrgUnit.id).where(
        OrgUnit.type == OrgType.DISTRICT_BUREAU, OrgUnit.path.startswith(under.path))))
    if under.type == OrgType.DISTRICT_BUREAU:
        districts.add(under.id)
    rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.parent_id,
                                        OrgUnit.path, OrgUnit.stages, SchoolProfile.school_type)
                              .outerjoin(SchoolProfile, SchoolProfile.org_id == OrgUnit.id)
                              .where(OrgUnit.type == OrgType.SCHOOL, OrgUnit.is_active.is_(True),
                                     OrgUnit.path.startswith(under.path))
                              .order_by(OrgUnit.path))
    return [TargetSchool(r.id, r.code, r.name, r.parent_id, r.parent_id if r.parent_id in districts else None,
                         list(r.stages or []), _type_code(r.school_type))
            for r in rows], {r.id: r.path for r in db.session.execute(
                sa.select(OrgUnit.id, OrgUnit.path).where(OrgUnit.path.startswith(under.path)))}


def _type_code(value) -> str | None:
    return getattr(value, "value", value) or None


def resolve_targets(issuer: OrgUnit, rule: dict) -> list[TargetSchool]:
    """The schools a target rule picks inside the issuer's subtree.

    ``rule``: ``subtrees`` (org codes: every school below them, optionally only those offering one
    of ``stages``), ``schools`` (school codes picked by hand, added as they are), ``exclude``
    (school codes left out). ``school_types`` (办学类型 codes of the school profiles) narrows the
    subtrees like ``stages`` does; a school without a profile type is not picked by it.
    """
    schools, paths = _school_rows(issuer)
    by_code = {school.code: school for school in schools}
    errors: dict[str, list[str]] = {}
    school_types = set(rule.get("school_types") or [])
    unknown_types = school_types - {t.value for t in SchoolType}
    if unknown_types:
        errors["school_types"] = [f"未知办学类型：{'、'.join(sorted(unknown_types))}"]
    stages = set(rule.get("stages") or [])
    unknown_stages = stages - {s.value for s in Stage}
    if unknown_stages:
        errors["stages"] = [f"未知学段：{'、'.join(sorted(unknown_stages))}"]
    subtree_paths = []
    codes = {code for code in rule.get("subtrees") or []}
    if codes:
        found = {row.code: row for row in db.session.execute(
            sa.select(OrgUnit.code, OrgUnit.path).where(OrgUnit.code.in_(codes)))}
        for code in sorted(codes):
            if code not in found or not found[code].path.startswith(issuer.path):
                errors.setdefault("subtrees", []).append(f"{code} 不是本单位辖区内的单位")
            else:
                subtree_paths.append(found[code].path)
    for key in ("schools", "exclude"):
        for code in rule.get(key) or []:
            if code not in by_code:
                errors.setdefault(key, []).append(f"{code} 不是本单位辖区内的学校")
    if errors:
        raise ValidationFailed("目标学校的选择有误", fields=errors)
    chosen: dict[int, TargetSchool] = {}
    for school in schools:
        path = paths[school.id]
        if (any(path.startswith(p) for p in subtree_paths) and (not stages or stages & set(school.stages))
                and (not school_types or school.school_type in school_types)):
            chosen[school.id] = school
    for code in rule.get("schools") or []:
        chosen[by_code[code].id] = by_code[code]
    for code in rule.get("exclude") or []:
        chosen.pop(by_code[code].id, None)
    return sorted(chosen.values(), key=lambda s: paths[s.id])


def _check_dates(due_at: datetime, lock_at: datetime, *, parent: ReportTask | None = None) -> None:
    errors = {}
    if lock_at < due_at:
        errors["lock_at"] = ["锁定时间不能早于截止（按时）时间"]
    if due_at <= utcnow():
        errors["due_at"] = ["截止时间须晚于现在"]
    if parent is not None:
        if due_at > parent.due_at:
            errors.setdefault("due_at", []).append("区县的截止时间不能晚于上级任务的截止时间")
        if lock_at > parent.lock_at:
            errors.setdefault("lock_at", []).append("区县的锁定时间不能晚于上级任务的锁定时间")
    if errors:
        raise ValidationFailed("时间设置有误", fields=errors)


def issue_task(actor, *, issuer: OrgUnit, version, title: str, period: str, due_at: datetime,
               lock_at: datetime, instructions: str = "", targets: dict) -> ReportTask:
    """Create the task and one submission (status 未填报) per target school; notify the schools."""
    if not issuer.is_bureau:
        raise PermissionDenied("只有教育局可以下发填报任务")
    if not version.is_published:
        raise ValidationFailed("只能使用已发布的模板版本下发任务", fields={"template_version": ["模板版本未发布"]})
    title, period = (title or "").strip(), (period or "").strip()
    errors = {}
    if not 2 <= len(title) <= 200:
        errors["title"] = ["任务名称须为 2–200 个字符"]
    if not 1 <= len(period) <= 40:
        errors["period"] = ["请填写填报周期（如 2026 或 2026-2027学年）"]
    if errors:
        raise ValidationFailed("任务信息有误", fields=errors)
    _check_dates(due_at, lock_at)
    schools = resolve_targets(issuer, targets)
    if not schools:
        raise ValidationFailed("没有符合条件的目标学校", fields={"targets": ["没有符合条件的目标学校"]})
    task = ReportTask(title=title, period=period, template_version=version, issuer_org=issuer,
                      issued_by_id=getattr(actor, "id", None), instructions=instructions or "",
                      due_at=due_at, lock_at=lock_at, target_rule=_clean_rule(targets),
                      target_count=len(schools))
    db.session.add(task)
    db.session.flush()
    now = utcnow()
    rows = [{"task_id": task.id, "school_id": s.id, "district_id": s.district_id, "via_task_id": None,
             "stage_key": ",".join(sorted(s.stages)), "school_type": s.school_type,
             "status": SubmissionStatus.NOT_STARTED.value,
             "data": {}, "version": 1, "created_at": now, "updated_at": now, "last_comment": ""}
            for s in schools]
    for start in range(0, len(rows), BATCH):
        db.session.execute(Submission.__table__.insert(), rows[start:start + BATCH])
    notices.notify_orgs([s.id for s in schools], kind="task", task=task,
                        title=f"新的填报任务：{title}",
                        body=f"{issuer.name}下发填报任务“{title}”（{period}），请于 "
                             f"{_local(due_at)} 前完成填报。",
                        link=f"/reporting/tasks/{task.id}")
    record("reporting", "task.issued", f"下发填报任务：{title}（{len(schools)} 所学校）", actor=actor, obj=task,
           data={"template": version.template.code, "version": version.number, "targets": task.target_rule,
                 "count": len(schools)})
    db.session.flush()
    return task


def _clean_rule(targets: dict) -> dict:
    return {key: sorted(set(targets.get(key) or []))
            for key in ("subtrees", "stages", "school_types", "schools", "exclude")
            if targets.get(key)}


def _local(moment: datetime) -> str:
    from eduplatform.core.templating import localtime

    return localtime(moment)


def pass_down(actor, task: ReportTask, *, district: OrgUnit, due_at: datetime, lock_at: datetime,
              instructions: str = "", title: str | None = None) -> ReportTask:
    """The district's own copy of a city task for its schools, with earlier dates of its own."""
    if task.parent_id is not None:
        raise ValidationFailed("不能再次转发区县已转发的任务")
    if not task.is_open:
        raise Conflict("任务已关闭")
    if any(p.issuer_org_id == district.id for p in task.pass_downs):
        raise Conflict(f"{district.name}已转发过此任务")
    _check_dates(due_at, lock_at, parent=task)
    child = ReportTask(title=(title or task.title).strip()[:200], period=task.period,
                       template_version_id=task.template_version_id, issuer_org=district, parent=task,
                       issued_by_id=getattr(actor, "id", None), instructions=instructions or "",
                       due_at=due_at, lock_at=lock_at, target_rule={"pass_down_of": task.id})
    db.session.add(child)
    db.session.flush()
    school_ids = list(db.session.scalars(sa.select(Submission.school_id).where(
        Submission.task_id == task.id, Submission.district_id == district.id)))
    if not school_ids:
        raise ValidationFailed("此任务没有下发到本区县的学校")
    child.target_count = len(school_ids)
    db.session.execute(sa.update(Submission.__table__)
                       .where(Submission.__table__.c.task_id == task.id,
                              Submission.__table__.c.district_id == district.id)
                       .values(via_task_id=child.id))
    notices.notify_orgs(school_ids, kind="task", task=task,
                        title=f"{district.name}转发填报任务：{child.title}",
                        body=f"{district.name}转发了{task.issuer_org.name}的填报任务“{task.title}”，"
                             f"请于 {_local(due_at)} 前完成填报。{instructions or ''}",
                        link=f"/reporting/tasks/{task.id}")
    record("reporting", "task.passed_down", f"{district.name}转发填报任务：{task.title}", actor=actor, obj=child,
           data={"parent": task.id, "due_at": due_at.isoformat(), "lock_at": lock_at.isoformat(),
                 "count": len(school_ids)})
    db.session.flush()
    db.session.expire_all()  # the bulk UPDATE changed submissions the session may hold
    return child


def close_task(actor, task: ReportTask) -> None:
    if not task.is_open:
        raise Conflict("任务已关闭")
    task.status = TaskStatus.CLOSED
    task.closed_at = utcnow()
    record("reporting", "task.closed", f"关闭填报任务：{task.title}", actor=actor, obj=task)
    db.session.flush()


def add_attachment(actor, task: ReportTask, upload, *, filename: str, content_type: str | None
                   ) -> TaskAttachment:
    from eduplatform.core.storage.services import store_file
    from eduplatform.reporting.services.attachments import check_upload

    stream = check_upload(upload, filename)
    stored = store_file(stream, prefix="reporting/tasks", filename=filename, content_type=content_type,
                        actor=actor, max_size=_max_attachment())
    attachment = TaskAttachment(task=task, file=stored)
    db.session.add(attachment)
    record("reporting", "task.attachment_added", f"任务“{task.title}”添加附件 {stored.filename}",
           actor=actor, obj=task, data={"file": stored.id})
    db.session.flush()
    return attachment


def _max_attachment() -> int:
    from flask import current_app

    return current_app.config["REPORTING_MAX_ATTACHMENT_BYTES"]


def get_task(task_id: int) -> ReportTask | None:
    return db.session.get(ReportTask, task_id)


def visible_tasks_query(user):
    """Root tasks the user may see (pass-downs are shown inside their parent)."""
    from eduplatform.reporting.permissions import is_bureau_user, is_school_reporter

    query = sa.select(ReportTask).where(ReportTask.parent_id.is_(None)).order_by(ReportTask.created_at.desc())
    if is_bureau_user(user):
        root = user.scope_root
        issued_below = root.subtree_ids()
        reaching = (sa.select(Submission.task_id).join(OrgUnit, OrgUnit.id == Submission.school_id)
                    .where(OrgUnit.path.startswith(root.path)))
        return query.where(sa.or_(ReportTask.issuer_org_id.in_(issued_below), ReportTask.id.in_(reaching)))
    if is_school_reporter(user):
        mine = sa.select(Submission.task_id).where(Submission.school_id == user.scope_root.id)
        return query.where(ReportTask.id.in_(mine))
    return query.where(sa.false())
