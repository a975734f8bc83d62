"""Input and output schemas of the courses domain (marshmallow 4); HTML forms load the same inputs."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from eduplatform.core.api import BoundedInteger, EnumArg, Id, one_of
from eduplatform.courses.models import CourseAudience, EnrolmentMode, EnrolmentStatus, LessonKind
from eduplatform.orgs.models import Stage
from eduplatform.questions.vocab import GRADES, SUBJECTS


def _blank_to_none(data, names):
    return {k: (None if k in names and v in ("", None) else v) for k, v in data.items()}


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class CourseInSchema(_Form):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="课程名称须为 1–200 个字符"),
                          error_messages={"required": "请填写课程名称"})
    summary = fields.String(load_default="", validate=validate.Length(max=500, error="简介不超过 500 字"))
    description = fields.String(load_default="", validate=validate.Length(max=50000, error="介绍过长"))
    stage = fields.String(load_default="", validate=validate.OneOf(["", *[s.value for s in Stage]],
                                                                   error="学段不正确"))
    subject = fields.String(load_default="", validate=validate.OneOf(["", *SUBJECTS], error="学科不正确"))
    grade = fields.String(load_default="", validate=validate.OneOf(["", *GRADES], error="年级不正确"))
    audience = fields.Enum(CourseAudience, by_value=True, load_default=CourseAudience.STUDENTS,
                           error_messages={"unknown": "学习对象须为学生或教师"})
    enrolment_mode = fields.Enum(EnrolmentMode, by_value=True, load_default=EnrolmentMode.OPEN,
                                 error_messages={"unknown": "选课方式不正确"})
    training_hours = fields.Float(load_default=0.0, validate=validate.Range(
        min=0, max=999.9, error="学时须在 0–999.9 之间"), error_messages={"invalid": "学时须为数字"})
    visible_org_id = Id(load_default=None, allow_none=True, error_messages={"invalid": "开放范围不正确"})

    @pre_load
    def _blanks(self, data, **kwargs):
        data = dict(data)
        for key in ("title", "summary"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip()
        if "training_hours" in data and data["training_hours"] in ("", None):
            data["training_hours"] = 0.0  # a partial update without it leaves it alone
        return _blank_to_none(data, {"visible_org_id"})

    @validates_schema
    def _hours_for_teachers(self, data, **kwargs):
        # A partial update without the audience is checked by the service against the stored one.
        if data.get("training_hours") and "audience" in data and data["audience"] != CourseAudience.TEACHERS:
            raise ValidationError("只有教师培训课程可以设置继续教育学时", "training_hours")


class CatalogueArgsSchema(Schema):
    """Query args of the catalogue (API and page): each filter is an allowed value or absent ("")."""

    q = fields.String(load_default="")
    stage = fields.String(load_default=None, validate=one_of(s.value for s in Stage))
    subject = fields.String(load_default=None, validate=one_of(SUBJECTS))
    grade = fields.String(load_default=None, validate=one_of(GRADES))
    audience = EnumArg(CourseAudience, load_default=None)
    mine = fields.String(load_default="")


class UserArgsSchema(Schema):
    """``?user_id=``: whose progress, quiz state or training record (default: the caller's)."""

    user_id = Id(load_default=None)


class LearnersArgsSchema(Schema):
    status = fields.String(load_default="active", validate=one_of(["all", *(s.value for s in EnrolmentStatus)]))


class ChapterInSchema(_Form):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="章名称须为 1–200 个字符"),
                          error_messages={"required": "请填写章名称"})


class LessonInSchema(_Form):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="课时名称须为 1–200 个字符"),
                          error_messages={"required": "请填写课时名称"})
    kind = fields.Enum(LessonKind, by_value=True, required=True, error_messages={
        "required": "请选择课时类型", "unknown": "课时类型不正确"})
    required = fields.Boolean(load_default=True)
    body = fields.String(load_default="", validate=validate.Length(max=200000, error="正文过长"))
    #: video/audio: % watched to complete (50–100, default 90)
    min_watch_percent = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=50, max=100, error="完成所需观看比例须在 50–100 之间"))
    #: quiz: % of the full score to pass (0–100, default 60)
    pass_percent = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=0, max=100, error="及格线须在 0–100 之间"))
    #: assignment: full marks
    max_score = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=1000, error="满分须在 1–1000 之间"))
    #: quiz: minutes allowed
    time_limit_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=600, error="限时须在 1–600 分钟之间"))
    #: quiz: 允许作答次数 — attempts a learner has (default 3; 0 = unlimited)
    max_attempts = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=0, max=99, error="允许作答次数须在 0–99 之间（0 表示不限次数）"))
    paper_id = Id(load_default=None, allow_none=True)
    resource_id = Id(load_default=None, allow_none=True)
    #: SCORM: a package already imported into this course (``POST /api/v1/scorm/packages``) instead of a zip
    scorm_package_id = Id(load_default=None, allow_none=True)
    #: the 教材目录 node the lesson teaches, e.g. ``pep-math-7a:3.2`` ("" clears it)
    textbook_node = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=96))
    #: 外部工具: the registered LTI tool and, optionally, the target link (else the tool's launch URL)
    lti_tool_id = Id(load_default=None, allow_none=True)
    target_link_uri = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    #: 外部工具: the score maximum of the lesson's default line item (AGS)
    score_maximum = fields.Float(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=100000, error="满分须在 1–100000 之间"))
    #: media whose length could not be probed: the teacher gives it (seconds)
    duration_seconds = fields.Float(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=24 * 3600, error="时长须在 1 秒到 24 小时之间"))

    @pre_load
    def _blanks(self, data, **kwargs):
        data = dict(data)
        if isinstance(data.get("title"), str):
            data["title"] = data["title"].strip()
        if "required" in data and data["required"] in ("", "0", "off", "false"):
            data["required"] = False
        return _blank_to_none(data, {"min_watch_percent", "pass_percent", "max_score", "time_limit_minutes",
                                     "max_attempts", "paper_id", "resource_id", "duration_seconds",
                                     "lti_tool_id", "target_link_uri", "score_maximum"})


class LessonUpdateSchema(LessonInSchema):
    kind = fields.Enum(LessonKind, by_value=True, load_default=None)


class MoveSchema(_Form):
    direction = fields.String(required=True, validate=validate.OneOf(["up", "down"], error="方向须为 up 或 down"))


class BeatSchema(_Form):
    """A progress beat from the player: where it is and what was played since the last beat."""

    position = fields.Float(required=True, validate=validate.Range(min=0, max=24 * 3600),
                            error_messages={"required": "缺少播放位置"})
    ranges = fields.List(fields.List(fields.Float(), validate=validate.Length(equal=2)),
                         load_default=list, validate=validate.Length(max=50, error="一次最多 50 段"))
    seq = BoundedInteger(min=0, load_default=0)
    event = fields.String(load_default="beat", validate=validate.OneOf(["beat", "pause", "ended", "seek"]))


class EnrolClassSchema(_Form):
    class_id = Id(required=True, error_messages={"required": "请选择班级", "invalid": "班级不正确"})


class DecisionSchema(_Form):
    approve = fields.Boolean(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class QuestionInSchema(_Form):
    body = fields.String(required=True, validate=validate.Length(min=2, max=5000, error="问题须为 2–5000 个字符"),
                         error_messages={"required": "请填写问题"})


class AnswerInSchema(_Form):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000, error="回答须为 1–5000 个字符"),
                         error_messages={"required": "请填写回答"})


class SubmissionInSchema(_Form):
    text = fields.String(load_default="", validate=validate.Length(max=50000, error="作业文字过长"))


class GradeInSchema(_Form):
    score = fields.Float(load_default=None, allow_none=True, error_messages={"invalid": "得分须为数字"})
    feedback = fields.String(load_default="", validate=validate.Length(max=5000))
    return_for_redo = fields.Boolean(load_default=False)

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(dict(data), {"score"})


class ScormUploadSchema(_Form):
    """The form fields of a SCORM package upload (the zip itself is the ``file`` part)."""

    course_id = Id(required=True, metadata={"label": "课程"})


class CmiCommitSchema(_Form):
    """What the SCORM adapter sends on Commit / Terminate: the elements set since the last commit."""

    values = fields.Dict(keys=fields.String(validate=validate.Length(max=255)), values=fields.Raw(),
                         load_default=dict)
    terminate = fields.Boolean(load_default=False)
    initialize = fields.Boolean(load_default=False)


# --- output ---------------------------------------------------------------------------------

class LessonOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.Function(lambda lesson: lesson.kind.value)
    kind_label = fields.Function(lambda lesson: lesson.kind.label)
    position = fields.Integer()
    required = fields.Boolean()
    completion_rule = fields.Function(lambda lesson: _rule_text(lesson))
    duration_seconds = fields.Float()
    resource_id = fields.Integer()
    scorm_package_id = fields.Integer()
    exam_id = fields.Integer()
    #: quiz: 允许作答次数 (0 = unlimited); null for other kinds
    max_attempts = fields.Function(lambda lesson: _max_attempts(lesson))


def _max_attempts(lesson):
    from eduplatform.courses.quizzes import max_attempts

    return max_attempts(lesson) if lesson.kind.value == "quiz" else None


def _rule_text(lesson):
    from eduplatform.courses.completion import rule_text

    return rule_text(lesson)


class ChapterOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    position = fields.Integer()
    lessons = fields.List(fields.Nested(LessonOutSchema))


class CourseOutSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    description = fields.String()
    stage = fields.String()
    subject = fields.String()
    grade = fields.String()
    audience = fields.Function(lambda c: c.audience.value)
    enrolment_mode = fields.Function(lambda c: c.enrolment_mode.value)
    status = fields.Function(lambda c: c.status.value)
    #: 向社会公开: none | requested | public (approved by a bureau above; see courses/publicity.py)
    publicity = fields.Function(lambda c: c.publicity.value)
    training_hours = fields.Float()
    org = fields.Function(lambda c: {"id": c.org.id, "code": c.org.code, "name": c.org.name})
    visible_org = fields.Function(lambda c: {"id": c.visible_org.id, "name": c.visible_org.name})
    teacher = fields.Function(lambda c: {"id": c.owner.id, "name": c.owner.display_name})
    enrolment_count = fields.Method("_count")
    published_at = fields.DateTime()
    created_at = fields.DateTime()

    def _count(self, course):
        from eduplatform.courses.enrolment import enrolment_count

        return enrolment_count(course)


class CourseDetailSchema(CourseOutSchema):
    chapters = fields.List(fields.Nested(ChapterOutSchema))


class EnrolmentOutSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    user = fields.Function(lambda e: {"id": e.user.id, "username": e.user.username, "name": e.user.display_name})
    status = fields.Function(lambda e: e.status.value)
    source = fields.Function(lambda e: e.source.value)
    class_id = fields.Integer()
    requested_at = fields.DateTime()
    enrolled_at = fields.DateTime()
    progress_percent = fields.Integer()
    completed_at = fields.DateTime()
    reject_reason = fields.String()


class ProgressOutSchema(Schema):
    lesson_id = fields.Integer()
    user_id = fields.Integer()
    status = fields.Function(lambda p: p.status.value)
    percent = fields.Integer()
    watched = fields.List(fields.List(fields.Float()))
    watched_seconds = fields.Float()
    position = fields.Float()
    beat_count = fields.Integer()
    last_seq = fields.Integer()
    score = fields.Float()
    #: quiz: attempts the teacher granted beyond the lesson's 允许作答次数
    extra_attempts = fields.Integer()
    completed_at = fields.DateTime()


class TrainingRecordOutSchema(Schema):
    id = fields.Integer()
    user = fields.Function(lambda r: {"id": r.user.id, "username": r.user.username, "name": r.user.display_name})
    course_id = fields.Integer()
    title = fields.String()
    hours = fields.Float()
    earned_on = fields.Date()
    year = fields.Integer()
    org = fields.Function(lambda r: {"id": r.org.id, "name": r.org.name})


def first_message(messages) -> str:
    """The first message of a marshmallow error tree, for a one-line refusal."""
    if isinstance(messages, dict):
        for value in messages.values():
            return first_message(value)
    if isinstance(messages, list) and messages:
        return first_message(messages[0])
    return str(messages)


# --- LTI 1.3 tools (外部工具) ----------------------------------------------------------------------

_URL = validate.URL(require_tld=False, schemes={"http", "https"}, error="请填写 http(s) 地址")


class LtiToolInSchema(_Form):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200, error="名称须为 1–200 个字符"),
                         error_messages={"required": "请填写工具名称"})
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=200, error="client_id 须为 1–200 个字符"),
                              error_messages={"required": "请填写 client_id"})
    deployment_id = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                  error_messages={"required": "请填写 deployment_id"})
    login_url = fields.String(required=True, validate=[validate.Length(max=1000), _URL],
                              error_messages={"required": "请填写工具的 OIDC 登录地址"})
    launch_url = fields.String(required=True, validate=[validate.Length(max=1000), _URL],
                               error_messages={"required": "请填写工具的启动地址"})
    redirect_urls = fields.String(load_default="", validate=validate.Length(max=10000))
    jwks_url = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=1000), _URL])
    public_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20000))
    deep_link_url = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=1000), _URL])
    share_name = fields.Boolean(load_default=True)
    share_email = fields.Boolean(load_default=False)
    enabled = fields.Boolean(load_default=True)

    @pre_load
    def _blanks(self, data, **kwargs):
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in dict(data).items()}
        for key in ("share_name", "share_email", "enabled"):
            if data.get(key) in ("", "0", "off", "false"):
                data[key] = False
        return _blank_to_none(data, {"jwks_url", "public_key", "deep_link_url"})


class LtiToolUpdateSchema(LtiToolInSchema):
    """PATCH: every field optional."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    client_id = fields.String(validate=validate.Length(min=1, max=200))
    deployment_id = fields.String(validate=validate.Length(min=1, max=200))
    login_url = fields.String(validate=[validate.Length(max=1000), _URL])
    launch_url = fields.String(validate=[validate.Length(max=1000), _URL])
    redirect_urls = fields.String(validate=validate.Length(max=10000))
    share_name = fields.Boolean()
    share_email = fields.Boolean()
    enabled = fields.Boolean()


class LtiToolOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    client_id = fields.String()
    deployment_id = fields.String()
    login_url = fields.String()
    launch_url = fields.String()
    redirect_urls = fields.Function(lambda tool: tool.redirect_list)
    jwks_url = fields.String(allow_none=True)
    has_public_key = fields.Function(lambda tool: bool(tool.public_key))
    deep_link_url = fields.String(allow_none=True)
    share_name = fields.Boolean()
    share_email = fields.Boolean()
    enabled = fields.Boolean()
    org_id = fields.Integer(allow_none=True)
