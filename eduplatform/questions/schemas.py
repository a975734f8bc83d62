"""API input and output shapes for questions, knowledge points, papers and exams."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate

from eduplatform.core.api import BoundedInteger, Id, one_of
from eduplatform.core.templating import LOCAL_TZ
from eduplatform.questions.vocab import SUBJECTS, Sharing


class QuestionFilterArgsSchema(Schema):
    """The bank's filters in the query string (API list and export, and the bank page)."""

    q = fields.String(load_default="", metadata={"description": "全文检索（中文分词）"})
    type = fields.String(load_default=None)
    difficulty = BoundedInteger(load_default=None)
    subject = fields.String(load_default=None)
    stage = fields.String(load_default=None)
    grade = fields.String(load_default=None)
    knowledge_point = Id(load_default=None, metadata={"description": "含下级知识点"})
    tag = fields.String(load_default=None)
    usage = fields.String(load_default=None, validate=one_of(["0", "1-4", "5+"]))
    sort = fields.String(load_default="newest", validate=one_of(["newest", "usage"]))
    mine = fields.String(load_default="", metadata={"description": "1 或 true：只看我出的题"})


class CommaSeparatedIds(fields.String):
    """``?ids=1,2,3``: a list of row ids (each as ``Id`` takes it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return [Id().deserialize(part.strip()) for part in text.split(",") if part.strip()]
        except ValidationError as exc:
            raise ValidationError("须为逗号分隔的整数") from exc


class QuestionExportArgsSchema(Schema):
    """Which questions an export takes: ``ids``, or else the bank's filters (QuestionFilterArgsSchema)."""

    ids = CommaSeparatedIds(load_default=None)


class QuestionInSchema(Schema):
    type = fields.String(required=True, metadata={"description": "single/multiple/true_false/fill_blank/"
                                                                  "numerical/matching/essay/cloze"})
    stem = fields.String(required=True, metadata={"description": "HTML；填空位写 [[1]]；公式写在 $…$ 中"})
    data = fields.Dict(load_default=dict, metadata={"description": "题型数据：options/answer（可带 weights、"
                                                                    "feedback）、blanks（可带 credits、feedback、wildcard）、"
                                                                    "answer+tolerance（或 answers）、pairs、reference、"
                                                                    "parts（完形填空）"})
    analysis = fields.String(load_default="")
    score = fields.Float(load_default=None, allow_none=True)
    difficulty = BoundedInteger(load_default=3)
    subject = fields.String(required=True, validate=validate.OneOf(list(SUBJECTS)))
    stage = fields.String(load_default=None, allow_none=True)
    grade = fields.String(load_default=None, allow_none=True)
    tags = fields.List(fields.String(), load_default=list)
    source = fields.String(load_default="")
    sharing = fields.String(load_default="org", validate=validate.OneOf([s.value for s in Sharing]))
    knowledge_point_ids = fields.List(Id(), load_default=list)


class KnowledgePointRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    path = fields.String()


class QuestionSchema(Schema):
    id = fields.Integer()
    type = fields.String()
    type_label = fields.String()
    stem = fields.String()
    data = fields.Dict()
    analysis = fields.String()
    score = fields.Float()
    difficulty = fields.Integer()
    subject = fields.String()
    stage = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    source = fields.String()
    sharing = fields.Function(lambda q: q.sharing.value)
    version = fields.Integer()
    usage_count = fields.Integer()
    org = fields.Function(lambda q: q.org.name)
    created_by = fields.Function(lambda q: q.created_by.display_name)
    knowledge_points = fields.List(fields.Nested(KnowledgePointRefSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class QuestionVersionSchema(Schema):
    number = fields.Integer()
    type = fields.String()
    stem = fields.String()
    data = fields.Dict()
    analysis = fields.String()
    score = fields.Float()
    difficulty = fields.Integer()
    meta = fields.Dict()
    created_at = fields.DateTime()


class KnowledgePointInSchema(Schema):
    subject = fields.String(required=True, validate=validate.OneOf(list(SUBJECTS)))
    name = fields.String(required=True)
    parent_id = Id(load_default=None, allow_none=True)
    code = fields.String(load_default=None, allow_none=True)


class PaperItemInSchema(Schema):
    question_id = Id(required=True)
    score = fields.Float(load_default=None, allow_none=True)


class PaperSectionInSchema(Schema):
    title = fields.String(load_default="")
    instructions = fields.String(load_default="")
    items = fields.List(fields.Nested(PaperItemInSchema), load_default=list)


class PaperHeaderSchema(Schema):
    title = fields.String(required=True)
    subject = fields.String(load_default=None)
    stage = fields.String(load_default=None, allow_none=True)
    grade = fields.String(load_default=None, allow_none=True)
    instructions = fields.String(load_default="")
    duration_minutes = BoundedInteger(load_default=None, allow_none=True)
    sharing = fields.String(load_default="org", validate=validate.OneOf([s.value for s in Sharing]))


class PaperInSchema(PaperHeaderSchema):
    sections = fields.List(fields.Nested(PaperSectionInSchema), required=True)


class PaperUpdateSchema(PaperHeaderSchema):
    title = fields.String()
    sections = fields.List(fields.Nested(PaperSectionInSchema), load_default=None)


class SectionRuleSchema(Schema):
    title = fields.String(load_default="")
    type = fields.String(required=True)
    count = BoundedInteger(required=True)
    score = fields.Float(required=True)
    knowledge_points = fields.List(Id(), load_default=list)


class RulesInSchema(PaperHeaderSchema):
    subject = fields.String(required=True)
    sections = fields.List(fields.Nested(SectionRuleSchema), required=True)
    difficulty_mix = fields.Dict(keys=fields.String(validate=validate.OneOf(["easy", "medium", "hard"])),
                                 values=fields.Float(), load_default=None, allow_none=True,
                                 metadata={"description": "{easy, medium, hard} 比例，如 3:5:2"})
    cover_knowledge_points = fields.List(Id(), load_default=list)
    exclude_recent_papers = BoundedInteger(load_default=0)
    seed = BoundedInteger(load_default=None, allow_none=True, metadata={"description": "不填则随机生成并返回"})


class PaperItemSchema(Schema):
    id = fields.Integer()
    question_id = fields.Integer()
    version = fields.Function(lambda i: i.version.number)
    score = fields.Float()
    type = fields.Function(lambda i: i.version.type)
    stem = fields.Function(lambda i: i.version.stem)
    data = fields.Function(lambda i: i.version.data)
    analysis = fields.Function(lambda i: i.version.analysis)


class PaperSectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    instructions = fields.String()
    items = fields.List(fields.Nested(PaperItemSchema))


class PaperSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    stage = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    instructions = fields.String()
    duration_minutes = fields.Integer(allow_none=True)
    mode = fields.String()
    rules = fields.Dict(allow_none=True)
    sharing = fields.Function(lambda p: p.sharing.value)
    total_score = fields.Float()
    org = fields.Function(lambda p: p.org.name)
    created_at = fields.DateTime()
    sections = fields.List(fields.Nested(PaperSectionSchema))


class PaperListSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    subject = fields.String()
    mode = fields.String()
    total_score = fields.Float()
    item_count = fields.Function(lambda p: len(p.items))
    created_at = fields.DateTime()


class LocalDateTime(fields.DateTime):
    """ISO 8601 in; a time without an offset is Beijing time. Stored as naive UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=LOCAL_TZ)
        return parsed.astimezone(UTC).replace(tzinfo=None)


class AudienceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["user", "org", "class", "course"]))
    target_id = fields.Integer(required=True)


class ExamInSchema(Schema):
    paper_id = fields.Integer(required=True)
    title = fields.String(required=True)
    opens_at = LocalDateTime(required=True)
    closes_at = LocalDateTime(required=True)
    time_limit_minutes = fields.Integer(required=True)
    audience = fields.List(fields.Nested(AudienceSchema), load_default=list)
    students = fields.List(fields.String(), load_default=list, metadata={"description": "学生用户名"})
    orgs = fields.List(fields.String(), load_default=list, metadata={"description": "单位代码（其全体学生）"})
    publish = fields.Boolean(load_default=False)


class ExamSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    paper_id = fields.Integer()
    status = fields.Function(lambda e: e.status.value)
    purpose = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    time_limit_minutes = fields.Integer()
    results_released = fields.Boolean()
    full_score = fields.Function(lambda e: e.paper.total_score)
    audience = fields.Function(lambda e: [{"kind": a.kind.value, "target_id": a.target_id} for a in e.audience])


class AnswersInSchema(Schema):
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True,
                          metadata={"description": "{试卷题目 id: 作答}"})
    #: The attempt the client is answering; refused (409) when a newer attempt of the quiz exists.
    attempt_id = fields.Integer(load_default=None, allow_none=True)


class GradeInSchema(Schema):
    score = fields.Float(required=True)
    feedback = fields.String(load_default="")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
