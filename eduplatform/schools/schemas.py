"""Input and output shapes for the schools domain (API and HTML forms share the input schemas)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from eduplatform.core.api import (
    BoundedInteger,
    Id,
    one_of,
)
from eduplatform.core.national_codes import national_code
from eduplatform.orgs.models import Stage
from eduplatform.schools.models import (
    EquipmentCategory,
    EquipmentState,
    Gender,
    ReceivingPointMode,
    ReceivingPointState,
    SchoolType,
    StudentStatus,
    TeacherStatus,
)
from eduplatform.schools.models.connectivity import ACCESS_TYPES, FUNDING_SOURCES, PROVIDERS, WIFI_COVERAGE
from eduplatform.schools.models.profile import LOCALITY_LABELS, OWNERSHIP_LABELS
from eduplatform.schools.personal import (
    PHONE_PATTERN,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_registry_no,
    parse_school_identifier,
)

#: 任教学科 accepted for teachers and teaching assignments.
SUBJECTS = ["语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治", "思想政治", "科学",
            "信息技术", "通用技术", "音乐", "美术", "体育与健康", "劳动", "综合实践活动", "心理健康", "日语",
            "俄语", "专业课"]

_phone = validate.Regexp(PHONE_PATTERN, error="电话号码格式不正确（手机 11 位，或带区号的固定电话）")
_number = validate.Regexp(r"^[A-Za-z0-9-]{1,32}$", error="编号须为 1–32 位字母、数字或 -")


class IdNumberField(fields.String):
    """An 18-digit 居民身份证号码, checked with the GB 11643 check digit; stored upper-case."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parse_id_number(text).value
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class _CheckedString(fields.String):
    """A string a parser from ``personal.py`` checks (its ValueError's Chinese reason is the message)."""

    parser = staticmethod(lambda text: text)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return self.parser(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class RegistryNoField(_CheckedString):
    """A 全国学籍号 (G + ID number with its check digit, J + 18 digits, L temporary)."""

    parser = staticmethod(parse_registry_no)


class SchoolIdentifierField(_CheckedString):
    """A 10-digit 学校标识码."""

    parser = staticmethod(parse_school_identifier)


#: Chinese names of the input fields: forms show them, and a refusal's message names the field.
FIELD_LABELS = {
    "school_type": "办学类型", "stages": "学段", "locality": "城乡分类", "ownership": "办学性质", "address": "地址",
    "postcode": "邮政编码", "principal": "校长", "principal_phone": "校长电话", "contact": "联系人",
    "contact_phone": "联系电话", "email": "电子邮箱", "website": "网站", "classroom_count": "普通教室数",
    "name": "名称", "grade": "年级", "number": "班号", "head_teacher_id": "班主任", "teacher_no": "工号",
    "gender": "性别", "id_number": "身份证号", "phone": "电话", "subjects": "任教学科", "title": "职称",
    "student_no": "学号", "registry_no": "学籍号", "identifier_code": "学校标识码", "birth_date": "出生日期", "class_id": "班级", "guardian_name": "监护人",
    "guardian_phone": "监护人电话", "status": "状态", "access_type": "接入方式", "bandwidth_mbps": "带宽",
    "provider": "运营商", "wifi_coverage": "无线覆盖", "mode": "站点类型", "location": "位置",
    "state": "状态", "asset_no": "资产编号", "category": "设备类别", "model": "型号", "quantity": "数量",
    "purchase_date": "购置日期", "funding_source": "经费来源", "established_on": "建成日期",
    "assignments": "任教班级", "left_on": "离校日期", "is_main": "主校区", "kind": "导入类型",
}


class _Input(Schema):
    """An input schema of the schools domain: each field carries its Chinese label for the loader."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_name in FIELD_LABELS:
            field_obj.metadata = {"label": FIELD_LABELS[field_name], **field_obj.metadata}


def _opt(field_cls, **kwargs):
    return field_cls(load_default=None, allow_none=True, **kwargs)


class ProfileInputSchema(_Input):
    school_type = _opt(fields.Enum, enum=SchoolType, by_value=True)
    identifier_code = _opt(SchoolIdentifierField)
    stages = fields.List(fields.Enum(Stage, by_value=True), validate=validate.Length(min=1, error="至少选择一个学段"))
    locality = _opt(fields.String, validate=validate.OneOf(list(LOCALITY_LABELS), error="城乡分类不正确"))
    ownership = _opt(fields.String, validate=validate.OneOf(list(OWNERSHIP_LABELS), error="办学性质不正确"))
    address = _opt(fields.String, validate=validate.Length(max=200))
    postcode = _opt(fields.String, validate=validate.Regexp(r"^\d{6}$", error="邮政编码须为 6 位数字"))
    principal = _opt(fields.String, validate=validate.Length(max=64))
    principal_phone = _opt(fields.String, validate=_phone)
    contact = _opt(fields.String, validate=validate.Length(max=64))
    contact_phone = _opt(fields.String, validate=_phone)
    email = _opt(fields.Email, error_messages={"invalid": "电子邮箱格式不正确"})
    website = _opt(fields.String, validate=validate.Length(max=200))
    classroom_count = fields.Integer(validate=validate.Range(min=0, max=2000, error="教室数须在 0–2000 之间"))


class CampusInputSchema(_Input):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    address = _opt(fields.String, validate=validate.Length(max=200))
    is_main = fields.Boolean(load_default=False)


class StudentListArgsSchema(Schema):
    """Filters of a school's student list (API and page)."""

    class_id = Id(load_default=None)
    status = fields.String(load_default="enrolled", validate=one_of(["all", *(s.value for s in StudentStatus)]))
    q = fields.String(load_default="")


class ClassInputSchema(_Input):
    grade = BoundedInteger(required=True)
    number = fields.Integer(required=True, validate=validate.Range(min=1, max=99, error="班号须在 1–99 之间"))
    head_teacher_id = _opt(Id)


class ClassUpdateSchema(_Input):
    head_teacher_id = _opt(Id)


class AssignmentSchema(_Input):
    class_id = Id(required=True)
    subject = fields.String(required=True, validate=validate.OneOf(SUBJECTS, error="学科不在学科列表中"))


class TeacherInputSchema(_Input):
    teacher_no = fields.String(required=True, validate=_number)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    gender = _opt(fields.Enum, enum=Gender, by_value=True)
    id_number = _opt(IdNumberField)
    phone = _opt(fields.String, validate=_phone)
    subjects = fields.List(fields.String(validate=validate.OneOf(SUBJECTS, error="学科不在学科列表中")),
                           load_default=list)
    title = _opt(fields.String, validate=validate.Length(max=32))
    status = fields.Enum(TeacherStatus, by_value=True, load_default=TeacherStatus.ACTIVE)
    assignments = fields.List(fields.Nested(AssignmentSchema), load_default=None)


class StudentInputSchema(_Input):
    student_no = fields.String(required=True, validate=_number)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    gender = fields.Enum(Gender, by_value=True, required=True)
    id_number = _opt(IdNumberField)
    registry_no = _opt(RegistryNoField)
    birth_date = _opt(fields.Date)
    class_id = Id(required=True)
    guardian_name = _opt(fields.String, validate=validate.Length(max=64))
    guardian_phone = _opt(fields.String, validate=_phone)


class StudentStatusSchema(_Input):
    status = fields.Enum(StudentStatus, by_value=True, required=True)
    left_on = _opt(fields.Date)


class StudentUpdateSchema(StudentInputSchema):
    """An edit of a student (any input field), and ``status`` with ``left_on`` for 在读 / 转出 / 毕业."""

    status = fields.Enum(StudentStatus, by_value=True)
    left_on = _opt(fields.Date)

    @validates_schema
    def _status_with_its_date(self, data, **kwargs):
        if "left_on" in data and "status" not in data:
            raise ValidationError("不能为空", "status")


class NetworkInputSchema(_Input):
    access_type = fields.String(required=True, validate=validate.OneOf(list(ACCESS_TYPES), error="接入方式不正确"))
    bandwidth_mbps = fields.Integer(required=True, validate=validate.Range(min=0, max=100000,
                                                                        error="带宽须在 0–100000 Mbps 之间"))
    provider = _opt(fields.String, validate=validate.OneOf(PROVIDERS, error="运营商不正确"))
    has_campus_network = fields.Boolean(load_default=False)
    wifi_coverage = fields.String(load_default="none", validate=validate.OneOf(list(WIFI_COVERAGE)))
    note = _opt(fields.String, validate=validate.Length(max=200))

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data["access_type"] == "none" and data["bandwidth_mbps"]:
            raise ValidationError("未接入互联网时带宽应为 0", "bandwidth_mbps")
        if data["access_type"] != "none" and not data["bandwidth_mbps"]:
            raise ValidationError("已接入互联网时请填写带宽", "bandwidth_mbps")


class ReceivingPointInputSchema(_Input):
    mode = fields.Enum(ReceivingPointMode, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    location = fields.String(required=True, validate=validate.Length(min=1, max=120))
    state = fields.Enum(ReceivingPointState, by_value=True, load_default=ReceivingPointState.NORMAL)
    established_on = _opt(fields.Date)
    note = _opt(fields.String, validate=validate.Length(max=200))


class EquipmentInputSchema(_Input):
    asset_no = fields.String(required=True, validate=_number)
    category = fields.Enum(EquipmentCategory, by_value=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    model = _opt(fields.String, validate=validate.Length(max=64))
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100000, error="数量须为正整数"))
    purchase_date = _opt(fields.Date)
    funding_source = _opt(fields.String, validate=validate.OneOf(FUNDING_SOURCES, error="经费来源不正确"))
    location = _opt(fields.String, validate=validate.Length(max=120))
    state = fields.Enum(EquipmentState, by_value=True, load_default=EquipmentState.IN_USE)
    note = fields.String(load_default=None, allow_none=True, load_only=True, validate=validate.Length(max=200))


# --- output ------------------------------------------------------------------------------------

def _label(attr):
    return fields.Function(lambda obj: getattr(obj, attr).label if getattr(obj, attr) is not None else None)


def _value(attr):
    return fields.Function(lambda obj: getattr(obj, attr).value if getattr(obj, attr) is not None else None)


class CampusSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    is_main = fields.Boolean()


class SchoolSchema(Schema):
    """A school: org unit fields plus its profile (profile fields are null until filled in)."""

    code = fields.String(attribute="org.code")
    name = fields.String(attribute="org.name")
    stages = fields.List(fields.String(), attribute="org.stages")
    district = fields.Function(lambda p: p.district.name if p.district else None)
    district_code = fields.Function(lambda p: p.district.code if p.district else None)
    school_type = _value("school_type")
    school_type_label = _label("school_type")
    #: 办学类型代码 (resource_specs/national/school_type.yaml)
    school_type_code = fields.Function(
        lambda p: (national_code("school_type", p.school_type.value) or (None,))[0] if p.school_type else None)
    identifier_code = fields.String()
    locality = fields.String()
    ownership = fields.String()
    address = fields.String()
    postcode = fields.String()
    principal = fields.String()
    principal_phone = fields.String()
    contact = fields.String()
    contact_phone = fields.String()
    email = fields.String()
    website = fields.String()
    classroom_count = fields.Integer()
    campuses = fields.List(fields.Nested(CampusSchema))


class TeacherRefSchema(Schema):
    id = fields.Integer()
    teacher_no = fields.String()
    name = fields.String()


class ClassSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    grade = fields.Integer()
    grade_label = fields.String()
    number = fields.Integer()
    school_year = fields.String(attribute="school_year.name")
    head_teacher = fields.Nested(TeacherRefSchema, allow_none=True)
    student_count = fields.Function(lambda c: len(c.students))
    graduated = fields.Boolean()


class _MaskingSchema(Schema):
    """Masks ID and phone numbers unless built with ``view="full"``."""

    def __init__(self, *args, view: str = "list", **kwargs):
        super().__init__(*args, **kwargs)
        self.view = view

    def _id(self, obj):
        return obj.id_number if self.view == "full" else mask_id_number(obj.id_number)


class TeacherSchema(_MaskingSchema):
    id = fields.Integer()
    teacher_no = fields.String()
    name = fields.String()
    gender = _value("gender")
    id_number = fields.Method("_id")
    phone = fields.Method("_phone")
    subjects = fields.List(fields.String())
    title = fields.String()
    status = _value("status")
    username = fields.Function(lambda t: t.user.username if t.user else None)
    assignments = fields.Function(lambda t: [{"class_id": a.class_id, "class_name": a.school_class.name,
                                              "subject": a.subject} for a in t.assignments])

    def _phone(self, obj):
        return obj.phone if self.view == "full" else mask_phone(obj.phone)


class StudentSchema(_MaskingSchema):
    id = fields.Integer()
    student_no = fields.String()
    name = fields.String()
    gender = _value("gender")
    id_number = fields.Method("_id")
    #: masked like the ID number (a G 学籍号 is one), whole only in the admin's detail view
    registry_no = fields.Method("_registry_no")
    birth_date = fields.Date()
    class_id = fields.Integer()
    class_name = fields.Function(lambda s: s.school_class.name if s.school_class else None)
    status = _value("status")
    status_label = _label("status")
    left_on = fields.Date()
    guardian_name = fields.String()
    guardian_phone = fields.Method("_guardian_phone")
    username = fields.Function(lambda s: s.user.username if s.user else None)

    def _guardian_phone(self, obj):
        return obj.guardian_phone if self.view == "full" else mask_phone(obj.guardian_phone)

    def _registry_no(self, obj):
        return obj.registry_no if self.view == "full" else mask_id_number(obj.registry_no)


class NetworkSchema(Schema):
    access_type = fields.String()
    access_type_label = fields.Function(lambda n: ACCESS_TYPES.get(n.access_type))
    bandwidth_mbps = fields.Integer()
    provider = fields.String()
    has_campus_network = fields.Boolean()
    wifi_coverage = fields.String()
    note = fields.String()
    is_online = fields.Boolean()


class ReceivingPointSchema(Schema):
    id = fields.Integer()
    mode = _value("mode")
    mode_label = _label("mode")
    name = fields.String()
    location = fields.String()
    state = _value("state")
    state_label = _label("state")
    established_on = fields.Date()
    note = fields.String()


class EquipmentSchema(Schema):
    id = fields.Integer()
    asset_no = fields.String()
    category = _value("category")
    category_label = _label("category")
    name = fields.String()
    model = fields.String()
    quantity = fields.Integer()
    purchase_date = fields.Date()
    funding_source = fields.String()
    location = fields.String()
    state = _value("state")
    state_label = _label("state")


class EquipmentChangeSchema(Schema):
    id = fields.Integer()
    changed_at = fields.DateTime()
    kind = fields.String()
    changes = fields.Dict()
    note = fields.String()
    actor = fields.Function(lambda c: c.actor.username if c.actor else None)


class ImportSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    row_count = fields.Integer()
    problem_count = fields.Integer()
    problems = fields.List(fields.Dict())
    summary = fields.Dict()
    created_at = fields.DateTime()
    applied_at = fields.DateTime()


class _LabelOrValue(fields.Field):
    """An enum given by value or by its Chinese label (as the ledger's workbook shows it); one that is
    neither filters nothing, like a filter left unset."""

    def __init__(self, enum, **kwargs):
        super().__init__(load_default=None, **kwargs)
        self.enum = enum

    def _deserialize(self, value, attr, data, **kwargs):
        return self.enum.from_label(str(value))


class EquipmentFilterArgsSchema(Schema):
    """Filters of the equipment ledger (page, API list and export): ``category``, ``state``, ``q``."""

    category = _LabelOrValue(EquipmentCategory)
    state = _LabelOrValue(EquipmentState)
    q = fields.String(load_default=None)

    @post_load
    def _blank_text_is_no_filter(self, data, **kwargs):
        data["q"] = (data["q"] or "").strip() or None
        return data


class RosterImportArgsSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["students", "teachers"],
                                                                 error="导入类型须为 students 或 teachers"))
