"""The 工作台 (each person's home), the unified search and the health check."""

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from eduplatform.core import workbench
from eduplatform.home import bp, notices, public_home, search  # noqa: F401  (notices, search: their pages)
from eduplatform.home.services import health


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        if public_home():
            return redirect(url_for(public_home()))
        return current_app.login_manager.unauthorized()
    return render_template("home/index.html", user=current_user, sections=workbench.sections(current_user),
                           portal=public_home())


@bp.get("/healthz")
def healthz():
    parts = health()
    healthy = all(state == "ok" for state in parts.values())
    return {"status": "ok" if healthy else "error", **parts}, (200 if healthy else 503)
