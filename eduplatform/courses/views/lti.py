"""LTI 1.3: the protocol endpoints under /lti (key set, auth, token, AGS, deep-linking return) and the
pages where tools are registered and the platform's keys rotated (外部工具管理)."""

from __future__ import annotations

import functools

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.api import load_form
from eduplatform.core.errors import AppError, error_payload
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import access, bp, permissions
from eduplatform.courses.lti import ags, keys, launch, tools
from eduplatform.courses.lti import bp as lti_bp
from eduplatform.courses.retry import begin_write, retry_on_lock
from eduplatform.courses.schemas import LtiToolInSchema

LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS = "application/vnd.ims.lis.v2.resultcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"


# --- key set, launch, auth --------------------------------------------------------------------

@lti_bp.get("/jwks")
def jwks():
    """The platform's public keys (current and, for the grace period, retired), each with its kid."""
    keys.current_key()
    db.session.commit()
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@lti_bp.get("/lessons/<int:lesson_id>/launch")
@login_required
def launch_lesson(lesson_id: int):
    """Start the launch: the browser goes to the tool's OIDC login initiation."""
    lesson, _ = access.learning_or_preview(lesson_id)
    return redirect(launch.login_initiation(lesson, current_user))


@lti_bp.get("/lessons/<int:lesson_id>/deep-link")
@login_required
def deep_link_lesson(lesson_id: int):
    """The course's teacher picks the lesson's content in the tool (LtiDeepLinkingRequest)."""
    lesson = access.lesson_for(lesson_id, "manage")
    return redirect(launch.login_initiation(lesson, current_user, message=launch.DEEP_LINKING))


def _auto_post(action: str, fields: dict, title: str):
    html = render_template("courses/lti/auto_post.html", action=action, fields=fields, title=title)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"form-action {launch.form_action_origin(action)}; frame-ancestors 'self'; base-uri 'none'")
    response.headers["Cache-Control"] = "no-store"
    return response


@lti_bp.route("/auth", methods=["GET", "POST"])
def auth():
    """The OIDC auth endpoint: the tool's auth request → an auto-submitted form POSTing the id_token."""
    params = request.values
    try:
        tool, redirect_uri = launch.check_client(params)
    except launch.LaunchRefused as exc:
        return render_template("errors/error.html", status=400, message=exc.message), 400
    try:
        request_ok = launch.authorize(params, current_user)
        token = launch.id_token(request_ok, current_user)
    except launch.LaunchRefused as exc:
        db.session.rollback()
        fields = {"error": exc.code, "error_description": exc.message}
        if params.get("state"):
            fields["state"] = params["state"]
        return _auto_post(redirect_uri, fields, "外部工具启动失败")
    db.session.commit()
    fields = {"id_token": token}
    if request_ok.state:
        fields["state"] = request_ok.state
    return _auto_post(redirect_uri, fields, f"正在打开外部工具：{tool.name}")


@lti_bp.post("/deep-links")
def deep_link_return():
    """The tool's LtiDeepLinkingResponse (form field ``JWT``) → the picked content becomes the lesson's target."""
    try:
        lesson = launch.deep_link_response(request.form.get("JWT") or "")
    except launch.LaunchRefused as exc:
        db.session.rollback()
        return render_template("errors/error.html", status=400, message=exc.message), 400
    db.session.commit()
    return render_template("courses/lti/deep_link_done.html", lesson=lesson), 200


# --- AGS ---------------------------------------------------------------------------------------

@lti_bp.post("/token")
def token():
    """OAuth 2 client credentials with a JWT client assertion (RFC 7523) → a bearer token for AGS."""
    try:
        body = ags.issue_token(request.form)
    except ags.OAuthError as exc:
        response = jsonify({"error": exc.error, "error_description": exc.description})
        response.status_code = exc.status
        response.headers["Cache-Control"] = "no-store"
        return response
    db.session.commit()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def service(*scopes: str):
    """An AGS endpoint: the tool authenticated by its bearer token; JSON errors in Chinese."""
    def wrap(view):
        @functools.wraps(view)
        def inner(**kwargs):
            try:
                tool = ags.authenticate(request.headers.get("Authorization"), ags.scope(*scopes))
                return view(tool, **kwargs)
            except ags.ServiceRefused as exc:
                db.session.rollback()
                return jsonify(error_payload(exc.code, exc.message)), exc.status
            except AppError as exc:
                db.session.rollback()
                return jsonify(error_payload(exc.code, exc.message, exc.fields)), exc.status
        return inner
    return wrap


def _typed(body, media_type: str, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.mimetype = media_type
    return response


@lti_bp.get("/lessons/<int:lesson_id>/lineitems")
@service("lineitem", "lineitem.readonly")
def line_items(tool, lesson_id: int):
    lesson = ags.lesson_for_tool(tool, lesson_id)
    return _typed([ags.line_item_json(i) for i in ags.line_items(lesson, request.args)], CONTAINER)


@lti_bp.post("/lessons/<int:lesson_id>/lineitems")
@service("lineitem")
def line_item_create(tool, lesson_id: int):
    lesson = ags.lesson_for_tool(tool, lesson_id)
    item = ags.create_line_item(tool, lesson, request.get_json(force=True, silent=True) or {})
    db.session.commit()
    return _typed(ags.line_item_json(item), LINEITEM, 201)


@lti_bp.get("/lineitems/<int:item_id>")
@service("lineitem", "lineitem.readonly")
def line_item(tool, item_id: int):
    return _typed(ags.line_item_json(ags.line_item_for_tool(tool, item_id)), LINEITEM)


@lti_bp.post("/lineitems/<int:item_id>/scores")
@service("score")
def scores(tool, item_id: int):
    if request.mimetype != SCORE:
        return jsonify(error_payload("unsupported_media_type", f"成绩须以 {SCORE} 提交")), 415
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        return jsonify(error_payload("invalid_body", "成绩须为 JSON 对象")), 422

    def work():
        begin_write()
        item = ags.line_item_for_tool(tool, item_id)
        ags.receive_score(tool, item, body)
        db.session.commit()

    retry_on_lock(work)
    return Response(status=204)


@lti_bp.get("/lineitems/<int:item_id>/results")
@service("result.readonly")
def results(tool, item_id: int):
    item = ags.line_item_for_tool(tool, item_id)
    return _typed(ags.results(item, request.args.get("user_id")), RESULTS)


# --- pages: registering tools, rotating keys --------------------------------------------------

@bp.get("/lti/tools")
@login_required
def lti_tools():
    require(permissions.can_register_lti_tool(current_user), action="lti.tools")
    rows = db.session.scalars(tools.tools_for(current_user)).all()
    key_rows = keys.published_keys() if permissions.can_rotate_lti_keys(current_user) else []
    return render_template("courses/lti/tools.html", tools=rows, keys=key_rows, grace=keys.grace(),
                           can_rotate=permissions.can_rotate_lti_keys(current_user),
                           issuer=launch.issuer())


@bp.route("/lti/tools/new", methods=["GET", "POST"])
@login_required
def lti_tool_new():
    require(permissions.can_register_lti_tool(current_user), action="lti.tool_register")
    if request.method == "POST":
        data = load_form(LtiToolInSchema())
        from eduplatform.accounts.models import Role

        org = None if current_user.has_role(Role.SYSADMIN) else current_user.scope_root
        tool = tools.register_tool(current_user, data, org=org)
        db.session.commit()
        flash(f"外部工具“{tool.name}”已注册", "success")
        return redirect(url_for("courses.lti_tools"))
    return render_template("courses/lti/tool_form.html", tool=None, issuer=launch.issuer())


@bp.route("/lti/tools/<int:tool_id>/edit", methods=["GET", "POST"])
@login_required
def lti_tool_edit(tool_id: int):
    tool = tools.get_tool(tool_id)
    require(permissions.can_manage_lti_tool(current_user, tool), action="lti.tool_update", obj=tool)
    if request.method == "POST":
        tools.update_tool(current_user, tool, load_form(LtiToolInSchema()))
        db.session.commit()
        flash("已保存", "success")
        return redirect(url_for("courses.lti_tools"))
    return render_template("courses/lti/tool_form.html", tool=tool, issuer=launch.issuer())


@bp.post("/lti/keys/rotate")
@login_required
def lti_rotate_key():
    require(permissions.can_rotate_lti_keys(current_user), action="lti.key_rotate")
    key = keys.rotate(current_user)
    db.session.commit()
    flash(f"已生成新的签名密钥 {key.kid}；旧密钥在宽限期内仍在密钥集中公布", "success")
    return redirect(url_for("courses.lti_tools"))
