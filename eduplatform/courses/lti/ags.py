"""Assignment and Grade Services 2.0: the OAuth 2 token endpoint, line items, scores, results.

A tool gets an access token with the client-credentials grant, authenticating with a JWT it signed
with its own key (RFC 7523: ``iss`` = ``sub`` = its client_id, ``aud`` = our token URL, a ``jti`` used
once). The token (signed by the platform, ``LTI_TOKEN_SECONDS``) names the tool and the granted scopes.
Scores on a lesson's default line item are the learner's lesson result and go through the courses'
completion engine (``completion.set_progress``, as quizzes and SCORM do): completed when the tool says
``FullyGraded`` and the score is at least the lesson's pass percentage (default 60 %).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import jwt
import sqlalchemy as sa
from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from eduplatform.audit.services import record, record_security_event
from eduplatform.core.db import utcnow
from eduplatform.core.errors import NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import completion
from eduplatform.courses.enrolment import find_enrolment
from eduplatform.courses.lti import SCOPES
from eduplatform.courses.lti.launch import _remember_once, issuer, user_of
from eduplatform.courses.lti.tools import ToolTokenRefused, by_client_id, verify_tool_jwt
from eduplatform.courses.models import EnrolmentStatus, Lesson, LtiLineItem, LtiScore, LtiTool

REALM = "courses"

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACTIVITY = ("Initialized", "Started", "InProgress", "Submitted", "Completed")
GRADING = ("FullyGraded", "Pending", "PendingManual", "Failed", "NotReady")


class OAuthError(Exception):
    """An RFC 6749 error answer of the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class ServiceRefused(Exception):
    def __init__(self, message: str, status: int, code: str):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lti-access-token")


def token_url() -> str:
    return url_for("lti.token", _external=True)


def issue_token(form) -> dict:
    """Answer a client-credentials request authenticated by a JWT client assertion."""
    if form.get("grant_type") != "client_credentials":
        raise OAuthError("unsupported_grant_type", "只支持 client_credentials")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise OAuthError("invalid_client", "需要 JWT 客户端断言（RFC 7523）", 401)
    assertion = form.get("client_assertion") or ""
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _refused(None, "客户端断言不是有效的 JWT") from exc
    tool = by_client_id(unverified.get("iss"))
    if tool is None or not tool.enabled:
        raise _refused(None, "未注册或已停用的工具", client_id=unverified.get("iss"))
    try:
        claims = verify_tool_jwt(tool, assertion, audience=[token_url(), issuer()])
    except ToolTokenRefused as exc:
        raise _refused(tool, str(exc)) from exc
    if claims.get("sub") != tool.client_id:
        raise _refused(tool, "断言的 sub 必须是工具的 client_id")
    jti = claims.get("jti")
    if not jti or not _remember_once("jti", f"{tool.client_id}:{jti}", 3600):
        raise _refused(tool, "断言缺少 jti 或已使用过（重放）")
    asked = (form.get("scope") or "").split()
    granted = [s for s in asked if s in SCOPES]
    if not granted:
        raise OAuthError("invalid_scope", "没有可授予的权限范围")
    seconds = int(current_app.config.get("LTI_TOKEN_SECONDS", 3600))
    token = _serializer().dumps({"t": tool.id, "s": granted, "at": int(time.time())})
    return {"access_token": token, "token_type": "Bearer", "expires_in": seconds, "scope": " ".join(granted)}


def _refused(tool: LtiTool | None, why: str, *, client_id: str | None = None) -> OAuthError:
    """Audited (it survives the refusal): a forged or replayed assertion is a security event."""
    record_security_event("lti.assertion_refused", f"拒绝外部工具的客户端断言：{why}", obj=tool,
                          data={"client_id": getattr(tool, "client_id", client_id), "reason": why})
    return OAuthError("invalid_client", why, 401)


def authenticate(header: str | None, needed: tuple[str, ...]) -> LtiTool:
    """The tool behind a bearer token that holds one of the ``needed`` scopes."""
    if not header or header[:7].lower() != "bearer ":
        raise ServiceRefused("缺少访问令牌", 401, "unauthorized")
    try:
        data = _serializer().loads(header[7:].strip(), max_age=int(current_app.config.get("LTI_TOKEN_SECONDS", 3600)))
    except BadSignature as exc:
        raise ServiceRefused("访问令牌无效或已过期", 401, "unauthorized") from exc
    tool = db.session.get(LtiTool, data.get("t"))
    if tool is None or not tool.enabled:
        raise ServiceRefused("访问令牌无效或已过期", 401, "unauthorized")
    if not any(scope in data.get("s", []) for scope in needed):
        raise ServiceRefused("访问令牌没有所需的权限范围", 403, "insufficient_scope")
    return tool


def scope(*names: str) -> tuple[str, ...]:
    return tuple(f"https://purl.imsglobal.org/spec/lti-ags/scope/{n}" for n in names)


# --- line items ------------------------------------------------------------------------------

def lesson_for_tool(tool: LtiTool, lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.lti_tool_id != tool.id or lesson.course.is_deleted:
        raise NotFound("课时不存在")
    return lesson


def line_item_for_tool(tool: LtiTool, item_id: int) -> LtiLineItem:
    item = db.session.get(LtiLineItem, item_id)
    if item is None or item.tool_id != tool.id:
        raise NotFound("成绩项不存在")
    return item


def line_item_json(item: LtiLineItem) -> dict:
    body = {"id": url_for("lti.line_item", item_id=item.id, _external=True), "label": item.label,
            "scoreMaximum": item.score_maximum, "resourceLinkId": f"lesson-{item.lesson_id}"}
    if item.resource_id:
        body["resourceId"] = item.resource_id
    if item.tag:
        body["tag"] = item.tag
    return body


def line_items(lesson: Lesson, args) -> list[LtiLineItem]:
    query = sa.select(LtiLineItem).where(LtiLineItem.lesson_id == lesson.id).order_by(LtiLineItem.id)
    if args.get("resource_id"):
        query = query.where(LtiLineItem.resource_id == args["resource_id"])
    if args.get("tag"):
        query = query.where(LtiLineItem.tag == args["tag"])
    if args.get("resource_link_id") and args["resource_link_id"] != f"lesson-{lesson.id}":
        return []
    return list(db.session.scalars(query))


def create_line_item(tool: LtiTool, lesson: Lesson, body: dict) -> LtiLineItem:
    label = str(body.get("label") or "").strip()
    try:
        maximum = float(body.get("scoreMaximum"))
    except (TypeError, ValueError):
        maximum = 0
    if not label or maximum <= 0:
        raise ValidationFailed("成绩项需要 label 和大于 0 的 scoreMaximum")
    item = LtiLineItem(lesson_id=lesson.id, tool_id=tool.id, label=label[:200], score_maximum=maximum,
                       resource_id=str(body.get("resourceId") or "")[:200], tag=str(body.get("tag") or "")[:200],
                       is_default=False)
    db.session.add(item)
    db.session.flush()
    record(REALM, "lti.line_item_created", f"外部工具新建成绩项：{lesson.title} / {item.label}", obj=item,
           data={"tool": tool.id, "lesson": lesson.id, "scoreMaximum": maximum})
    return item


# --- scores and results ------------------------------------------------------------------------

def _timestamp(value) -> datetime:
    if not value:
        return utcnow()
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed("timestamp 格式不正确（ISO 8601）") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def receive_score(tool: LtiTool, item: LtiLineItem, body: dict) -> LtiScore:
    """Store the tool's score for the learner; on the default line item it is the lesson's result."""
    user = user_of(tool, body.get("userId"))
    if user is None:
        raise ValidationFailed("userId 不是本平台向该工具发出的用户标识")
    activity, grading = body.get("activityProgress"), body.get("gradingProgress")
    if activity not in ACTIVITY or grading not in GRADING:
        raise ValidationFailed("activityProgress 或 gradingProgress 取值不正确")
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    try:
        given = None if given is None else float(given)
        maximum = None if maximum is None else float(maximum)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("scoreGiven / scoreMaximum 必须是数字") from exc
    if given is not None and (maximum is None or maximum <= 0 or given < 0):
        raise ValidationFailed("有 scoreGiven 时须有大于 0 的 scoreMaximum，且分数不能为负")
    moment = _timestamp(body.get("timestamp"))
    row = db.session.scalar(sa.select(LtiScore).where(LtiScore.line_item_id == item.id, LtiScore.user_id == user.id))
    if row is not None and row.timestamp > moment:
        return row  # an older score than the one kept: ignored, as the specification asks
    if row is None:
        row = LtiScore(line_item_id=item.id, user_id=user.id)
        db.session.add(row)
    row.score_given, row.score_maximum = given, maximum
    row.activity_progress, row.grading_progress = activity, grading
    row.comment = str(body.get("comment") or "")[:2000]
    row.timestamp = moment
    db.session.flush()
    lesson = item.lesson
    record(REALM, "lti.score_received", f"外部工具回传成绩：{lesson.title} / {user.display_name} "
           f"{'' if given is None else f'{given:g}/{maximum:g}'}（{grading}）", actor=user, obj=row,
           data={"tool": tool.id, "lesson": lesson.id, "line_item": item.id, "scoreGiven": given,
                 "scoreMaximum": maximum, "activityProgress": activity, "gradingProgress": grading})
    if item.is_default:
        _feed_completion(lesson, user, given, maximum, grading)
    return row


def _feed_completion(lesson: Lesson, user, given, maximum, grading) -> None:
    enrolment = find_enrolment(lesson.course, user)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        return  # a teacher's preview launch, or a learner who left: stored as a result only
    progress = completion.get_or_create_progress(lesson, user, for_update=True)
    if given is None or grading != "FullyGraded":
        completion.set_progress(progress, lesson, enrolment, percent=progress.percent or 0, done=False, actor=user)
        return
    percent = 100 * given / maximum
    best = max(progress.score or 0, percent)
    completion.set_progress(progress, lesson, enrolment, percent=int(best), score=round(best, 2), actor=user,
                            done=best >= completion.pass_percent(lesson))


def results(item: LtiLineItem, user_sub: str | None) -> list[dict]:
    """The line item's results (``resultcontainer``), optionally of one user."""
    from eduplatform.courses.models import LtiUserId

    query = sa.select(LtiScore, LtiUserId.sub).join(
        LtiUserId, sa.and_(LtiUserId.user_id == LtiScore.user_id, LtiUserId.tool_id == item.tool_id)).where(
        LtiScore.line_item_id == item.id).order_by(LtiScore.id)
    if user_sub:
        query = query.where(LtiUserId.sub == user_sub)
    item_url = url_for("lti.line_item", item_id=item.id, _external=True)
    found = []
    for row, sub in db.session.execute(query):
        body = {"id": f"{item_url}/results/{row.id}", "scoreOf": item_url, "userId": sub}
        if row.score_given is not None:
            body["resultScore"] = row.score_given
            body["resultMaximum"] = row.score_maximum
        if row.comment:
            body["comment"] = row.comment
        found.append(body)
    return found
