"""LTI 1.3 services inside the app: keys stored encrypted, the key set across a rotation and its grace,
the rotation command, which tools a course may use, the 外部工具 lesson kind."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from eduplatform.core.db import utcnow
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import structure
from eduplatform.courses.lti import keys, tools
from eduplatform.courses.models import LessonKind, LtiPlatformKey
from eduplatform.courses.permissions import can_manage_lti_tool, can_use_lti_tool

TOOL = {"name": "工具", "client_id": "c1", "deployment_id": "d1", "login_url": "http://t.example/login",
        "launch_url": "http://t.example/launch", "redirect_urls": "", "jwks_url": "http://t.example/jwks"}


def test_private_keys_are_stored_encrypted(app):
    key = keys.current_key()
    assert key.private_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):  # no password: not usable from the database alone
        serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    token = keys.sign({"iss": "x", "aud": "y"})
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    public = jwt.PyJWK(key.public_jwk).key
    assert jwt.decode(token, public, algorithms=["RS256"], audience="y")["iss"] == "x"


def test_key_set_through_rotation_and_grace(app, people):
    old = keys.current_key()
    new = keys.rotate(people.sysadmin)
    assert keys.current_key().kid == new.kid
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new.kid, old.kid]
    assert all("d" not in k for k in keys.jwks()["keys"])  # public parts only
    old.retired_at = utcnow() - keys.grace() - timedelta(seconds=1)
    db.session.flush()
    assert [k["kid"] for k in keys.jwks()["keys"]] == [new.kid]


def test_rotation_command(app):
    before = db.session.query(LtiPlatformKey).count()
    result = app.test_cli_runner().invoke(args=["courses", "lti-rotate-key"])
    assert result.exit_code == 0, result.output
    assert "已生成新的 LTI 签名密钥" in result.output
    assert db.session.query(LtiPlatformKey).count() == before + 1


def test_which_tools_a_course_may_use(app, people, tree, make_course):
    platform_wide = tools.register_tool(people.sysadmin, dict(TOOL, client_id="wide"))
    school_b = tools.register_tool(people.school_b1_admin, dict(TOOL, client_id="b1"), org=tree.school_b1)
    course = make_course()  # school A1's
    assert can_use_lti_tool(course, platform_wide) and not can_use_lti_tool(course, school_b)
    assert [t.client_id for t in tools.usable_tools(course)] == ["wide"]
    assert can_manage_lti_tool(people.school_b1_admin, school_b)
    assert not can_manage_lti_tool(people.school_a1_admin, school_b)
    assert not can_manage_lti_tool(people.school_b1_admin, platform_wide)
    chapter = course.chapters[0]
    with pytest.raises(ValidationFailed):
        structure.add_lesson(people.teacher_a1, chapter, {"title": "别校工具", "kind": LessonKind.LTI,
                                                          "lti_tool_id": school_b.id})
    lesson = structure.add_lesson(people.teacher_a1, chapter, {"title": "练习", "kind": LessonKind.LTI,
                                                               "lti_tool_id": platform_wide.id, "pass_percent": 80})
    assert lesson.lti_tool_id == platform_wide.id and lesson.settings["pass_percent"] == 80
    from eduplatform.courses.completion import rule_text

    assert rule_text(lesson) == "外部工具回传的成绩不低于满分的 80%"


def test_registration_needs_keys_and_a_free_client_id(app, people):
    with pytest.raises(ValidationFailed):
        tools.register_tool(people.sysadmin, dict(TOOL, jwks_url=None, public_key=None))
    tool = tools.register_tool(people.sysadmin, TOOL)
    assert tool.redirect_list == ["http://t.example/launch"]  # none given: the launch URL
    from eduplatform.core.errors import Conflict

    with pytest.raises(Conflict):
        tools.register_tool(people.sysadmin, TOOL)
    with pytest.raises(ValidationFailed):
        tools.register_tool(people.sysadmin, dict(TOOL, client_id="c2", public_key="not a key"))
