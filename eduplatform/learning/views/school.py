"""The school's page: homework load per class per week against the 双减 budget; the school's own budgets."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_form
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.learning import bp, budget, permissions, services
from eduplatform.learning.schemas import BudgetInSchema, DayArgsSchema
from eduplatform.schools.models.roster import grade_label, school_grades
from eduplatform.schools.permissions import own_school


@bp.get("/school")
@login_required
def school_load():
    school = own_school(current_user)
    require(permissions.can_view_school_load(current_user, school), action="learning.school_load",
            message="只有学校管理员可以查看全校作业负担")
    day = load_args(DayArgsSchema())["day"] or services.local_today()
    monday = day - timedelta(days=day.weekday())
    grades = school_grades(school.stages)
    return render_template("learning/school_load.html", school=school, monday=monday,
                           days=[monday + timedelta(days=n) for n in range(7)],
                           prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
                           rows=budget.week_loads(school, monday), source=budget.policy_source(),
                           rules=[(g, grade_label(g, school.stages), budget.rule_for(school.id, g)) for g in grades],
                           can_set=permissions.can_set_budget(current_user, school))


@bp.post("/school/budget")
@login_required
def set_budget():
    school = own_school(current_user)
    require(permissions.can_set_budget(current_user, school), action="learning.set_budget",
            message="只有学校管理员可以设置作业时长预算")
    try:
        data = load_form(BudgetInSchema())
        budget.set_school_budget(current_user, school, data["grade"], data["minutes"])
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("learning.school_load"))
    db.session.commit()
    flash("作业时长预算已保存", "success")
    return redirect(url_for("learning.school_load"))
