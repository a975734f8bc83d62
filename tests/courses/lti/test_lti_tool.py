"""LTI 1.3 / Advantage against a real tool (pylti1p3): registration, launch, deep linking, AGS scores
into completion, key rotation, refused forgeries, enrolment checks and the audit trail."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

import jwt
import pytest
import requests

from tests.courses.lti.conftest import FormParser, submit
from tests.courses.lti.tool import CLIENT_ID, DEPLOYMENT_ID, rsa_pem_pair

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


@pytest.fixture(scope="module")
def registered(platform, tool, seed):
    """The system administrator registers the tool over the API; the teacher adds a 外部工具 lesson."""
    admin = platform.bearer("admin")
    answer = requests.post(f"{platform.url}/api/v1/lti/tools", headers=admin, timeout=30, json={
        "name": "分数练习工具", "client_id": CLIENT_ID, "deployment_id": DEPLOYMENT_ID,
        "login_url": f"{tool.url}/login", "launch_url": f"{tool.url}/launch",
        "redirect_urls": f"{tool.url}/launch", "jwks_url": f"{tool.url}/jwks",
        "deep_link_url": f"{tool.url}/launch", "share_name": True, "share_email": False})
    assert answer.status_code == 201, answer.text
    tool_id = answer.json()["id"]
    teacher = platform.bearer("teacher")
    lessons = {}
    for course_id, chapter_id, title in ((seed.course_id, seed.chapter_id, "分数练习"),
                                         (seed.other_course_id, seed.other_chapter_id, "别的课的练习")):
        answer = requests.post(f"{platform.url}/api/v1/courses/{course_id}/chapters/{chapter_id}/lessons",
                               headers=teacher, timeout=30,
                               json={"title": title, "kind": "lti", "lti_tool_id": tool_id, "pass_percent": 60})
        assert answer.status_code == 201, answer.text
        lessons[course_id] = answer.json()["id"]
    return {"tool_id": tool_id, "lesson_id": lessons[seed.course_id], "other_lesson_id": lessons[seed.other_course_id]}


def launch(platform, http: requests.Session, lesson_id: int, *, post: bool = True):
    """Lesson → the tool's OIDC login → the tool's auth request to /lti/auth → the auto-post page
    (and, with ``post``, its form POSTed to the tool's launch URL)."""
    page = http.get(f"{platform.url}/lti/lessons/{lesson_id}/launch", timeout=60)
    assert page.status_code == 200, page.text[:800]
    return submit(http, page) if post else page


def test_launch_is_accepted_by_pylti1p3(platform, tool, registered, seed, database):
    student = platform.login("student")
    page = launch(platform, student, registered["lesson_id"], post=False)
    assert "id_token" in FormParser.parse(page.text).fields
    assert f"form-action {tool.url}" in page.headers["Content-Security-Policy"]
    answer = submit(student, page)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    claims = body["claims"]
    assert claims[CLAIM + "message_type"] == "LtiResourceLinkRequest"
    assert claims[CLAIM + "version"] == "1.3.0"
    assert claims[CLAIM + "deployment_id"] == DEPLOYMENT_ID
    assert claims["aud"] == CLIENT_ID and claims["iss"] == platform.url
    assert claims[CLAIM + "resource_link"]["id"] == f"lesson-{registered['lesson_id']}"
    assert claims[CLAIM + "target_link_uri"] == f"{tool.url}/launch"
    assert claims[CLAIM + "context"]["id"] == f"course-{seed.course_id}"
    assert claims[CLAIM + "context"]["title"] == "七年级数学：分数"
    assert LEARNER in claims[CLAIM + "roles"] and body["is_student"] and not body["is_instructor"]
    assert claims["name"] == "student名" and "email" not in claims  # the tool's privacy setting
    assert claims[CLAIM + "launch_presentation"]["return_url"].endswith(f"/courses/lessons/{registered['lesson_id']}")
    assert set(claims[AGS]["scope"]) >= {"https://purl.imsglobal.org/spec/lti-ags/scope/score"}
    assert claims[AGS]["lineitem"].startswith(f"{platform.url}/lti/lineitems/")
    # sub: opaque, and stable across launches
    again = launch(platform, student, registered["lesson_id"]).json()
    assert again["sub"] == body["sub"] and body["sub"] != "student"
    kids = {k["kid"] for k in requests.get(f"{platform.url}/lti/jwks", timeout=30).json()["keys"]}
    assert body["kid"] in kids


def test_teacher_launch_is_instructor(platform, registered):
    teacher = platform.login("teacher")
    body = launch(platform, teacher, registered["lesson_id"]).json()
    assert INSTRUCTOR in body["claims"][CLAIM + "roles"] and body["is_instructor"]


def test_not_enrolled_learner_cannot_launch(platform, registered):
    outsider = platform.login("outsider")
    answer = outsider.get(f"{platform.url}/lti/lessons/{registered['lesson_id']}/launch", timeout=30,
                          allow_redirects=False)
    assert answer.status_code == 403
    # Nor by replaying an enrolled learner's auth request with the outsider's session.
    student = platform.login("student")
    to_tool = student.get(f"{platform.url}/lti/lessons/{registered['lesson_id']}/launch", timeout=30,
                          allow_redirects=False)
    auth = student.get(to_tool.headers["Location"], timeout=30, allow_redirects=False).headers["Location"]
    refused = outsider.get(auth, timeout=30)
    fields = FormParser.parse(refused.text).fields
    assert "id_token" not in fields and fields.get("error") == "login_required"


def test_auth_request_checks(platform, tool, registered):
    student = platform.login("student")
    to_tool = student.get(f"{platform.url}/lti/lessons/{registered['lesson_id']}/launch", timeout=30,
                          allow_redirects=False)
    auth = student.get(to_tool.headers["Location"], timeout=30, allow_redirects=False).headers["Location"]
    # a redirect_uri the tool did not register: refused on the platform, nothing sent anywhere
    evil = auth.replace("redirect_uri=http", "redirect_uri=http%3A%2F%2Fevil.example%2Fx&ignored=http")
    answer = student.get(evil, timeout=30)
    assert answer.status_code == 400 and "redirect_uri" in answer.text and "id_token" not in answer.text
    # prompt other than none
    answer = student.get(auth.replace("prompt=none", "prompt=login"), timeout=30)
    assert FormParser.parse(answer.text).fields.get("error") == "invalid_request"
    # the real one works once; the same nonce again is a replay
    first = student.get(auth, timeout=30)
    assert "id_token" in FormParser.parse(first.text).fields
    replay = student.get(auth, timeout=30)
    assert "id_token" not in FormParser.parse(replay.text).fields
    assert "nonce" in FormParser.parse(replay.text).fields.get("error_description", "")


def test_deep_linking_round_trip(platform, tool, registered, database):
    teacher = platform.login("teacher")
    page = teacher.get(f"{platform.url}/lti/lessons/{registered['lesson_id']}/deep-link", timeout=60)
    assert page.status_code == 200, page.text[:500]
    tool_page = submit(teacher, page)  # the tool validated the LtiDeepLinkingRequest, answers its form
    assert tool_page.status_code == 200 and "lti13_deep_link_auto_submit" in tool_page.text, tool_page.text[:500]
    form = FormParser.parse(tool_page.text)
    assert form.action == f"{platform.url}/lti/deep-links"
    # a forged response (signed by another key) is refused
    other_private, _ = rsa_pem_pair()
    claims = jwt.decode(form.fields["JWT"], options={"verify_signature": False})
    forged = jwt.encode({**claims, "nonce": uuid.uuid4().hex}, other_private, algorithm="RS256",
                        headers={"kid": jwt.get_unverified_header(form.fields["JWT"]).get("kid")})
    refused = requests.post(form.action, data={"JWT": forged}, timeout=30)
    assert refused.status_code == 400 and "签名" in refused.text
    done = submit(requests.Session(), tool_page)  # no platform cookies: the tool's site posts it
    assert done.status_code == 200 and "分数的加减法练习" in done.text, done.text[:500]
    # the same response again is a replay
    assert submit(requests.Session(), tool_page).status_code == 400
    # the picked item is now the lesson's target, with its custom parameters and line item maximum
    student = platform.login("student")
    body = launch(platform, student, registered["lesson_id"]).json()
    assert body["claims"][CLAIM + "target_link_uri"] == f"{tool.url}/launch?item=fractions"
    assert body["claims"][CLAIM + "custom"] == {"item": "fractions", "level": "2"}
    assert database.rows("SELECT score_maximum FROM lti_line_items WHERE lesson_id = :l AND is_default",
                         l=registered["lesson_id"])[0][0] == 50


def progress_of(database, lesson_id, username):
    return database.rows(
        "SELECT p.status, p.score FROM course_lesson_progress p JOIN users u ON u.id = p.user_id "
        "WHERE p.lesson_id = :l AND u.username = :u", l=lesson_id, u=username)


def test_score_from_the_tool_completes_the_lesson(platform, tool, registered, seed, database):
    student = platform.login("student")
    body = launch(platform, student, registered["lesson_id"]).json()
    maximum = database.rows("SELECT score_maximum FROM lti_line_items WHERE lesson_id = :l AND is_default",
                            l=registered["lesson_id"])[0][0]
    low = requests.post(f"{tool.url}/grade", json={"launch_id": body["launch_id"], "score": maximum * 0.4,
                                                   "maximum": maximum}, timeout=60)
    assert low.status_code == 200, low.text
    assert progress_of(database, registered["lesson_id"], "student")[0][0] == "in_progress"
    high = requests.post(f"{tool.url}/grade", json={"launch_id": body["launch_id"], "score": maximum * 0.9,
                                                    "maximum": maximum, "comment": "很好"}, timeout=60)
    assert high.status_code == 200, high.text
    status, score = progress_of(database, registered["lesson_id"], "student")[0]
    assert status == "completed" and score == pytest.approx(90)
    # the course's progress: the text lesson opened? not yet → 1 of 2 required lessons done
    enrolment = database.rows("SELECT e.progress_percent FROM course_enrolments e JOIN users u ON u.id = e.user_id "
                              "WHERE e.course_id = :c AND u.username = 'student'", c=seed.course_id)
    assert enrolment[0][0] == 50
    # results read back through AGS (pylti1p3's get_grades → /results)
    results = requests.post(f"{tool.url}/results", json={"launch_id": body["launch_id"]}, timeout=60).json()
    assert [g["resultScore"] for g in results["grades"]] == [maximum * 0.9]
    assert results["grades"][0]["userId"] == body["sub"] and results["grades"][0]["comment"] == "很好"
    # the lesson page shows it
    page = student.get(f"{platform.url}/courses/lessons/{registered['lesson_id']}", timeout=30)
    assert "工具回传得分" in page.text and "90%" in page.text


def test_tool_made_line_item_keeps_its_scores_apart(platform, tool, registered, database):
    """A line item the tool creates (pylti1p3 find_or_create_lineitem) takes scores that are results,
    not the lesson's completion; an older score than the stored one is ignored."""
    student = platform.login("student")
    body = launch(platform, student, registered["lesson_id"]).json()
    made = requests.post(f"{tool.url}/lineitem", timeout=60, json={
        "launch_id": body["launch_id"], "tag": "extra-1", "label": "附加题", "maximum": 10, "score": 3}).json()
    assert made["id"].startswith(f"{platform.url}/lti/lineitems/"), made
    assert {i.get("tag") for i in made["all"]} >= {"extra-1"} and len(made["all"]) == 2
    again = requests.post(f"{tool.url}/lineitem", timeout=60, json={
        "launch_id": body["launch_id"], "tag": "extra-1", "label": "附加题", "maximum": 10, "score": 4}).json()
    assert again["id"] == made["id"]  # found by tag, not made twice
    item_id = int(made["id"].rsplit("/", 1)[1])
    assert database.rows("SELECT score_given FROM lti_scores WHERE line_item_id = :i", i=item_id)[0][0] == 4
    current = requests.post(f"{tool.url}/grade", timeout=60, json={
        "launch_id": body["launch_id"], "score": 7, "maximum": 10})
    assert current.status_code == 200
    stale = requests.post(f"{tool.url}/grade", timeout=60, json={
        "launch_id": body["launch_id"], "score": 1, "maximum": 10, "timestamp": "2001-01-01T00:00:00+00:00"})
    assert stale.status_code == 200
    default = database.rows("SELECT s.score_given FROM lti_scores s JOIN lti_line_items i ON i.id = s.line_item_id "
                            "JOIN users u ON u.id = s.user_id WHERE i.lesson_id = :l AND i.is_default "
                            "AND u.username = 'student'", l=registered["lesson_id"])
    assert default[0][0] == 7  # the score of 2001 is older than the one kept
    assert "lti.line_item_created" in {r[0] for r in database.rows(
        "SELECT kind FROM audit_entries WHERE kind LIKE 'lti.%'")}


def token_request(platform, assertion: str, scope: str = "https://purl.imsglobal.org/spec/lti-ags/scope/score"):
    return requests.post(f"{platform.url}/lti/token", timeout=30, data={
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion, "scope": scope})


def assertion(private_pem: str, *, aud: str, jti: str | None = None, iss: str = CLIENT_ID, exp: int = 60):
    now = int(time.time())
    return jwt.encode({"iss": iss, "sub": iss, "aud": aud, "iat": now, "exp": now + exp,
                       "jti": jti or uuid.uuid4().hex}, private_pem, algorithm="RS256")


def test_forged_and_replayed_assertions_are_refused(platform, tool, registered, database):
    aud = f"{platform.url}/lti/token"
    good = assertion(tool.private_pem, aud=aud)
    first = token_request(platform, good)
    assert first.status_code == 200 and first.json()["token_type"] == "Bearer"
    assert token_request(platform, good).status_code == 401  # the same jti again
    other_private, _ = rsa_pem_pair()
    assert token_request(platform, assertion(other_private, aud=aud)).status_code == 401  # another key
    assert token_request(platform, assertion(tool.private_pem, aud="http://elsewhere/token")).status_code == 401
    assert token_request(platform, assertion(tool.private_pem, aud=aud, exp=-120)).status_code == 401  # expired
    assert token_request(platform, assertion(tool.private_pem, aud=aud, iss="nobody")).status_code == 401
    hs = jwt.encode({"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": aud, "iat": int(time.time()),
                     "exp": int(time.time()) + 60, "jti": "x"}, "s" * 40, algorithm="HS256")
    assert token_request(platform, hs).status_code == 401
    # a token is needed, and the right scope
    token = token_request(platform, assertion(tool.private_pem, aud=aud),
                          scope="https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly").json()
    launch(platform, platform.login("student"), registered["lesson_id"])  # the lesson's line item exists from now
    item = database.rows("SELECT id FROM lti_line_items WHERE lesson_id = :l AND is_default",
                         l=registered["lesson_id"])[0][0]
    score = {"userId": "x", "activityProgress": "Completed", "gradingProgress": "FullyGraded"}
    url = f"{platform.url}/lti/lineitems/{item}/scores"
    headers = {"Content-Type": "application/vnd.ims.lis.v1.score+json"}
    assert requests.post(url, json=score, headers=headers, timeout=30).status_code == 401
    answer = requests.post(url, json=score, timeout=30,
                           headers={**headers, "Authorization": f"Bearer {token['access_token']}"})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "insufficient_scope"
    assert requests.post(url, json=score, headers={**headers, "Authorization": "Bearer forged"},
                         timeout=30).status_code == 401
    refused = database.rows("SELECT count(*) FROM audit_entries WHERE kind = 'lti.assertion_refused'")[0][0]
    assert refused >= 6


def test_key_rotation_grace_then_refused(platform, tool, registered, database):
    student = platform.login("student")
    early = launch(platform, student, registered["lesson_id"], post=False)
    late = launch(platform, student, registered["lesson_id"], post=False)
    old_kid = jwt.get_unverified_header(FormParser.parse(early.text).fields["id_token"])["kid"]
    admin = platform.bearer("admin")
    rotated = requests.post(f"{platform.url}/api/v1/lti/keys/rotate", headers=admin, timeout=30)
    assert rotated.status_code == 201
    new_kid = rotated.json()["kid"]
    kids = [k["kid"] for k in requests.get(f"{platform.url}/lti/jwks", timeout=30).json()["keys"]]
    assert new_kid in kids and old_kid in kids
    # signed before the rotation, checked now: accepted during the grace period
    assert submit(student, early).status_code == 200
    # new launches are signed with the new key
    assert launch(platform, student, registered["lesson_id"]).json()["kid"] == new_kid
    # the grace period ends: the old kid leaves the key set and the tool refuses its token
    database.execute("UPDATE lti_platform_keys SET retired_at = :t WHERE kid = :k",
                     t=datetime(2000, 1, 1), k=old_kid)
    kids = [k["kid"] for k in requests.get(f"{platform.url}/lti/jwks", timeout=30).json()["keys"]]
    assert old_kid not in kids and new_kid in kids
    refused = submit(student, late)
    assert refused.status_code == 400 and "public key" in refused.json()["error"].lower()


def test_registration_pages_and_permissions(platform, registered):
    schooladmin = platform.login("schooladmin")
    page = schooladmin.get(f"{platform.url}/courses/lti/tools", timeout=30)
    assert page.status_code == 200 and "外部工具（LTI 1.3）" in page.text
    assert "分数练习工具" not in page.text  # a platform-wide tool: the system administrator's to change
    assert "轮换签名密钥" not in page.text
    form = schooladmin.get(f"{platform.url}/courses/lti/tools/new", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = schooladmin.post(f"{platform.url}/courses/lti/tools/new", timeout=30, data={
        "csrf_token": csrf, "name": "学校的工具", "client_id": "school-tool",
        "deployment_id": "d1", "login_url": "http://tool.example/login", "launch_url": "http://tool.example/launch",
        "redirect_urls": "", "jwks_url": "http://tool.example/jwks", "share_name": "1"})
    assert answer.status_code == 200 and "学校的工具" in answer.text
    teacher = platform.login("teacher")
    assert teacher.get(f"{platform.url}/courses/lti/tools", timeout=30).status_code == 403
    assert requests.post(f"{platform.url}/api/v1/lti/keys/rotate", headers=platform.bearer("teacher"),
                         timeout=30).status_code == 403
    admin = platform.login("admin")
    page = admin.get(f"{platform.url}/courses/lti/tools", timeout=30)
    assert "分数练习工具" in page.text and "轮换签名密钥" in page.text


def test_audit_of_registration_rotation_and_scores(platform, tool, registered, database):
    student = platform.login("student")
    body = launch(platform, student, registered["lesson_id"]).json()
    assert requests.post(f"{tool.url}/grade", json={"launch_id": body["launch_id"], "score": 5}, timeout=60).ok
    assert requests.post(f"{platform.url}/api/v1/lti/keys/rotate", headers=platform.bearer("admin"),
                         timeout=30).status_code == 201
    token_request(platform, "not-a-jwt")
    kinds = {row[0] for row in database.rows("SELECT DISTINCT kind FROM audit_entries WHERE kind LIKE 'lti.%'")}
    assert {"lti.tool_registered", "lti.key_created", "lti.key_rotated", "lti.score_received",
            "lti.assertion_refused"} <= kinds
    score = database.rows("SELECT a.summary, u.username FROM audit_entries a JOIN users u ON u.id = a.actor_id "
                          "WHERE a.kind = 'lti.score_received' ORDER BY a.id DESC LIMIT 1")[0]
    assert "分数练习" in score[0] and score[1] == "student"
    rotated = database.rows("SELECT u.username FROM audit_entries a JOIN users u ON u.id = a.actor_id "
                            "WHERE a.kind = 'lti.key_rotated' ORDER BY a.id DESC LIMIT 1")
    assert rotated[0][0] == "admin"
    who = database.rows("SELECT u.username FROM audit_entries a JOIN users u ON u.id = a.actor_id "
                        "WHERE a.kind = 'lti.tool_registered' ORDER BY a.id LIMIT 1")
    assert who[0][0] == "admin"
    assert "Traceback" not in platform.log.read_text(errors="replace")
