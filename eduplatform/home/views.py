"""Home page and health check."""

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from eduplatform.core.templating import home_panels
from eduplatform.home import bp, notices, public_home  # noqa: F401  (notices: the 通知 page)
from eduplatform.home.services import health


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        if public_home():
            return redirect(url_for(public_home()))
        return current_app.login_manager.unauthorized()
    return render_template("home/index.html", user=current_user, panels=home_panels(current_user))


@bp.get("/healthz")
def healthz():
    parts = health()
    healthy = all(state == "ok" for state in parts.values())
    return {"status": "ok" if healthy else "error", **parts}, (200 if healthy else 503)
