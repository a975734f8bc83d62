"""Pages of 校校通 distribution (city / district side): channels, pushes, tracking and coverage, node tokens."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import require, visible_to
from eduplatform.distribution import bp, feed, permissions, services
from eduplatform.distribution.models import (
    CONNECTIVITY_LABELS,
    DELIVERY_LABELS,
    NodeToken,
    TargetKind,
)
from eduplatform.orgs.models import STAGE_LABELS, OrgType, OrgUnit
from eduplatform.schools.models import SchoolType


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.strip().isdigit()]


def _fail(exc: AppError, endpoint: str, **values):
    db.session.rollback()
    flash(exc.message, "danger")
    return redirect(url_for(endpoint, **values))


@bp.get("/distribution")
@login_required
def channels():
    require(permissions.can_manage_distribution(current_user), action="distribution.channels")
    page = db.paginate(services.channels_query(current_user), page=page_number(), per_page=20)
    pushes = list(db.session.scalars(services.pushes_query(current_user).limit(10)))
    return render_template("distribution/channels.html", page=page, pushes=pushes)


@bp.post("/distribution/channels")
@login_required
def channel_create():
    require(permissions.can_manage_distribution(current_user), action="distribution.channel_create")
    try:
        channel = services.create_channel(current_user, {"name": request.form.get("name"),
                                                         "description": request.form.get("description")})
    except AppError as exc:
        return _fail(exc, "distribution.channels")
    db.session.commit()
    flash("频道已建立", "success")
    return redirect(url_for("distribution.channel_detail", channel_id=channel.id))


@bp.get("/distribution/channels/<int:channel_id>")
@login_required
def channel_detail(channel_id):
    channel = services.get_channel(current_user, channel_id)
    from eduplatform.resources.services import published_visible

    query = (request.args.get("q") or "").strip()
    candidates = []
    if query:
        from eduplatform.resources.models import Resource

        candidates = list(db.session.scalars(published_visible(current_user).where(
            Resource.title.contains(query)).order_by(Resource.id.desc()).limit(30)))
    pushes = list(db.session.scalars(services.pushes_query(current_user).where(
        services.Push.channel_id == channel.id)))
    districts = list(db.session.scalars(visible_to(current_user, sa.select(OrgUnit), org_column=OrgUnit.id).where(
        OrgUnit.type.in_((OrgType.CITY_BUREAU, OrgType.DISTRICT_BUREAU))).order_by(OrgUnit.code)))
    schools = list(db.session.scalars(visible_to(current_user, sa.select(OrgUnit), org_column=OrgUnit.id).where(
        OrgUnit.type == OrgType.SCHOOL).order_by(OrgUnit.code).limit(500)))
    return render_template("distribution/channel.html", channel=channel, revisions=services.revisions(channel),
                           candidates=candidates, query=query, pushes=pushes, districts=districts, schools=schools,
                           target_kinds=list(TargetKind), stages=STAGE_LABELS, school_types=list(SchoolType),
                           connectivity=CONNECTIVITY_LABELS, today=services.today().isoformat(),
                           can_edit=permissions.can_edit_channel(current_user, channel))


@bp.post("/distribution/channels/<int:channel_id>/items")
@login_required
def channel_add(channel_id):
    channel = services.get_channel(current_user, channel_id)
    try:
        revision = services.add_items(current_user, channel, _ids("resource_ids"))
    except AppError as exc:
        return _fail(exc, "distribution.channel_detail", channel_id=channel_id)
    db.session.commit()
    flash(f"已加入，频道现为第 {revision.number} 版", "success")
    return redirect(url_for("distribution.channel_detail", channel_id=channel_id))


@bp.post("/distribution/channels/<int:channel_id>/retire")
@login_required
def channel_retire(channel_id):
    channel = services.get_channel(current_user, channel_id)
    try:
        revision = services.retire_items(current_user, channel, _ids("resource_ids"))
    except AppError as exc:
        return _fail(exc, "distribution.channel_detail", channel_id=channel_id)
    db.session.commit()
    flash(f"已撤下，频道现为第 {revision.number} 版", "success")
    return redirect(url_for("distribution.channel_detail", channel_id=channel_id))


@bp.post("/distribution/channels/<int:channel_id>/pushes")
@login_required
def channel_push(channel_id):
    channel = services.get_channel(current_user, channel_id)
    form = request.form
    data = {k: form.get(k) for k in ("revision", "target_org_id", "target_kind", "stage", "school_type",
                                     "connectivity", "starts_on", "window_start", "window_end", "cap_kbps")}
    data["follows"] = form.get("follows") == "1"
    data["school_ids"] = _ids("school_ids")
    try:
        push = services.plan_push(current_user, channel, data)
    except (AppError, ValueError) as exc:
        return _fail(exc if isinstance(exc, AppError) else AppError("推送参数有误"), "distribution.channel_detail",
                     channel_id=channel_id)
    db.session.commit()
    flash(f"已推送到 {push.school_count} 所学校", "success")
    return redirect(url_for("distribution.push_detail", push_id=push.id))


@bp.get("/distribution/pushes/<int:push_id>")
@login_required
def push_detail(push_id):
    push = services.get_push(current_user, push_id)
    rows = services.school_rows(current_user, push)
    coverage = services.coverage(current_user, push)
    chart = {"districts": [c["district"] for c in coverage], "received": [c["received"] for c in coverage],
             "missing": [c["schools"] - c["received"] for c in coverage]}
    return render_template("distribution/push.html", push=push, rows=rows, coverage=coverage, chart=chart,
                           counts=services.state_counts(push), labels=DELIVERY_LABELS,
                           missing=[r for r in rows if not r["complete"]])


@bp.post("/distribution/pushes/<int:push_id>/chase")
@login_required
def push_chase(push_id):
    push = services.get_push(current_user, push_id)
    try:
        told = services.chase(current_user, push, _ids("school_ids"))
    except AppError as exc:
        return _fail(exc, "distribution.push_detail", push_id=push_id)
    db.session.commit()
    flash(f"已向 {told} 所学校的管理员发出催收通知", "success")
    return redirect(url_for("distribution.push_detail", push_id=push_id))


@bp.get("/distribution/nodes")
@login_required
def nodes():
    require(permissions.can_manage_distribution(current_user), action="distribution.nodes")
    tokens = list(db.session.scalars(visible_to(current_user, sa.select(NodeToken), org_column=NodeToken.school_id)
                                     .where(NodeToken.revoked_at.is_(None)).order_by(NodeToken.id.desc()).limit(200)))
    schools = list(db.session.scalars(visible_to(current_user, sa.select(OrgUnit), org_column=OrgUnit.id).where(
        OrgUnit.type == OrgType.SCHOOL).order_by(OrgUnit.code).limit(500)))
    return render_template("distribution/nodes.html", tokens=tokens, schools=schools, issued=None)


@bp.post("/distribution/nodes")
@login_required
def node_issue():
    require(permissions.can_manage_distribution(current_user), action="distribution.token")
    school = db.session.get(OrgUnit, int(request.form.get("school_id") or 0))
    if school is None:
        flash("请选择学校", "danger")
        return redirect(url_for("distribution.nodes"))
    try:
        _token, plain = feed.issue_token(current_user, school)
    except AppError as exc:
        return _fail(exc, "distribution.nodes")
    db.session.commit()
    tokens = list(db.session.scalars(visible_to(current_user, sa.select(NodeToken), org_column=NodeToken.school_id)
                                     .where(NodeToken.revoked_at.is_(None)).order_by(NodeToken.id.desc()).limit(200)))
    return render_template("distribution/nodes.html", tokens=tokens, schools=[], issued=(school, plain))


@bp.post("/distribution/pushes/<int:push_id>/package")
@login_required
def push_package(push_id):
    """The push's offline package for one school (a school without a link)."""
    from eduplatform.distribution import offline
    from eduplatform.resources.packages import send_package

    push = services.get_push(current_user, push_id)
    school = db.session.get(OrgUnit, int(request.form.get("school_id") or 0))
    if school is None:
        flash("请选择学校", "danger")
        return redirect(url_for("distribution.push_detail", push_id=push_id))
    try:
        path = offline.export_for_school(current_user, push, school)
    except AppError as exc:
        return _fail(exc, "distribution.push_detail", push_id=push_id)
    db.session.commit()
    return send_package(path, 1)
