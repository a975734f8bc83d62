"""HTML pages: log in and out, change password, user administration."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.accounts import authentication, bp, lockout, permissions, services, sso
from eduplatform.accounts.forms import ChangePasswordForm, LoginForm, UserCreateForm
from eduplatform.accounts.models import LoginLock, Role, User
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require, visible_to
from eduplatform.orgs.services import find_org, visible_units


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect after login is a phishing aid.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginFailed as exc:
            db.session.commit()  # keep the failure count and its audit entry
            error = exc.message
        else:
            authentication.start_session(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    sso_login = sso.current_sso_login()
    authentication.end_session(current_user if current_user.is_authenticated else None, sso=sso_login is not None)
    db.session.commit()
    if sso_login is not None:
        response = sso.logout_redirect(sso_login)  # on to the identity service's own logout
        if response is not None:
            return response
    flash("您已安全退出", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            if isinstance(exc, services.WrongCurrentPassword):
                db.session.commit()  # the failure counts and its audit entry stay
            else:
                db.session.rollback()
            for name, messages in exc.fields.items():
                getattr(form, name).errors = list(messages)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            authentication.start_session(user)  # the session version changed: stay logged in here only
            db.session.commit()
            flash("密码已修改", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/change_password.html", form=form)


@bp.get("/users")
@login_required
def user_list():
    require(permissions.can_list_users(current_user), action="user.list")
    query = visible_to(current_user, db.select(User).order_by(User.username), org_column=User.org_id,
                       admin=True)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(User.username.contains(q) | User.display_name.contains(q))
    org = find_org(request.args.get("org"))
    if org is not None:
        query = query.where(User.org_id == org.id)
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("accounts/user_list.html", page=page, q=q, permissions=permissions)


@bp.get("/users/<int:user_id>")
@login_required
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    require(permissions.can_view_user(current_user, user), action="user.view", obj=user)
    return render_template("accounts/user_detail.html", user=user, permissions=permissions)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_create():
    grantable = permissions.grantable_roles(current_user)
    require(bool(grantable), action="user.create")
    form = UserCreateForm()
    form.roles.choices = [(r.value, r.label) for r in Role if r in grantable]
    form.org.choices = [("", "（无）")] + [(u.code, f"{'　' * u.depth}{u.name}") for u in
                                          visible_units(current_user)]
    if form.validate_on_submit():
        org = find_org(form.org.data)
        roles = {Role(r) for r in form.roles.data}
        require(permissions.can_create_user(current_user, roles, org), action="user.create")
        try:
            user, password = services.create_user(
                current_user, username=form.username.data, display_name=form.display_name.data,
                roles=roles, org=org, email=form.email.data, phone=form.phone.data)
        except ValidationFailed as exc:
            db.session.rollback()
            for name, messages in exc.fields.items():
                getattr(form, name, form.username).errors = list(messages)
        else:
            db.session.commit()
            flash(f"已创建用户 {user.username}，初始密码：{password}（仅显示一次，首次登录须修改）", "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/user_form.html", form=form)


def _user_action(user_id: int, predicate, action: str):
    user = db.get_or_404(User, user_id)
    require(predicate(current_user, user), action=action, obj=user)
    return user


@bp.post("/users/<int:user_id>/unlock")
@login_required
def user_unlock(user_id: int):
    user = _user_action(user_id, permissions.can_unlock_user, "user.unlock")
    services.unlock_user(current_user, user, request.form.get("reason"))
    db.session.commit()
    flash(f"已解锁 {user.username}", "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/reset-password")
@login_required
def user_reset_password(user_id: int):
    user = _user_action(user_id, permissions.can_reset_password, "user.reset_password")
    password = services.reset_password(current_user, user)
    db.session.commit()
    flash(f"{user.username} 的新初始密码：{password}（仅显示一次，登录后须修改）", "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@login_required
def user_set_active(user_id: int):
    user = _user_action(user_id, permissions.can_manage_user, "user.set_active")
    active = request.form.get("active") == "1"
    if request.form.get("active") not in ("0", "1"):
        abort(400)
    services.set_active(current_user, user, active)
    db.session.commit()
    flash(f"已{'启用' if active else '停用'} {user.username}", "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.get("/security/locks")
@login_required
def lock_list():
    require(permissions.can_manage_locks(current_user), action="lock.list")
    accounts, addresses = lockout.current_locks()
    return render_template("accounts/locks.html", accounts=accounts, addresses=addresses)


@bp.post("/security/locks/<int:lock_id>/lift")
@login_required
def lock_lift(lock_id: int):
    require(permissions.can_manage_locks(current_user), action="lock.lift")
    lock = db.get_or_404(LoginLock, lock_id)
    lockout.lift_lock(current_user, lock, request.form.get("reason"))
    db.session.commit()
    flash(f"已解除对{'账户 ' + lock.user.username if lock.user else '来源地址 ' + (lock.ip or '')}的锁定", "success")
    return redirect(url_for("accounts.lock_list"))


from eduplatform.accounts import sso_views  # noqa: F401  (统一身份认证 pages on this blueprint)
