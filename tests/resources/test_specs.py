"""resource_specs/ is the single source of the form, the API schema and the validator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from marshmallow import ValidationError

from eduplatform import ROOT_DIR
from eduplatform.core.extensions import db
from eduplatform.resources.models import Resource
from eduplatform.resources.specs import SpecError, load_specs
from tests.resources.conftest import make_pptx

SPEC_DIR = ROOT_DIR / "resource_specs"
EXPECTED_TYPES = {"media_text", "media_image", "media_audio", "media_video", "media_animation", "courseware",
                  "case", "literature", "faq", "paper", "course"}


def test_every_type_and_vocabulary_loads():
    specs = load_specs(SPEC_DIR)
    assert set(specs.types) == EXPECTED_TYPES
    assert {"stage", "subject", "grade", "textbook_edition", "knowledge_point", "format"} <= set(specs.vocabularies)
    for rtype in specs.types.values():
        names = [e.name for e in rtype.elements]
        assert names[:9] == ["title", "description", "stage", "subject", "grade", "textbook_edition",
                             "knowledge_points", "textbook_nodes", "keywords"], rtype.code
        for rule in rtype.rules:
            assert rule.clause and rule.confirmed in ("primary", "secondary", "unconfirmed")
            # A threshold nobody could confirm must never block a teacher's submission.
            assert not (rule.confirmed == "unconfirmed" and rule.level == "required"), rule.id


def test_known_rules_cite_their_clause():
    specs = load_specs(SPEC_DIR)
    image = {r.id: r for r in specs.get("media_image").rules}
    assert image["image_colors"].min == 256 and "图形/图像素材" in image["image_colors"].clause
    assert image["image_grey_levels"].min == 128 and image["image_grey_levels"].level == "required"
    audio = {r.id: r for r in specs.get("media_audio").rules}
    assert all(r.confirmed == "unconfirmed" for r in audio.values() if r.id != "readable")
    text = {r.id: r for r in specs.get("media_text").rules}
    assert "gb18030" in text["text_encoding"].one_of


def test_api_lists_the_types(client, api, people):
    response = client.get("/api/v1/resource-specs", headers=api(people.teacher_a1))
    assert response.status_code == 200
    items = {t["code"]: t for t in response.get_json()["items"]}
    assert set(items) == EXPECTED_TYPES
    courseware = items["courseware"]
    assert courseware["label"] == "课件"
    stage = next(e for e in courseware["elements"] if e["name"] == "stage")
    assert {"code": "junior", "label": "初中"} in stage["choices"]
    assert any(f["code"] == "pptx" and "pptx" in f["extensions"] for f in courseware["formats"])
    assert response.get_json()["vocabularies"]["subject"][1] == {"code": "math", "label": "数学"}


def test_vocabulary_takes_code_label_or_alias(app):
    specs = app.extensions["resource_specs"]
    schema = specs.schema("courseware")
    base = {"title": "t", "description": "d", "subject": "math"}
    assert schema.load({**base, "stage": "junior"})["stage"] == "junior"
    assert schema.load({**base, "stage": "初中"})["stage"] == "junior"
    assert schema.load({**base, "stage": "junior", "grade": "初三"})["grade"] == "g9"
    with pytest.raises(ValidationError) as caught:
        schema.load({**base, "stage": "大学"})
    assert "不是有效的学段" in caught.value.messages["stage"][0]


@pytest.mark.parametrize("broken,message", [
    ({"formats": ["exe"]}, "formats"),
    ({"quality_rules": [{"id": "x", "label": "x", "property": "fps", "min": 1, "level": "required",
                         "clause": "c", "confirmed": "unconfirmed"}]}, "unconfirmed"),
    ({"elements": [{"name": "Bad Name", "label": "x"}]}, "lower_snake_case"),
    ({"elements": [{"name": "x", "label": "x", "type": "vocabulary", "vocabulary": "nope"}]}, "vocabulary"),
])
def test_a_broken_spec_is_refused_at_start_up(tmp_path, broken, message):
    target = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, target)
    data = yaml.safe_load((target / "faq.yaml").read_text())
    data.update(broken)
    (target / "faq.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(SpecError, match=message):
        load_specs(target)


def _with_new_element(tmp_path: Path, element: dict):
    target = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, target)
    path = target / "courseware.yaml"
    data = yaml.safe_load(path.read_text())
    data["elements"].append(element)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_specs(target)


def test_a_new_element_in_a_spec_reaches_form_api_and_validator(app, client, auth, api, people, tmp_path,
                                                                 monkeypatch):
    """No code change: one YAML edit adds the field to the form, the OpenAPI schema and validation."""
    specs = _with_new_element(tmp_path, {"name": "lesson_model", "label": "课型", "type": "vocabulary",
                                         "vocabulary": "stage", "required": True})
    monkeypatch.setitem(app.extensions, "resource_specs", specs)
    monkeypatch.setitem(app.config, "RESOURCE_SPECS_DIR", str(tmp_path / "specs"))

    headers = api(people.teacher_a1)  # before the cookie session: token requests carry no CSRF token
    auth.login(people.teacher_a1)
    chosen = client.post("/resources/upload/file", content_type="multipart/form-data",
                         data={"file": (__import__("io").BytesIO(make_pptx("课型")), "课型.pptx")})
    form = client.get(chosen.headers["Location"]).get_data(as_text=True)
    assert 'name="lesson_model"' in form and "课型" in form

    openapi = client.get("/api/v1/openapi.json").get_json()
    assert "lesson_model" in openapi["components"]["schemas"]["CoursewareMetadata"]["properties"]
    assert "lesson_model" in openapi["components"]["schemas"]["CoursewareMetadata"]["required"]

    body = {"type": "courseware", "title": "新元素", "description": "d", "stage": "junior", "subject": "math"}
    missing = client.post("/api/v1/resources", headers=headers, content_type="multipart/form-data",
                          data={**body, "file": (__import__("io").BytesIO(make_pptx("a")), "a.pptx")})
    assert missing.status_code == 422 and missing.get_json()["error"]["fields"]["lesson_model"] == ["请填写课型"]
    ok = client.post("/api/v1/resources", headers=headers, content_type="multipart/form-data",
                     data={**body, "lesson_model": "高中", "file": (__import__("io").BytesIO(make_pptx("b")), "b.pptx")})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["extra"] == {"lesson_model": "senior"}
    assert db.session.get(Resource, ok.get_json()["id"]).extra["lesson_model"] == "senior"
    spec_list = client.get("/api/v1/resource-specs/courseware", headers=headers).get_json()
    assert any(e["name"] == "lesson_model" for e in spec_list["elements"])


def test_openapi_documents_every_type(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "ResourceUpload" in schemas and "CoursewareMetadata" in schemas and "MediaImageMetadata" in schemas
    assert schemas["CoursewareMetadata"]["properties"]["stage"]["enum"][:3] == ["kindergarten", "primary", "junior"]
