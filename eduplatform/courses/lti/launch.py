"""Launching a tool (IMS LTI 1.3 Core): third-party initiated login, the auth request, the id_token.

1. The learner opens a lesson of kind 外部工具 → the platform sends the browser to the tool's OIDC
   login URL with ``iss``, ``login_hint``, ``target_link_uri``, ``lti_message_hint``, ``client_id``,
   ``lti_deployment_id`` (``login_initiation``).
2. The tool answers with an OIDC auth request to ``/lti/auth``; ``authorize`` checks it (client,
   registered redirect_uri, scope/response_type/response_mode/prompt, nonce not used before, the hints
   signed by us and naming the logged-in user, the lesson still open to them).
3. The platform auto-submits a form POSTing the signed id_token (RS256, ``kid``) and ``state`` to the
   redirect_uri. Deep linking is the same with ``LtiDeepLinkingRequest``; its answer is
   ``deep_link_response``.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from eduplatform.accounts.models import Role
from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import permissions
from eduplatform.courses.enrolment import find_enrolment
from eduplatform.courses.lti import AGS_CLAIM, CLAIM, DL_CLAIM, LTI_VERSION, SCOPES, keys
from eduplatform.courses.lti.tools import ToolTokenRefused, by_client_id, verify_tool_jwt
from eduplatform.courses.models import Lesson, LessonKind, LtiLineItem, LtiSeenId, LtiTool, LtiUserId

REALM = "courses"

HINT_SECONDS = 600
ID_TOKEN_SECONDS = 300
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
STUDENT = LIS + "institution/person#Student"
FACULTY = LIS + "institution/person#Faculty"
ADMINISTRATOR = LIS + "institution/person#Administrator"
SYSTEM_ADMINISTRATOR = LIS + "system/person#Administrator"
COURSE_OFFERING = LIS + "course#CourseOffering"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"


class LaunchRefused(Exception):
    """An auth request or deep-linking response the platform will not answer (shown, never redirected)."""

    def __init__(self, message: str, code: str = "invalid_request"):
        super().__init__(message)
        self.message = message
        self.code = code


def issuer() -> str:
    return (current_app.config.get("LTI_ISSUER") or request.url_root).rstrip("/")


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"lti-{salt}")


def _loads(salt: str, value: str | None, what: str) -> dict:
    try:
        return _serializer(salt).loads(value or "", max_age=HINT_SECONDS)
    except BadSignature as exc:
        raise LaunchRefused(f"{what}无效或已过期", "invalid_request") from exc


def tool_of(lesson: Lesson) -> LtiTool:
    tool = lesson.lti_tool
    if lesson.kind != LessonKind.LTI or tool is None:
        raise Conflict("该课时不是外部工具", code="not_lti")
    if not tool.enabled:
        raise Conflict("外部工具已停用", code="tool_disabled")
    return tool


def target_link(lesson: Lesson) -> str:
    return (lesson.settings or {}).get("target_link_uri") or lesson.lti_tool.launch_url


def login_initiation(lesson: Lesson, user, *, message: str = RESOURCE_LINK) -> str:
    """The URL of the tool's OIDC login initiation for ``user`` on ``lesson``."""
    tool = tool_of(lesson)
    if message == DEEP_LINKING and not tool.deep_link_url:
        raise Conflict("该外部工具不支持内容选择（深度链接）", code="no_deep_linking")
    target = tool.deep_link_url if message == DEEP_LINKING else target_link(lesson)
    hint = _serializer("message").dumps({"l": lesson.id, "u": user.id, "m": message})
    params = {"iss": issuer(), "login_hint": _serializer("login").dumps(user.id), "target_link_uri": target,
              "lti_message_hint": hint, "client_id": tool.client_id, "lti_deployment_id": tool.deployment_id}
    separator = "&" if "?" in tool.login_url else "?"
    return f"{tool.login_url}{separator}{urlencode(params)}"


def _remember_once(kind: str, value: str, seconds: int) -> bool:
    """Record ``value`` as used; False when it was used before (a replay)."""
    now = utcnow()
    db.session.execute(sa.delete(LtiSeenId).where(LtiSeenId.expires_at < now))
    if db.session.scalar(sa.select(LtiSeenId.id).where(LtiSeenId.kind == kind, LtiSeenId.value == value)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(LtiSeenId(kind=kind, value=value[:255], expires_at=now + timedelta(seconds=seconds)))
    except IntegrityError:
        return False
    return True


@dataclass
class AuthRequest:
    tool: LtiTool
    redirect_uri: str
    state: str | None
    nonce: str
    lesson: Lesson
    message: str


def check_client(params) -> tuple[LtiTool, str]:
    """The tool and a redirect_uri registered for it — before anything is sent back to that address."""
    tool = by_client_id(params.get("client_id"))
    if tool is None or not tool.enabled:
        raise LaunchRefused("未注册或已停用的外部工具（client_id）", "unauthorized_client")
    redirect_uri = params.get("redirect_uri") or ""
    if redirect_uri not in tool.redirect_list:
        raise LaunchRefused("redirect_uri 不是该工具登记的回调地址", "invalid_request")
    return tool, redirect_uri


def authorize(params, user) -> AuthRequest:
    """Check the tool's OIDC auth request for the logged-in ``user``; raises ``LaunchRefused``."""
    tool, redirect_uri = check_client(params)
    if "openid" not in (params.get("scope") or "").split():
        raise LaunchRefused("scope 必须包含 openid", "invalid_scope")
    if params.get("response_type") != "id_token":
        raise LaunchRefused("response_type 必须是 id_token", "unsupported_response_type")
    if params.get("response_mode") != "form_post":
        raise LaunchRefused("response_mode 必须是 form_post", "invalid_request")
    if params.get("prompt") != "none":
        raise LaunchRefused("prompt 必须是 none", "invalid_request")
    nonce = params.get("nonce") or ""
    if not nonce:
        raise LaunchRefused("缺少 nonce", "invalid_request")
    if user is None or not getattr(user, "is_authenticated", False):
        raise LaunchRefused("请先登录平台", "login_required")
    if _loads("login", params.get("login_hint"), "login_hint") != user.id:
        raise LaunchRefused("login_hint 与当前登录用户不符", "login_required")
    hint = _loads("message", params.get("lti_message_hint"), "lti_message_hint")
    if hint.get("u") != user.id:
        raise LaunchRefused("lti_message_hint 与当前登录用户不符", "invalid_request")
    lesson = db.session.get(Lesson, hint.get("l"))
    if lesson is None or lesson.course.is_deleted or lesson.lti_tool_id != tool.id:
        raise LaunchRefused("课时不存在或不使用该工具", "invalid_request")
    message = hint.get("m")
    if message == DEEP_LINKING:
        if not permissions.can_manage_course(user, lesson.course):
            raise LaunchRefused("只有课程的教师可以为课时选择内容", "access_denied")
    elif not may_launch(user, lesson):
        raise LaunchRefused("请先选课（或等待报名审核通过）后再学习", "access_denied")
    if not _remember_once("nonce", f"{tool.client_id}:{nonce}", ID_TOKEN_SECONDS * 2):
        raise LaunchRefused("nonce 已使用过（重放）", "invalid_request")
    return AuthRequest(tool, redirect_uri, params.get("state"), nonce, lesson, message)


def may_launch(user, lesson: Lesson) -> bool:
    course = lesson.course
    return permissions.can_learn(user, course, find_enrolment(course, user)) or \
        permissions.can_preview(user, course)


# --- the id_token ----------------------------------------------------------------------------

def sub_for(tool: LtiTool, user) -> str:
    """The stable, opaque identifier of ``user`` for ``tool`` (never the login name or the id)."""
    row = db.session.scalar(sa.select(LtiUserId).where(LtiUserId.tool_id == tool.id, LtiUserId.user_id == user.id))
    if row is None:
        row = LtiUserId(tool_id=tool.id, user_id=user.id, sub=secrets.token_hex(16))
        db.session.add(row)
        db.session.flush()
    return row.sub


def user_of(tool: LtiTool, sub: str | None):
    from eduplatform.accounts.models import User

    if not sub:
        return None
    user_id = db.session.scalar(sa.select(LtiUserId.user_id).where(LtiUserId.tool_id == tool.id,
                                                                    LtiUserId.sub == sub))
    return db.session.get(User, user_id) if user_id is not None else None


def lis_roles(user, lesson: Lesson) -> list[str]:
    """Platform roles → LIS roles: learners of the course are Learner (+ Student / Faculty), its teachers
    Instructor, the system administrator also the system Administrator role."""
    course = lesson.course
    roles = []
    if permissions.can_manage_course(user, course):
        roles.append(INSTRUCTOR)
    elif permissions.can_learn(user, course, find_enrolment(course, user)):
        roles.append(LEARNER)
    if user.has_role(Role.STUDENT):
        roles.append(STUDENT)
    if user.has_role(Role.TEACHER):
        roles.append(FACULTY)
    if user.has_role(Role.SCHOOL_ADMIN, Role.BUREAU_STAFF, Role.BUREAU_LEADER):
        roles.append(ADMINISTRATOR)
    if user.has_role(Role.SYSADMIN):
        roles.append(SYSTEM_ADMINISTRATOR)
    return roles


def default_line_item(lesson: Lesson) -> LtiLineItem:
    item = db.session.scalar(sa.select(LtiLineItem).where(LtiLineItem.lesson_id == lesson.id,
                                                          LtiLineItem.is_default.is_(True)))
    if item is None:
        maximum = float((lesson.settings or {}).get("score_maximum") or 100)
        item = LtiLineItem(lesson_id=lesson.id, tool_id=lesson.lti_tool_id, label=lesson.title,
                           score_maximum=maximum, resource_id=f"lesson-{lesson.id}", tag="", is_default=True)
        db.session.add(item)
        db.session.flush()
    return item


def id_token_claims(auth: AuthRequest, user) -> dict:
    tool, lesson = auth.tool, auth.lesson
    course = lesson.course
    now = int(time.time())
    claims = {
        "iss": issuer(), "aud": tool.client_id, "azp": tool.client_id, "sub": sub_for(tool, user),
        "iat": now, "exp": now + ID_TOKEN_SECONDS, "nonce": auth.nonce,
        CLAIM + "message_type": auth.message, CLAIM + "version": LTI_VERSION,
        CLAIM + "deployment_id": tool.deployment_id,
        CLAIM + "roles": lis_roles(user, lesson),
        CLAIM + "context": {"id": f"course-{course.id}", "label": course.title[:60], "title": course.title,
                            "type": [COURSE_OFFERING]},
        CLAIM + "tool_platform": {"guid": issuer(), "name": "教育资源平台", "product_family_code": "eduplatform",
                                  "version": "1"},
        CLAIM + "launch_presentation": {
            "document_target": "window", "locale": "zh-CN",
            "return_url": url_for("courses.lesson_page", lesson_id=lesson.id, _external=True)},
    }
    if tool.share_name:
        claims.update({"name": user.display_name, "given_name": user.display_name})
    if tool.share_email and getattr(user, "email", None):
        claims["email"] = user.email
    if auth.message == DEEP_LINKING:
        data = _serializer("deep-link").dumps({"l": lesson.id, "u": user.id})
        claims[CLAIM + "target_link_uri"] = tool.deep_link_url
        claims[DL_CLAIM + "deep_linking_settings"] = {
            "deep_link_return_url": url_for("lti.deep_link_return", _external=True),
            "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["window", "iframe"],
            "accept_multiple": False, "auto_create": True, "title": lesson.title, "data": data}
        return claims
    item = default_line_item(lesson)
    claims[CLAIM + "target_link_uri"] = target_link(lesson)
    claims[CLAIM + "resource_link"] = {"id": f"lesson-{lesson.id}", "title": lesson.title}
    custom = (lesson.settings or {}).get("custom")
    if custom:
        claims[CLAIM + "custom"] = custom
    claims[AGS_CLAIM] = {"scope": list(SCOPES),
                         "lineitems": url_for("lti.line_items", lesson_id=lesson.id, _external=True),
                         "lineitem": url_for("lti.line_item", item_id=item.id, _external=True)}
    return claims


def id_token(auth: AuthRequest, user) -> str:
    token = keys.sign(id_token_claims(auth, user))
    if auth.message == DEEP_LINKING:
        record(REALM, "lti.deep_link_started", f"在外部工具中选择内容：{auth.lesson.title}", actor=user,
               obj=auth.lesson, data={"tool": auth.tool.id})
    return token


def form_action_origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- deep linking: the tool's answer ------------------------------------------------------------

def deep_link_response(token: str) -> Lesson:
    """Verify the tool's LtiDeepLinkingResponse and make the picked content item the lesson's target.

    The form comes from the tool's site, so SameSite cookies are not sent with it: the teacher is the
    one our own signed ``data`` claim names (signed when the request was made), not the session."""
    import jwt

    from eduplatform.accounts.models import User

    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise LaunchRefused("深度链接响应不是有效的 JWT") from exc
    tool = by_client_id(unverified.get("iss"))
    if tool is None or not tool.enabled:
        raise LaunchRefused("深度链接响应来自未注册的工具", "unauthorized_client")
    try:
        claims = verify_tool_jwt(tool, token, audience=issuer())
    except ToolTokenRefused as exc:
        raise LaunchRefused(f"深度链接响应验证失败：{exc}", "invalid_token") from exc
    if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse" or claims.get(CLAIM + "version") != LTI_VERSION:
        raise LaunchRefused("不是 LTI 1.3 深度链接响应", "invalid_request")
    if claims.get(CLAIM + "deployment_id") != tool.deployment_id:
        raise LaunchRefused("deployment_id 与工具登记不符", "invalid_request")
    nonce = claims.get("nonce")
    if not nonce or not _remember_once("dl-nonce", f"{tool.client_id}:{nonce}", ID_TOKEN_SECONDS * 2):
        raise LaunchRefused("深度链接响应缺少 nonce 或已使用过（重放）", "invalid_request")
    data = _loads("deep-link", claims.get(DL_CLAIM + "data"), "深度链接 data ")
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active:
        raise LaunchRefused("深度链接响应的用户不存在", "access_denied")
    lesson = db.session.get(Lesson, data.get("l"))
    if lesson is None or lesson.lti_tool_id != tool.id or not permissions.can_manage_course(user, lesson.course):
        raise LaunchRefused("课时不存在或无权修改", "access_denied")
    items = [i for i in claims.get(DL_CLAIM + "content_items") or [] if i.get("type") == "ltiResourceLink"]
    if not items:
        raise ValidationFailed("工具没有返回可用的内容（ltiResourceLink）")
    item = items[0]
    settings = dict(lesson.settings or {})
    old = settings.get("target_link_uri")
    settings["target_link_uri"] = item.get("url") or tool.launch_url
    settings["content_title"] = str(item.get("title") or "")[:200]
    custom = item.get("custom")
    settings["custom"] = {str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {}
    line = item.get("lineItem")
    if isinstance(line, dict) and line.get("scoreMaximum"):
        settings["score_maximum"] = float(line["scoreMaximum"])
        default = default_line_item(lesson)
        default.score_maximum = settings["score_maximum"]
        default.label = str(line.get("label") or default.label)[:200]
        default.resource_id = str(line.get("resourceId") or default.resource_id)[:200]
        default.tag = str(line.get("tag") or "")[:200]
    lesson.settings = settings
    record(REALM, "lti.deep_link_received", f"外部工具内容已选定：{lesson.title} → {settings['content_title']}",
           actor=user, obj=lesson, data={"tool": tool.id, "target_link_uri": [old, settings["target_link_uri"]],
                                         "custom": settings["custom"]})
    db.session.flush()
    return lesson
