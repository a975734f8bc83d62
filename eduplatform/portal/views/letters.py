"""领导信箱 pages: writing, tracking, rating and the published exchange (no login); the staff's cases.

The public form holds up like 依申请公开's: a local captcha, attempts counted per client address
before anything else, bounded fields, the upload inspector, one answer for an unknown code and a
wrong secret, the secret never in a URL.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
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
from eduplatform.portal.letters_permissions import can_handle_letter, can_handle_letters, can_publish_letter
from eduplatform.portal.letters_schemas import (
    LetterActionSchema,
    LetterSchema,
    PublishSchema,
    RateSchema,
    TrackSchema,
)
from eduplatform.portal.models import letters as vocab
from eduplatform.portal.services import letters as services
from eduplatform.portal.services import letters_hotline as hotline
from eduplatform.portal.services import letters_lists as lists
from eduplatform.portal.services import letters_publish as publishing

NO_STORE = {"Cache-Control": "no-store"}


def _limit(name: str, default: int, window: int) -> tuple[int, int]:
    return (int(current_app.config.get(f"LETTER_{name}_LIMIT", default)),
            int(current_app.config.get(f"LETTER_{name}_WINDOW", window)))


def _vocab() -> dict:
    return {"KINDS": services.kinds(), "kind_days": services.kind_days, "STATES": vocab.STATES, "CHANNELS": vocab.CHANNELS, "RATINGS": vocab.RATINGS}


# --- public ------------------------------------------------------------------------------------

@bp.get("/letters")
def letters_home():
    """领导信箱 in 互动交流: how to write, and the published exchanges."""
    page = db.paginate(publishing.public_query(), page=page_number(), per_page=15, error_out=False)
    return render_template("portal/letters/home.html", page=page, **_vocab())


@bp.get("/letters/public/<int:letter_id>")
def letter_public(letter_id: int):
    letter = publishing.published(letter_id)
    if letter is None:
        raise NotFound("信件不存在或未公开")
    return render_template("portal/letters/public.html", letter=letter, **_vocab())


def _write_form(values=None, error=None, problems=None, status: int = 200):
    challenge = None
    if captcha.enabled():
        limit, window = _limit("CAPTCHA", 60, 600)
        try:
            ratelimit.hit("captcha.new", client_ip(), limit=limit, per_seconds=window)
            challenge = captcha.new_challenge()
        except ratelimit.RateLimited as exc:
            error, status = exc.message, 429
    db.session.commit()
    return render_template("portal/letters/write.html", values=values or {}, error=error, problems=problems or {},
                           challenge=challenge, bureaus=services.mailbox_bureaus(), **_vocab()), status, NO_STORE


@bp.get("/letters/write")
def letter_write():
    return _write_form({"kind": request.args.get("kind", "")})


@bp.post("/letters/write")
def letter_write_post():
    limit, window = _limit("WRITE", 5, 3600)
    # reading the form inspects the attachment (the platform's request class): a hostile file is
    # refused here, before anything is counted or written (flashed on the form, as every upload is)
    values = {k: (request.form.get(k) or "")[:5000] for k in LetterSchema().fields}
    try:
        ratelimit.hit("letters.write", client_ip(), limit=limit, per_seconds=window, message="写信过于频繁，请稍后再试")
    except ratelimit.RateLimited as exc:
        return _write_form(values, exc.message, None, 429)
    try:
        captcha.verify(request.form.get("captcha_token"), request.form.get("captcha"))
        data = load_form(LetterSchema())
        created, secret = services.receive(data, org=db.session.get(OrgUnit, data["org_id"]),
                                           attachment=request.files.get("attachment"))
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _write_form(values, exc.message, exc.fields, exc.status)
    return render_template("portal/letters/receipt.html", letter=created, secret=secret, **_vocab()), 201, NO_STORE


def _tracked(schema):
    limit, window = _limit("TRACK", 20, 600)
    ratelimit.hit("letters.track", client_ip(), limit=limit, per_seconds=window, message="查询过于频繁，请稍后再试")
    data = load_form(schema)
    return services.find_for_writer(data["code"], data["secret"]), data


def _track_error(exc):
    db.session.rollback()
    return render_template("portal/letters/track.html", error=exc.message), exc.status, NO_STORE


def _status_page(letter, data, message=None, status: int = 200):
    return render_template("portal/letters/status.html", letter=letter, status=lists.public_status(letter),
                           code=data["code"], secret=data["secret"], message=message, **_vocab()), status, NO_STORE


@bp.get("/letters/track")
def letter_track():
    return render_template("portal/letters/track.html", error=None), 200, NO_STORE


@bp.post("/letters/track")
def letter_track_post():
    try:
        found, data = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        return _track_error(exc)
    return _status_page(found, data)


@bp.post("/letters/track/rate")
def letter_track_rate():
    try:
        found, data = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        return _track_error(exc)
    try:
        rated = load_form(RateSchema())
        publishing.rate(found, rating=rated["rating"], comment=rated["comment"])
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _status_page(found, data, exc.message, exc.status)
    return _status_page(found, data, "感谢您的评价")


@bp.post("/letters/track/consent")
def letter_track_consent():
    try:
        found, data = _tracked(TrackSchema())
    except (ValidationFailed, NotFound, ratelimit.RateLimited) as exc:
        return _track_error(exc)
    try:
        publishing.withdraw_consent(found)
        db.session.commit()
    except AppError as exc:
        db.session.rollback()
        return _status_page(found, data, exc.message, exc.status)
    return _status_page(found, data, "已撤回公开同意，本信件不会公开")


# --- staff -------------------------------------------------------------------------------------

def _bureau():
    require(can_handle_letters(current_user), action="letters.read")
    return lists.staff_bureau(current_user)


def _case(letter_id: int):
    _bureau()
    found = services.get_letter(letter_id)
    require(can_handle_letter(current_user, found), action="letters.read", obj=found)
    return found


@bp.get("/letters/manage")
@login_required
def letter_list():
    bureau = _bureau()
    args = request.args
    state = args.get("state") if args.get("state") in vocab.STATES else None
    kind = args.get("kind") if args.get("kind") in services.kinds() else None
    channel = args.get("channel") if args.get("channel") in vocab.CHANNELS else None
    q = (args.get("q") or "").strip()[:60] or None
    overdue = args.get("overdue") == "1"
    query = lists.letters_query(bureau, state=state, kind=kind, channel=channel, q=q,
                                overdue_on=services.today_local() if overdue else None)
    page = db.paginate(query, page=page_number(), per_page=20, error_out=False)
    return render_template("portal/letters/list.html", page=page, bureau=bureau, state=state, kind=kind,
                           channel=channel, q=q or "", overdue=overdue, left=lists.working_days_left,
                           overdue_total=lists.overdue_count(bureau), **_vocab())


@bp.get("/letters/manage/<int:letter_id>")
@login_required
def letter_case(letter_id: int):
    found = _case(letter_id)
    return render_template("portal/letters/case.html", letter=found, actions=lists.available_actions(found, current_user),
                           departments=services.departments_of(found.org), left=lists.working_days_left(found),
                           may_publish=can_publish_letter(current_user, found), **_vocab())


@bp.post("/letters/manage/<int:letter_id>/steps/<step>")
@login_required
def letter_step(letter_id: int, step: str):
    found = _case(letter_id)
    if step not in services.ACTIONS:
        raise NotFound("没有这个办理步骤")
    data = load_form(LetterActionSchema())
    services.perform_action(found, step, actor=current_user, data=data)
    db.session.commit()
    hotline.deliver_pending()
    flash(f"已{services.ACTIONS[step]}", "success")
    return redirect(url_for("portal.letter_case", letter_id=found.id))


@bp.post("/letters/manage/<int:letter_id>/publish")
@login_required
def letter_publish(letter_id: int):
    found = _case(letter_id)
    require(can_publish_letter(current_user, found), action="letters.publish", obj=found)
    data = load_form(PublishSchema())
    publishing.publish(found, actor=current_user, title=data["title"] or None)
    db.session.commit()
    flash("已在“互动交流”公开（个人信息已隐去）", "success")
    return redirect(url_for("portal.letter_case", letter_id=found.id))


@bp.post("/letters/manage/<int:letter_id>/unpublish")
@login_required
def letter_unpublish(letter_id: int):
    found = _case(letter_id)
    require(can_publish_letter(current_user, found), action="letters.publish", obj=found)
    data = load_form(PublishSchema())
    publishing.unpublish(found, actor=current_user, reason=data["reason"])
    db.session.commit()
    flash("已撤下", "success")
    return redirect(url_for("portal.letter_case", letter_id=found.id))


@bp.get("/letters/manage/<int:letter_id>/attachment")
@login_required
def letter_attachment(letter_id: int):
    found = _case(letter_id)
    if found.attachment is None:
        raise NotFound("该信件没有附件")
    return found.attachment.send()
