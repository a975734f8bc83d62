"""The launch in a real browser (Chromium): the lesson's button, the redirects, the platform's
auto-submitting page under its own CSP (form-action to the tool only), pylti1p3 accepting the id_token;
and the teacher's deep-linking round trip through the tool's auto-submitted response form."""

from __future__ import annotations

import json

import pytest
import requests

# The LTI tests' servers: the platform as gunicorn on a database of its own, the pylti1p3 tool (and
# their per-test isolation, which is not the suite's transaction); the browser is the journeys' one.
from tests.courses.lti.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    _isolated,
    database,
    own_database,
    platform,
    seed,
    tool,
)
from tests.courses.lti.tool import CLIENT_ID, DEPLOYMENT_ID

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lesson_id(platform, tool, seed):  # noqa: F811  (the imported fixtures)
    admin = platform.bearer("admin")
    answer = requests.post(f"{platform.url}/api/v1/lti/tools", headers=admin, timeout=30, json={
        "name": "浏览器里的工具", "client_id": CLIENT_ID, "deployment_id": DEPLOYMENT_ID,
        "login_url": f"{tool.url}/login", "launch_url": f"{tool.url}/launch", "jwks_url": f"{tool.url}/jwks",
        "deep_link_url": f"{tool.url}/launch"})
    assert answer.status_code == 201, answer.text
    answer = requests.post(f"{platform.url}/api/v1/courses/{seed.course_id}/chapters/{seed.chapter_id}/lessons",
                           headers=platform.bearer("teacher"), timeout=30,
                           json={"title": "浏览器练习", "kind": "lti", "lti_tool_id": answer.json()["id"]})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _login(page, url, username):
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user", state="attached")


def test_launch_and_deep_link_in_chromium(browser, platform, tool, lesson_id, seed):  # noqa: F811
    context = browser.new_context(locale="zh-CN", extra_http_headers={"X-Forwarded-For": "198.51.100.77"})
    page = context.new_page()
    page.set_default_timeout(20_000)
    csp_violations = []
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    _login(page, platform.url, "student")
    page.goto(f"{platform.url}/courses/lessons/{lesson_id}")
    with page.expect_popup() as opened:
        page.click("#lti-launch")
    popup = opened.value
    popup.wait_for_url(f"{tool.url}/launch", wait_until="load")
    body = json.loads(popup.inner_text("body"))
    assert body["claims"]["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiResourceLinkRequest"
    assert body["is_student"] and body["launch_id"]
    context.close()

    context = browser.new_context(locale="zh-CN", extra_http_headers={"X-Forwarded-For": "198.51.100.78"})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("console", lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    _login(page, platform.url, "teacher")
    page.goto(f"{platform.url}/courses/{seed.course_id}/structure")
    with page.expect_popup() as opened:
        page.click(f"#lesson-{lesson_id} >> text=选择工具内容")
    popup = opened.value
    popup.wait_for_selector("#deep-link-done")
    assert "分数的加减法练习" in popup.inner_text("#deep-link-done")
    context.close()
    assert not csp_violations, csp_violations

