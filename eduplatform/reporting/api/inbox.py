"""/api/v1/report-notices: the notice inbox of a school or a bureau."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import paginated
from eduplatform.core.errors import NotFound
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.core.permissions import require
from eduplatform.reporting import schemas
from eduplatform.reporting.api import bp
from eduplatform.reporting.api.common import commit
from eduplatform.reporting.services import notices


@bp.get("/report-notices")
@login_required
def list_notices():
    """The notice inbox of the caller's school or bureau (``unread=1`` for unread only).
    ---
    get:
      responses:
        200:
          description: "{items, page, per_page, total, pages} of ReportNoticeSchema, plus unread"
    """
    body = paginated(notices.inbox_query(current_user, unread_only=request.args.get("unread") == "1"),
                     schemas.ReportNoticeSchema())
    body["unread"] = notices.unread_count(current_user)
    return body


@bp.post("/report-notices/<int:notice_id>/read")
@login_required
def read_notice(notice_id):
    """Mark a notice read.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: ReportNoticeSchema
    """
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.realm != notices.REALM:
        raise NotFound("通知不存在")
    require(notices.can_read_notice(current_user, notice), action="report_notice.read", obj=notice)
    notices.mark_read(current_user, notice)
    commit()
    return schemas.ReportNoticeSchema().dump(notice)
