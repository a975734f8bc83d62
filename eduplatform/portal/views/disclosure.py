"""依申请公开 pages: the public application and tracking (no login) and the staff's case pages.

The public forms hold up on their own: a captcha made here (``core.captcha``), attempts counted per
client address (``core.ratelimit``) before anything else, every field bounded, and one answer for
an unknown code and a wrong secret. The secret is shown once and never put in a URL.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core import captcha, ratelimit
from eduplatform.core.api import load_form
from eduplatform.core.errors import AppError, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.paging import page_number
from eduplatform.core.permissions import require
from eduplatform.core.security import client_ip
from eduplatform.orgs.models import OrgUnit
from eduplatform.portal import bp
from eduplatform.portal.disclosure_permissions import (
    can_approve_extension,
    can_handle_disclosure,
    can_handle_request,
)
from eduplatform.portal.disclosure_schemas import (
    ActionSchema,
    CorrectionSubmitSchema,
    PublicApplicationSchema,
    StaffEntrySchema,
    TrackSchema,
)
from eduplatform.portal.models import disclosure as vocab
from eduplatform.portal.services import annual_report as reports
from eduplatform.portal.services import disclosure as services
from eduplatform.portal.services import disclosure_letter as letters
from eduplatform.portal.services import disclosure_lists as lists

NO_STORE = {"Cache-Control": "no-store"}


def _vocab() -> dict:
    return {"APPLICANT_TYPES": vocab.APPLICANT_TYPES, "ORG_KINDS": vocab.ORG_KINDS,
            "PROVIDE_FORMATS": vocab.PROVIDE_FORMATS, "OBTAIN_METHODS": vocab.OBTAIN_METHODS,
            "CHANNELS": vocab.CHANNELS, "ANSWER_TYPES": vocab.ANSWER_TYPES, "STATES": vocab.STATES,
            "ANSWER_FORM": _answer_form()}


def _answer_form() -> dict[str, str]:
    """Each answer field once (a field several types need is one box), labelled with its types."""
    form: dict[str, list[str]] = {}
    for answer_type, fields in services.ANSWER_FIELDS.items():
        for key, label in fields:
            form.setdefault(key, []).append(f"{vocab.ANSWER_TYPES[answer_type]}：{label}")
    return {key: "；".join(labels) for key, labels in form.items()}


def _limit(name: str, default: int, window: int) -> tuple[int, int]:
    return (int(current_app.config.get(f"DISCLOSURE_{name}_LIMIT", default)),
            int(current_app.config.get(f"DISCLOSURE_{name}_WINDOW", window)))


# --- public ------------------------------------------------------------------------------------

@bp.get("/disclosure")
def disclosure_guide():
    return render_template("portal/disclosure/guide.html")


def _apply_form(values=None, error: str | None = None, problems=None, status: int = 200):
    challenge = None
    if captcha.enabled():
        limit, window = _limit("CAPTCHA", 60, 600)
        try:  # each picture is a row: a client asking for pictures in a loop is stopped
            ratelimit.hit("captcha.new", client_ip(), limit=limit, per_seconds=window)
            challenge = captcha.new_challenge()
        except ratelimit.RateLimited as exc:
            error, status = exc.message, 429
    db.session.commit()
    return render_template("portal/disclosure/apply.html", values=values or {}, error=error, problems=problems or {},
                           challenge=challenge, bureaus=services.answering_bureaus(), **_vocab()), status, NO_STORE


@bp.get("/disclosure/apply")
def disclosure_apply():
    return _apply_form()


@bp.post("/disclosure/apply")
def disclosure_apply_post():
    limit, window = _limit("APPLY", 5, 3600)
    values = {k: (request.form.get(k) or "")[:4000] for k in PublicApplicationSchema().fields}
    try:
        ratelimit.hit("disclosure.apply", client_ip(), limit=limit, per_seconds=window,
                      message="提交申请过于频繁，请稍后再试")
    except ratelimit.RateLimited as exc:
        return _apply_form(values, exc.message, None, 429)
    try:
        captcha.verify(request.form.get("captcha_token"), request.form.get("captcha"))
        data = load_form(PublicApplicationSchema())
        org = db.session.get(OrgUnit, data["org_id"])
        created, secret = services.receive_request(data, org=org, channel="online",
                                                   attachment=request.files.get("attachment"))
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _apply_form(values, exc.message, exc.fields, exc.status)
    return render_template("portal/disclosure/receipt.html", req=created, secret=secret), 201, NO_STORE


@bp.get("/disclosure/captcha/<token>.png")
def disclosure_captcha(token: str):
    png = captcha.image_png(token[:64])
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers=NO_STORE)


def _tracked(schema):
    limit, window = _limit("TRACK", 20, 600)
    ratelimit.hit("disclosure.track", client_ip(), limit=limit, per_seconds=window, message="查询过于频繁，请稍后再试")
    data = load_form(schema)
    return services.find_for_applicant(data["code"], data["secret"]), data


@bp.get("/disclosure/track")
def disclosure_track():
    return render_template("portal/disclosure/track.html", error=None), 200, NO_STORE


@bp.post("/disclosure/track")
def disclosure_track_post():
    try:
        found, data = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        db.session.rollback()
        return render_template("portal/disclosure/track.html", error=exc.message), exc.status, NO_STORE
    return _status_page(found, data)


def _status_page(found, data, message: str | None = None, status: int = 200):
    return render_template("portal/disclosure/status.html", req=found, status=lists.public_status(found),
                           code=data["code"], secret=data["secret"], message=message), status, NO_STORE


@bp.post("/disclosure/track/correction")
def disclosure_track_correction():
    try:
        found, data = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        db.session.rollback()
        return render_template("portal/disclosure/track.html", error=exc.message), exc.status, NO_STORE
    try:
        data = load_form(CorrectionSubmitSchema())
        services.submit_correction(found, text=data["text"])
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _status_page(found, data, exc.message, exc.status)
    return _status_page(found, data, "补正内容已提交，工作人员确认后答复期限重新计算")


@bp.post("/disclosure/track/letter")
def disclosure_track_letter():
    try:
        found, _ = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        db.session.rollback()
        return render_template("portal/disclosure/track.html", error=exc.message), exc.status, NO_STORE
    return _letter(found)


def _letter(found):
    if not found.letter_number:
        raise NotFound("尚未答复，没有答复书")
    return Response(letters.render_letter_pdf(found), mimetype="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(letters.letter_filename(found))}", **NO_STORE})


# --- staff -------------------------------------------------------------------------------------

def _bureau():
    require(can_handle_disclosure(current_user), action="disclosure.read")
    return lists.staff_bureau(current_user)


def _case(request_id: int):
    _bureau()
    found = services.get_request(request_id)
    require(can_handle_request(current_user, found), action="disclosure.read", obj=found)
    return found


@bp.get("/disclosure/requests")
@login_required
def disclosure_list():
    bureau = _bureau()
    state = request.args.get("state") if request.args.get("state") in vocab.STATES else None
    applicant_type = request.args.get("applicant_type") if request.args.get("applicant_type") in vocab.APPLICANT_TYPES \
        else None
    q = (request.args.get("q") or "").strip()[:60] or None
    overdue = request.args.get("overdue") == "1"
    query = lists.requests_query(bureau, state=state, q=q, applicant_type=applicant_type,
                                    overdue_on=services.today_local() if overdue else None)
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("portal/disclosure/list.html", page=page, bureau=bureau, state=state, q=q or "",
                           applicant_type=applicant_type, overdue=overdue, today=services.today_local(),
                           left=lists.working_days_left, **_vocab())


@bp.get("/disclosure/dashboard")
@login_required
def disclosure_dashboard():
    bureau = _bureau()
    return render_template("portal/disclosure/dashboard.html", bureau=bureau, board=lists.dashboard(bureau),
                           left=lists.working_days_left)


@bp.get("/disclosure/requests/new")
@login_required
def disclosure_enter():
    bureau = _bureau()
    return render_template("portal/disclosure/enter.html", bureau=bureau, values={}, today=services.today_local(),
                           **_vocab())


@bp.post("/disclosure/requests/new")
@login_required
def disclosure_enter_post():
    bureau = _bureau()
    data = load_form(StaffEntrySchema())
    require(data["org_id"] == bureau.id, action="disclosure.enter", message="只能登记向本机关提出的申请")
    created, secret = services.receive_request(data, org=bureau, channel=data["channel"], actor=current_user,
                                               received_on=data["received_on"])
    db.session.commit()
    return render_template("portal/disclosure/receipt.html", req=created, secret=secret, staff=True), 201, NO_STORE


@bp.get("/disclosure/requests/<int:request_id>")
@login_required
def disclosure_case(request_id: int):
    found = _case(request_id)
    row = reports.row_of(found) if found.is_finished else None
    done = found.answered_on or next((e.day for e in found.entries if e.kind == "abandoned"), None)
    return render_template("portal/disclosure/case.html", req=found, view=lists.staff_view(found, current_user),
                           report_row=reports.leaf_rows().get(row) if row else None,
                           report_year=done.year if done and done.year <= services.today_local().year else None,
                           may_approve=can_approve_extension(current_user, found),
                           correction_last=services.correction_deadline(found), **_vocab())


@bp.post("/disclosure/requests/<int:request_id>/steps/<step>")
@login_required
def disclosure_step(request_id: int, step: str):
    found = _case(request_id)
    if step not in services.ACTIONS:
        raise NotFound("没有这个办理步骤")
    data = load_form(ActionSchema(), partial=False)
    services.perform_action(found, step, actor=current_user, data=data)
    db.session.commit()
    letters.deliver_pending_mail()
    flash(f"已{services.ACTIONS[step]}", "success")
    return redirect(url_for("portal.disclosure_case", request_id=found.id))


@bp.get("/disclosure/requests/<int:request_id>/letter")
@login_required
def disclosure_letter(request_id: int):
    return _letter(_case(request_id))


@bp.post("/disclosure/requests/<int:request_id>/letter-preview")
@login_required
def disclosure_letter_preview(request_id: int):
    found = _case(request_id)
    data = load_form(ActionSchema())
    pdf = services.preview_letter(found, answer_type=data.get("answer_type"),
                                  fields={k: data.get(k) for k in services.ANSWER_KEYS})
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": "inline; filename*=UTF-8''" + quote("答复书预览.pdf"), **NO_STORE})


@bp.get("/disclosure/requests/<int:request_id>/attachment")
@login_required
def disclosure_attachment(request_id: int):
    found = _case(request_id)
    if found.attachment is None:
        raise NotFound("该申请没有附件")
    return found.attachment.send()
