"""Template versions: drafts are edited, published versions are frozen, tasks keep their version."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.models import VersionStatus
from eduplatform.reporting.services import templates as services
from eduplatform.reporting.spec import DefinitionError


def test_create_edit_publish_and_new_version(people, tree, sample_definition):
    template = services.create_template(people.city_staff, owner_org=tree.city, code="basic-2026",
                                        name="学校基本情况统计表")
    assert [v.number for v in template.versions] == [1]
    assert template.draft.status == VersionStatus.DRAFT
    services.save_draft(people.city_staff, template, sample_definition)
    v1 = services.publish_draft(people.city_staff, template)
    assert v1.is_published and v1.field_count == 13 and template.draft is None

    # Editing after publishing opens V2 as a copy; V1 stays as it was.
    changed = dict(sample_definition)
    changed["sections"] = [*sample_definition["sections"], {"title": "补充", "fields": [
        {"code": "extra", "label": "补充指标", "type": "integer"}]}]
    draft = services.save_draft(people.city_staff, template, changed)
    assert draft.number == 2 and not draft.is_published
    assert "extra" not in str(v1.definition)
    services.publish_draft(people.city_staff, template)
    assert template.latest_published.number == 2
    kinds = [e.kind for e in db.session.scalars(db.select(AuditEntry).where(AuditEntry.realm == "reporting"))]
    assert kinds.count("template.published") == 2


def test_task_keeps_the_version_it_was_issued_with(template, issue, people, sample_definition):
    task = issue(template.latest_published)
    sample_definition["sections"][0]["fields"].append({"code": "new_one", "label": "新指标", "type": "integer"})
    services.save_draft(people.city_staff, template, sample_definition)
    services.publish_draft(people.city_staff, template)
    db.session.commit()
    assert task.template_version.number == 1
    assert "new_one" not in str(task.template_version.definition)


def test_bad_definition_leaves_the_draft_unchanged(people, tree, sample_definition):
    template = services.create_template(people.city_staff, owner_org=tree.city, code="t-bad", name="模板",
                                        definition=sample_definition)
    before = dict(template.draft.definition)
    with pytest.raises(DefinitionError):
        services.save_draft(people.city_staff, template, {"sections": [{"title": "x", "fields": [
            {"code": "a", "label": "A", "type": "integer", "formula": "a + 1"}]}]})
    assert template.draft.definition == before


def test_publish_without_draft_and_empty_template(people, tree):
    template = services.create_template(people.city_staff, owner_org=tree.city, code="t-empty", name="空模板")
    with pytest.raises(DefinitionError):
        services.publish_draft(people.city_staff, template)


@pytest.mark.parametrize("code, name, message", [
    ("1bad", "模板名称", "模板代码"),
    ("ok-code", "x", "模板名称"),
])
def test_create_refuses_bad_codes_and_names(people, tree, code, name, message):
    with pytest.raises(ValidationFailed, match=message):
        services.create_template(people.city_staff, owner_org=tree.city, code=code, name=name)


def test_duplicate_code_and_school_owner_are_refused(people, tree, template):
    with pytest.raises(ValidationFailed, match="已存在"):
        services.create_template(people.city_staff, owner_org=tree.city, code=template.code, name="重复")
    with pytest.raises(ValidationFailed, match="只有教育局"):
        services.create_template(people.city_staff, owner_org=tree.school_a1, code="school-t", name="学校模板")


def test_publish_twice_is_a_conflict(template, people):
    with pytest.raises(Conflict):
        services.publish_draft(people.city_staff, template)


def test_visible_templates(template, make_template, people, tree):
    district_template = make_template(owner=tree.district_a, actor=people.district_a_staff, code="dist-a")
    other = make_template(owner=tree.district_b, actor=people.district_b_staff, code="dist-b")
    def codes(user):
        return {t.code for t in db.session.scalars(services.visible_templates_query(user))}
    assert codes(people.district_a_staff) == {template.code, district_template.code}
    assert codes(people.city_staff) == {template.code, district_template.code, other.code}
