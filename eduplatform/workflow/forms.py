"""The process form: checking and storing the field values a step may write.

Types come from the definition. What a form picks stays at home: a department (科室) must be one of
the instance's own bureau (a city bureau's incoming document names the city's departments, not a
district's), other units must lie below it, and people must work in it (or in one of its 科室).
"""

from __future__ import annotations

from datetime import date

from marshmallow import Schema, ValidationError, fields
from marshmallow import validate as v

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.messages import translate
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.workflow.assignment import pool_org_ids
from eduplatform.workflow.definitions import FieldDef, ProcessDef


def _marshmallow_field(f: FieldDef):
    common = {"allow_none": True}
    return {
        "string": lambda: fields.String(validate=v.Length(max=255, error="不能超过 255 个字"), **common),
        "text": lambda: fields.String(validate=v.Length(max=20000, error="不能超过 20000 个字"), **common),
        "integer": lambda: fields.Integer(**common),
        "date": lambda: fields.Date(**common),
        "boolean": lambda: fields.Boolean(**common),
        "choice": lambda: fields.String(validate=v.OneOf(f.options, error="须为：" + "、".join(f.options)),
                                        **common),
        "org": lambda: fields.Integer(strict=False, **common),
        "user": lambda: fields.Integer(strict=False, **common),
        "orgs": lambda: fields.List(fields.Integer(), **common),
        "users": lambda: fields.List(fields.Integer(), **common),
    }[f.type]()


def validate(process: ProcessDef, instance, data: dict, *, allowed: list[str], state=None) -> dict:
    """Checked values for ``data`` (a mapping of field → raw value); 422 listing every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed("表单数据须为对象", code="invalid")
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in process.fields:
            errors[name] = ["未知字段"]
        elif name not in allowed:
            where = f"在「{state.label}」" if state is not None else "在此步骤"
            errors[name] = [f"{where}不可编辑"]
    wanted = {n: data[n] for n in data if n not in errors}
    raw = {n: (None if data[n] == "" else data[n]) for n in wanted}
    schema = Schema.from_dict({n: _marshmallow_field(process.fields[n]) for n in raw})()
    try:
        values = schema.load(raw)
    except ValidationError as exc:
        for name, messages in translate(exc.messages).items():
            flat = messages if isinstance(messages, list) else [str(messages)]
            errors[name] = [m for m in flat if isinstance(m, str)] or ["取值无效"]
        values = {}
    for name, value in values.items():
        problem = _check_reference(process.fields[name], value, instance)
        if problem:
            errors[name] = [problem]
    if errors:
        raise ValidationFailed("提交的表单有误：" + "；".join(
            f"{process.fields[n].label if n in process.fields else n}{m[0]}" for n, m in errors.items()),
            fields=errors)
    return {n: (val.isoformat() if isinstance(val, date) else val) for n, val in values.items()}


def _check_reference(f: FieldDef, value, instance) -> str | None:
    if value is None or f.type not in ("org", "orgs", "user", "users"):
        return None
    ids = value if isinstance(value, list) else [value]
    if len(set(ids)) != len(ids):
        return "不能重复选择"
    if f.type in ("org", "orgs"):
        units = db.session.scalars(db.select(OrgUnit).where(OrgUnit.id.in_(ids))).all()
        if len(units) != len(ids):
            return "所选单位不存在"
        for unit in units:
            if f.org_type and unit.type.value != f.org_type:
                return f"「{unit.name}」不是{OrgType(f.org_type).label}"
            home = instance.org.owning_bureau_or_school
            inside = unit.parent_id == home.id if unit.type == OrgType.DEPARTMENT else home.contains(unit)
            if not inside:
                return f"「{unit.name}」不属于{home.name}"
        return None
    from eduplatform.accounts.models import User

    users = db.session.scalars(db.select(User).where(User.id.in_(ids))).all()
    if len(users) != len(ids) or not all(u.is_active_account for u in users):
        return "所选人员不存在或已停用"
    home = instance.org.owning_bureau_or_school
    for user in users:
        if home.id not in pool_org_ids(user):
            return f"「{user.display_name}」不属于{home.name}"
    return None


def store(instance, values: dict) -> dict:
    """Write checked values into the instance form; {field: [old, new]} of what really changed."""
    data = dict(instance.data or {})
    changes = {}
    for name, value in values.items():
        if data.get(name) != value and not (is_empty(data.get(name)) and is_empty(value)):
            changes[name] = [data.get(name), value]
            data[name] = value
    if changes:
        instance.data = data  # a new dict: JSON columns only notice reassignment
    return changes


def apply(process: ProcessDef, instance, data: dict, *, allowed: list[str], actor=None) -> dict:
    return store(instance, validate(process, instance, data, allowed=allowed))


def is_empty(value) -> bool:
    return value is None or value == "" or value == []


def display(process: ProcessDef, name: str, value) -> str:
    """A field value as people read it (names for units and users)."""
    from eduplatform.accounts.models import User

    f = process.fields.get(name)
    if value is None or value == [] or f is None:
        return "" if value is None else str(value)
    if f.type in ("org", "orgs", "user", "users"):
        model = OrgUnit if f.type.startswith("org") else User
        ids = value if isinstance(value, list) else [value]
        objs = {o.id: o for o in db.session.scalars(db.select(model).where(model.id.in_(ids)))}
        return "、".join(getattr(objs.get(i), "name", None) or getattr(objs.get(i), "display_name", str(i))
                        for i in ids)
    if f.type == "boolean":
        return "是" if value else "否"
    return str(value)
