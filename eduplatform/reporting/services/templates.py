"""Creating templates, editing the draft version in the designer, publishing versions."""

from __future__ import annotations

import copy
import re

import sqlalchemy as sa

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.models import ReportTemplate, TemplateVersion, VersionStatus
from eduplatform.reporting.spec import compile_definition, importance_changes

EMPTY_DEFINITION = {"sections": [{"title": "基本情况", "fields": []}], "rules": []}


def find_template(code: str) -> ReportTemplate | None:
    return db.session.scalar(sa.select(ReportTemplate).where(ReportTemplate.code == code))


def _count_fields(definition: dict) -> int:
    return sum(len(section["fields"]) for section in definition["sections"])


def create_template(actor, *, owner_org, code: str, name: str, description: str = "",
                    definition: dict | None = None) -> ReportTemplate:
    """A new template with a first draft version (V1)."""
    code = (code or "").strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{1,39}", code):
        raise ValidationFailed("模板代码须为 2–40 位字母、数字、_ 或 -，以字母开头",
                               fields={"code": ["模板代码格式不正确"]})
    if find_template(code) is not None:
        raise ValidationFailed(f"模板代码 {code} 已存在", code="duplicate", fields={"code": ["模板代码已存在"]})
    if not owner_org.is_bureau:
        raise ValidationFailed("只有教育局可以建立报表模板")
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise ValidationFailed("模板名称须为 2–200 个字符", fields={"name": ["模板名称须为 2–200 个字符"]})
    spec = compile_definition(definition or copy.deepcopy(EMPTY_DEFINITION))
    template = ReportTemplate(code=code, name=name, description=description or "", owner_org=owner_org,
                              created_by_id=getattr(actor, "id", None))
    version = TemplateVersion(number=1, status=VersionStatus.DRAFT, definition=spec.definition,
                              field_count=_count_fields(spec.definition), created_by_id=getattr(actor, "id", None))
    template.versions.append(version)
    db.session.add(template)
    db.session.flush()
    record("reporting", "template.created", f"新建报表模板：{name}（{code}）", actor=actor, obj=template)
    return template


def update_template_info(actor, template: ReportTemplate, *, name: str, description: str) -> None:
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise ValidationFailed("模板名称须为 2–200 个字符", fields={"name": ["模板名称须为 2–200 个字符"]})
    from eduplatform.audit.services import diff

    changed = diff(template, {"name": name, "description": description or ""})
    if changed:
        record("reporting", "template.updated", f"修改报表模板信息：{template.name}", actor=actor,
               obj=template, data=changed)
        db.session.flush()


def save_draft(actor, template: ReportTemplate, definition: dict, *, expected_version: int | None = None
               ) -> TemplateVersion:
    """Check and store the designer's definition in the draft version (one is opened when needed)."""
    spec = compile_definition(definition)
    draft = template.draft
    if draft is None:
        draft = _open_draft(actor, template)
    elif expected_version is not None and draft.number != expected_version:
        raise Conflict("模板已有新的草稿版本，请刷新页面")
    importance = importance_changes(draft.definition, spec.definition)
    draft.definition = spec.definition
    draft.field_count = _count_fields(spec.definition)
    draft.updated_at = utcnow()
    template.updated_at = utcnow()
    data = {"version": draft.number, "fields": draft.field_count}
    summary = f"保存模板草稿：{template.name} V{draft.number}"
    if importance:  # a rule's 重要程度 decides the order schools and reviewers read violations in
        data["importance"] = importance
        summary += "；规则重要程度：" + "，".join(
            f"“{c['rule']}” {c['from'] + '→' if c['from'] else ''}{c['to']}" for c in importance)
    record("reporting", "template.draft_saved", summary[:500], actor=actor, obj=template, data=data)
    db.session.flush()
    return draft


def _open_draft(actor, template: ReportTemplate) -> TemplateVersion:
    latest = template.latest_published
    number = max((v.number for v in template.versions), default=0) + 1
    draft = TemplateVersion(number=number, status=VersionStatus.DRAFT,
                            definition=copy.deepcopy(latest.definition if latest else EMPTY_DEFINITION),
                            field_count=latest.field_count if latest else 0,
                            created_by_id=getattr(actor, "id", None))
    template.versions.append(draft)
    db.session.flush()
    return draft


def open_draft(actor, template: ReportTemplate) -> TemplateVersion:
    """The draft to edit: the existing one, or a copy of the latest published version."""
    return template.draft or _open_draft(actor, template)


def publish_draft(actor, template: ReportTemplate) -> TemplateVersion:
    """Freeze the draft as a new published version; tasks issued later may use it."""
    draft = template.draft
    if draft is None:
        raise Conflict("没有待发布的草稿版本")
    spec = compile_definition(draft.definition, for_publish=True)
    draft.definition = spec.definition
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = utcnow()
    draft.published_by_id = getattr(actor, "id", None)
    record("reporting", "template.published", f"发布报表模板：{template.name} V{draft.number}",
           actor=actor, obj=template, data={"version": draft.number, "fields": draft.field_count})
    db.session.flush()
    return draft


def archive_template(actor, template: ReportTemplate) -> None:
    template.archived_at = utcnow()
    record("reporting", "template.archived", f"停用报表模板：{template.name}", actor=actor, obj=template)
    db.session.flush()


def version_by_number(template: ReportTemplate, number: int) -> TemplateVersion | None:
    return next((v for v in template.versions if v.number == number), None)


def visible_templates_query(user):
    """Templates owned by the user's bureau, the bureaus above it, or those below it."""
    from eduplatform.orgs.models import OrgUnit

    root = user.scope_root
    ancestors = root.path_ids
    return (sa.select(ReportTemplate).join(OrgUnit, OrgUnit.id == ReportTemplate.owner_org_id)
            .where(sa.or_(OrgUnit.path.startswith(root.path), ReportTemplate.owner_org_id.in_(ancestors)))
            .order_by(ReportTemplate.updated_at.desc()))
