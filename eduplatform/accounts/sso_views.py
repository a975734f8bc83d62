"""统一身份认证 pages: go to the identity service, come back from it, its logout return and its
back-channel logout (``accounts.sso`` does the protocol)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from eduplatform.accounts import bp, sso
from eduplatform.accounts.forms import LoginForm
from eduplatform.core.errors import error_payload
from eduplatform.core.extensions import csrf, db


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


def _require_sso() -> None:
    if not sso.enabled():
        abort(404)


def _refused(exc: sso.SsoRefused):
    db.session.commit()  # the refusal's audit entry stays
    return render_template("accounts/login.html", form=LoginForm(), error=exc.message), exc.status


@bp.get("/sso/login")
def sso_login():
    _require_sso()
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    try:
        response = sso.begin_login(request.args.get("next"))
    except sso.SsoRefused as exc:
        return _refused(exc)
    return response


@bp.get("/sso/callback")
def sso_callback():
    _require_sso()
    try:
        _user, next_target = sso.complete_login()
    except sso.SsoRefused as exc:
        return _refused(exc)
    db.session.commit()
    return redirect(_safe_next(next_target))


@bp.get("/sso/logged-out")
def sso_logged_out():
    _require_sso()
    sso.check_logout_return()
    flash("您已安全退出（已同时退出统一身份认证）", "info")
    return redirect(url_for("accounts.login"))


@bp.post("/sso/backchannel-logout")
@csrf.exempt
def sso_backchannel_logout():
    """OpenID Connect Back-Channel Logout 1.0: the provider POSTs ``logout_token``."""
    _require_sso()
    try:
        ended = sso.backchannel_logout(request.form.get("logout_token", ""))
    except sso.SsoRefused as exc:
        db.session.commit()
        return error_payload(exc.code, exc.message), 400, {"Cache-Control": "no-store"}
    db.session.commit()
    return {"ended": ended}, 200, {"Cache-Control": "no-store"}
