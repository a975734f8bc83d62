"""The one 通知 page: every notice a user has, from every domain, in one list.

Each domain registers what its notices are called (``core.notices.register_realm``); the page
filters by domain and by unread, opens a notice (marking it read) and marks all read.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import Schema, fields
from werkzeug.exceptions import NotFound

from eduplatform.core import notices
from eduplatform.core.api import load_args, one_of
from eduplatform.core.extensions import db
from eduplatform.home import bp


@bp.app_context_processor
def inject_unread():
    """The top bar's unread count, for every signed-in user (students have course notices too)."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"notice_unread": notices.unread_count(current_user)}


def _filter_schema() -> Schema:
    codes = [r.code for r in notices.realms()]
    return Schema.from_dict({
        "realm": fields.String(load_default=None, validate=one_of(codes)),
        "unread": fields.Boolean(load_default=False),
        "page": fields.Integer(load_default=1),
    })()


@bp.get("/notices")
@login_required
def notice_inbox():
    args = load_args(_filter_schema(), message="筛选条件有误")
    query = notices.inbox_query(current_user, realm=args["realm"], unread_only=args["unread"])
    page = db.paginate(query, per_page=30, error_out=False)
    counts = [(realm, notices.unread_count(current_user, realm=realm.code)) for realm in notices.realms()]
    return render_template("home/notices.html", page=page, counts=counts, args=args,
                           total_unread=notices.unread_count(current_user), realm_of=notices.realm_of,
                           kind_label=notices.kind_label, link_of=notices.link_of)


@bp.post("/notices/<int:notice_id>/open")
@login_required
def open_notice(notice_id: int):
    """Mark one notice read and go where it leads (back to the list when it leads nowhere)."""
    notice = db.session.get(notices.Notice, notice_id)
    if notice is None or not notices.can_read(current_user, notice):
        raise NotFound("通知不存在")
    notices.mark_one_read(current_user, notice)
    db.session.commit()
    return redirect(notices.link_of(notice) or url_for("home.notice_inbox"))


@bp.post("/notices/read")
@login_required
def read_all_notices():
    realm = request.form.get("realm") or None
    if realm not in (None, *[r.code for r in notices.realms()]):
        realm = None
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit()] or None
    marked = notices.mark_read(current_user, ids, realm=realm)
    db.session.commit()
    flash(f"已标记 {marked} 条为已读", "success")
    return redirect(url_for("home.notice_inbox", realm=realm))
