"""/api/v1/training-records: teachers' continuing-education hours (继续教育学时) and the bureaus' totals."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.accounts.models import User
from eduplatform.core.api import load_args
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import permissions, training
from eduplatform.courses.api import bp
from eduplatform.courses.schemas import TrainingRecordOutSchema, UserArgsSchema
from eduplatform.orgs.services import find_org


@bp.get("/training-records")
@login_required
def training_records():
    """A teacher's training record: the caller's own, or `user_id`'s for their school admin and bureaus —
    records, hours this year and in the current five-year cycle, and the cycle's target.
    ---
    get:
      parameters:
        - {in: query, schema: UserArgsSchema}
      responses:
        200:
          description: "{teacher, year, year_hours, cycle: [first, last], cycle_hours, target, met, by_year, records}"
    """
    user_id = load_args(UserArgsSchema())["user_id"]
    teacher = current_user if user_id is None else db.session.get(User, user_id)
    if teacher is None:
        raise NotFound("用户不存在")
    require(permissions.can_view_training_record(current_user, teacher), action="training.view", obj=teacher)
    summary = training.summary_for(teacher)
    return {"teacher": {"id": teacher.id, "username": teacher.username, "name": teacher.display_name},
            "year": summary.year, "year_hours": summary.year_hours, "cycle": list(summary.cycle),
            "cycle_hours": summary.cycle_hours, "target": summary.target, "met": summary.met,
            "by_year": {str(k): v for k, v in summary.by_year.items()},
            "records": TrainingRecordOutSchema().dump(training.records_of(teacher), many=True)}


@bp.get("/training-records/summary")
@login_required
def training_summary():
    """Totals per district (city), per school (district) or per teacher (school) for `org` (a unit code;
    default: the caller's unit): teachers, hours this year and in the cycle, how many reached the target.
    ---
    get:
      parameters:
        - {name: org, in: query, schema: {type: string}}
      responses:
        200:
          description: "{org, year, cycle, target, total, rows}"
    """
    code = request.args.get("org")
    org = find_org(code) if code else current_user.scope_root
    if org is None:
        raise NotFound("单位不存在")
    require(permissions.can_view_training_report(current_user, org), action="training.report", obj=org)
    report = training.training_report(org)

    def row(r):
        return {"id": r.org_id, "code": r.code, "name": r.name, "kind": r.kind, "teachers": r.teachers,
                "year_hours": r.year_hours, "cycle_hours": r.cycle_hours, "average": r.average, "met": r.met}

    return {"org": {"code": org.code, "name": org.name}, "year": report.year, "cycle": list(report.cycle),
            "target": report.target, "total": row(report.total), "rows": [row(r) for r in report.rows]}


