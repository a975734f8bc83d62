"""Input and output schemas of class homework (marshmallow 4); HTML forms load the same inputs."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from eduplatform.core.api import Id
from eduplatform.core.text.timeutil import BadDate, iso, parse_local_datetime
from eduplatform.learning.models import GRADE_MARKS, Grading, ItemKind, Level


class _Form(Schema):
    class Meta:
        unknown = EXCLUDE


class LocalDateTime(fields.Field):
    """'2026-12-04 21:00' (Asia/Shanghai) → naive UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_local_datetime(value)
        except BadDate as exc:
            raise ValidationError(str(exc)) from exc


class TriState(fields.Field):
    """True / False / None (not said): JSON booleans, or a form's "1" / "0" / "" (a select, not a checkbox)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "on", "是"):
            return True
        if str(value).lower() in ("0", "false", "off", "否"):
            return False
        raise ValidationError("书面作业须为 是 或 否")


def _blank_to_none(data, names):
    return {k: (None if k in names and v in ("", None) else v) for k, v in dict(data).items()}


class HomeworkInSchema(_Form):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=32), error_messages={"required": "请选择学科"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=200, error="作业名称须为 1–200 个字符"),
                          error_messages={"required": "请填写作业名称"})
    note = fields.String(load_default="", validate=validate.Length(max=5000, error="说明过长"))
    level = fields.Enum(Level, by_value=True, load_default=None, allow_none=True,
                        error_messages={"unknown": "分层须为 基础、提高 或 拓展"})
    load_date = fields.Date(required=True, error_messages={"required": "请填写布置日期", "invalid": "布置日期格式应为 2026-12-04"})
    due_at = LocalDateTime(required=True, error_messages={"required": "请填写截止时间"})

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(data, {"level"})


class ItemInSchema(_Form):
    kind = fields.Enum(ItemKind, by_value=True, required=True,
                       error_messages={"required": "请选择项目类型", "unknown": "项目类型须为 题库试题、拍照/文件上交 或 阅读/练习"})
    title = fields.String(load_default="", validate=validate.Length(max=200, error="名称不超过 200 字"))
    instructions = fields.String(load_default="", validate=validate.Length(max=5000, error="要求过长"))
    question_id = Id(load_default=None, allow_none=True, error_messages={"invalid": "试题编号须为数字"})
    minutes = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=180, error="预计用时须为 1–180 分钟"),
                             error_messages={"required": "请填写预计用时", "invalid": "预计用时须为整数分钟"})
    written = TriState(load_default=None, allow_none=True)
    grading = fields.Enum(Grading, by_value=True, load_default=Grading.SCORE, error_messages={"unknown": "评分方式须为分数或等级"})
    max_score = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.5, max=150, error="满分须在 0.5–150 之间"),
                             error_messages={"invalid": "满分须为数字"})

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(data, {"question_id", "max_score", "written"})


class PublishInSchema(_Form):
    ask_head_teacher = fields.Boolean(load_default=False)


class DecisionInSchema(_Form):
    approve = fields.Boolean(required=True, error_messages={"required": "请选择同意或退回"})
    opinion = fields.String(load_default="", validate=validate.Length(max=2000, error="意见过长"))


class AnswerInSchema(_Form):
    response = fields.Raw(load_default=None, allow_none=True)
    text = fields.String(load_default="", validate=validate.Length(max=5000, error="文字说明过长"))


class MarkInSchema(_Form):
    score = fields.Float(load_default=None, allow_none=True, error_messages={"invalid": "得分须为数字"})
    grade = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(GRADE_MARKS, error="等级不正确"))
    comment = fields.String(load_default="", validate=validate.Length(max=2000, error="评语过长"))
    return_for_correction = fields.Boolean(load_default=False)

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(data, {"score", "grade"})


class BudgetInSchema(_Form):
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12, error="年级须为 1–12"),
                           error_messages={"required": "请选择年级", "invalid": "年级须为数字"})
    minutes = fields.Integer(load_default=None, allow_none=True, error_messages={"invalid": "时长须为整数分钟"})

    @pre_load
    def _blanks(self, data, **kwargs):
        return _blank_to_none(data, {"minutes"})


class DayArgsSchema(_Form):
    day = fields.Date(load_default=None, error_messages={"invalid": "日期格式应为 2026-12-04"})


class ItemOutSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    kind = fields.Function(lambda i: i.kind.value)
    title = fields.String()
    instructions = fields.String()
    question_id = fields.Integer(allow_none=True)
    minutes = fields.Integer()
    written = fields.Boolean()
    grading = fields.Function(lambda i: i.grading.value)
    max_score = fields.Float()


class HomeworkOutSchema(Schema):
    id = fields.Integer()
    class_id = fields.Integer()
    class_name = fields.Function(lambda h: h.school_class.name)
    subject = fields.String()
    level = fields.Function(lambda h: h.level.value if h.level else None)
    title = fields.String()
    note = fields.String()
    status = fields.Function(lambda h: h.status.value)
    status_label = fields.Function(lambda h: h.status.label)
    load_date = fields.Date()
    due_at = fields.Function(lambda h: iso(h.due_at))
    written_minutes = fields.Integer()
    total_minutes = fields.Integer()
    approval_opinion = fields.String()
    items = fields.List(fields.Nested(ItemOutSchema))


class AnswerOutSchema(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    student_id = fields.Integer()
    status = fields.Function(lambda a: a.status.value)
    response = fields.Raw()
    text = fields.String()
    has_file = fields.Function(lambda a: a.file_id is not None)
    submitted_at = fields.Function(lambda a: iso(a.submitted_at))
    late = fields.Boolean()
    resubmissions = fields.Integer()
    score = fields.Float(allow_none=True)
    grade = fields.String(allow_none=True)
    comment = fields.String()
    auto_marked = fields.Boolean()


def day_load_out(load) -> dict:
    return {"day": load.day.isoformat(), "total": load.total, "budget": load.budget, "over": load.over,
            "subjects": {s: load.subject_minutes(s) for s in load.subjects}, "pending": load.pending,
            "note": load.rule.note}


class GroupsInSchema(_Form):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=32), error_messages={"required": "请选择学科"})
    #: student profile id → "basic" | "advanced" | "extension" | null (no group)
    levels = fields.Dict(keys=fields.String(), values=fields.Enum(Level, by_value=True, allow_none=True,
                                                                  error_messages={"unknown": "分层须为 basic、advanced 或 extension"}),
                         required=True, error_messages={"required": "请给出学生的分层"})


class WeekArgsSchema(_Form):
    day = fields.Date(load_default=None, error_messages={"invalid": "日期格式应为 2026-12-04"})
