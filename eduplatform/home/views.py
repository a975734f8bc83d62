"""Home page and health check."""

from flask import render_template
from flask_login import current_user, login_required

from eduplatform.core.templating import home_panels
from eduplatform.home import bp, notices  # noqa: F401  (notices: the 通知 page)
from eduplatform.home.services import health


@bp.get("/")
@login_required
def index():
    return render_template("home/index.html", user=current_user, panels=home_panels(current_user))


@bp.get("/healthz")
def healthz():
    parts = health()
    healthy = all(state == "ok" for state in parts.values())
    return {"status": "ok" if healthy else "error", **parts}, (200 if healthy else 503)
