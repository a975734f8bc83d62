"""The ferry's state for staff (门户内外网摆渡): this node's role, the last package each way with its
sequence number, what waits in the inbox and outbox, and every refused package with its reason."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from eduplatform.core.permissions import require
from eduplatform.portal import bp, permissions
from eduplatform.portal.services import ferry


@bp.get("/manage/ferry")
@login_required
def ferry_page():
    require(permissions.can_view_ferry(current_user), action="portal.ferry.read")
    return render_template("portal/manage/ferry.html", state=ferry.overview())
