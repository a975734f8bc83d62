"""SCORM 1.2 and 2004: import (refused whole when malformed), files served under the course, and the
run-time data persisted and resumed through the API the JS adapter uses."""

from __future__ import annotations

import io
import zipfile

import pytest

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.courses import catalogue, enrolment, scorm_runtime
from eduplatform.courses.models import ScormFile, ScormPackage
from eduplatform.courses.samples import scorm_zip
from eduplatform.courses.scorm_import import import_package, parse_manifest
from tests.courses.conftest import add_lesson, upload


@pytest.fixture
def scorm_course(make_course, people):
    def make(version="1.2", **kwargs):
        course = make_course(lessons=(), publish=False)
        lesson = add_lesson(people.teacher_a1, course.chapters[0], "scorm", title=f"SCORM {version}",
                            data=scorm_zip(version, **kwargs))
        catalogue.publish_course(people.teacher_a1, course)
        row = enrolment.enrol(people.student_a1, course)
        db.session.commit()
        return course, lesson, row

    return make


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- import -------------------------------------------------------------------------------------

def test_manifest_1_2_and_2004_are_parsed():
    m12 = parse_manifest(zipfile.ZipFile(io.BytesIO(scorm_zip("1.2", mastery_score="80"))).read("imsmanifest.xml"))
    assert m12["version"] == "1.2"
    assert m12["items"][0]["href"] == "sco/index.html" and m12["items"][0]["mastery_score"] == "80"
    m04 = parse_manifest(zipfile.ZipFile(io.BytesIO(scorm_zip("2004"))).read("imsmanifest.xml"))
    assert (m04["version"], m04["edition"]) == ("2004", "4th")
    assert m04["items"][0]["scaled_passing_score"] == "0.6"


def test_import_stores_every_file(make_course, people, storage):
    course = make_course(lessons=(), publish=False)
    package = import_package(people.teacher_a1, course, upload(scorm_zip("1.2"), "课件.zip"))
    db.session.commit()
    paths = set(db.session.scalars(db.select(ScormFile.path).where(ScormFile.package_id == package.id)))
    assert paths == {"imsmanifest.xml", "sco/index.html", "js/sco12.js", "css/style.css", "img/dot.svg"}
    for row in db.session.scalars(db.select(ScormFile)):
        assert storage.exists(row.file.key)


BAD_PACKAGES = {
    "not a zip": (b"this is not a zip", "不是 zip"),
    "no manifest": (_zip({"index.html": b"<html></html>"}), "缺少 imsmanifest.xml"),
    "bad xml": (_zip({"imsmanifest.xml": b"<manifest><organizations>", "index.html": b""}), "格式错误"),
    "launch file missing": (scorm_zip("1.2", omit=("sco/index.html",)), "启动文件 sco/index.html 不在压缩包中"),
    "path traversal": (scorm_zip("1.2", extra={"../../evil.html": b"x"}), "跳出解压目录"),
    "absolute path": (scorm_zip("1.2", extra={"/etc/passwd": b"x"}), "绝对路径"),
    "unknown version": (_zip({"imsmanifest.xml": b"<manifest><organizations><organization><item identifier='a'/>"
                                                 b"</organization></organizations></manifest>"}), "无法识别 SCORM 版本"),
    "entity expansion": (_zip({"imsmanifest.xml": b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "xxxxxxxx">'
                                                  b'<!ENTITY y "&x;&x;&x;&x;">]><manifest>&y;</manifest>'}), ""),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKAGES))
def test_a_malformed_package_is_refused_whole(case, make_course, people, storage):
    course = make_course(lessons=(), publish=False)
    data, reason = BAD_PACKAGES[case]
    files_before = db.session.scalar(db.select(db.func.count()).select_from(StoredFile))
    with pytest.raises(ValidationFailed) as caught:
        import_package(people.teacher_a1, course, upload(data, "bad.zip"))
    assert reason in caught.value.message
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(ScormPackage)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == files_before
    assert not [k for k in storage.iter_keys("courses/scorm")]


def test_a_zip_bomb_is_refused_before_unpacking(make_course, people, app):
    course = make_course(lessons=(), publish=False)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", zipfile.ZipFile(io.BytesIO(scorm_zip())).read("imsmanifest.xml"))
        archive.writestr("sco/index.html", b"<html></html>")
        archive.writestr("big.bin", b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros: ratio ~1000:1
    with pytest.raises(ValidationFailed, match="压缩炸弹"):
        import_package(people.teacher_a1, course, upload(bomb.getvalue(), "bomb.zip"))
    app.config["SCORM_MAX_UNPACKED_BYTES"] = 1000
    try:
        with pytest.raises(ValidationFailed, match="解压后超过"):
            import_package(people.teacher_a1, course, upload(scorm_zip(), "ok.zip"))
    finally:
        del app.config["SCORM_MAX_UNPACKED_BYTES"]


# --- serving ------------------------------------------------------------------------------------

def test_package_files_are_served_under_the_course_with_content_types(scorm_course, client, auth, people):
    course, lesson, _ = scorm_course("1.2")
    package = lesson.scorm_package
    auth.login(people.student_a1)
    base = f"/courses/{course.id}/scorm/{package.id}"
    page = client.get(f"{base}/sco/index.html")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "unsafe-inline" in page.headers["Content-Security-Policy"]  # the SCO's own script runs
    script = client.get(f"{base}/js/sco12.js")
    assert script.mimetype == "application/javascript" and script.headers["Cache-Control"] == "private, max-age=3600"
    assert client.get(f"{base}/css/style.css").mimetype == "text/css"
    assert client.get(f"{base}/img/dot.svg").mimetype == "image/svg+xml"
    ranged = client.get(f"{base}/js/sco12.js", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == script.data[:10]
    assert ranged.headers["Content-Range"] == f"bytes 0-9/{len(script.data)}"
    assert client.get(f"{base}/js/sco12.js", headers={"If-None-Match": script.headers["ETag"]}).status_code == 304
    assert client.get(f"{base}/../../etc/passwd").status_code == 404
    assert client.get(f"{base}/nope.html").status_code == 404


def test_package_files_need_an_enrolment(scorm_course, client, auth, create_user, tree):
    from eduplatform.accounts.models import Role
    from tests.assertions import assert_refused_page, denials

    course, lesson, row = scorm_course("1.2")
    outsider = create_user("outsider", roles=[Role.STUDENT], org=tree.school_b1)
    auth.login(outsider)
    url = f"/courses/{course.id}/scorm/{lesson.scorm_package_id}/sco/index.html"
    response = client.get(url)
    assert_refused_page(response, "outsider", why="请先选课")
    assert "一元一次方程（SCORM 课件）" not in response.get_data(as_text=True)  # none of the SCO's page
    assert len(denials(outsider)) == 1
    auth.logout()
    auth.login(row.user)  # the enrolled learner gets the package's own page
    served = client.get(url)
    assert served.status_code == 200
    with zipfile.ZipFile(io.BytesIO(scorm_zip("1.2"))) as archive:
        assert served.data == archive.read("sco/index.html")


# --- run-time -----------------------------------------------------------------------------------

def _cmi_url(lesson):
    return f"/api/v1/scorm/lessons/{lesson.id}/items/ITEM1/cmi"


def test_scorm_1_2_runtime_persists_and_resumes(scorm_course, client, api, people):
    _course, lesson, _row = scorm_course("1.2")
    headers = api(people.student_a1)
    state = client.get(_cmi_url(lesson), headers=headers).get_json()
    assert state["values"]["cmi.core.entry"] == "ab-initio"
    assert state["values"]["cmi.core.lesson_status"] == "not attempted"
    assert state["values"]["cmi.core.student_id"] == people.student_a1.username
    # LMSInitialize, some SetValues and LMSCommit, then the learner leaves (suspend) and LMSFinish.
    assert client.post(_cmi_url(lesson), json={"initialize": True}, headers=headers).status_code == 200
    result = client.post(_cmi_url(lesson), headers=headers, json={"values": {
        "cmi.core.lesson_location": "page-2", "cmi.suspend_data": "q1=a;q2=b", "cmi.core.exit": "suspend",
        "cmi.core.lesson_status": "incomplete", "cmi.core.session_time": "0000:02:00.00"}, "terminate": True})
    assert result.status_code == 200 and result.get_json()["lesson"]["status"] == "in_progress"
    # Re-opening resumes where the learner left.
    state = client.get(_cmi_url(lesson), headers=headers).get_json()["values"]
    assert state["cmi.core.entry"] == "resume"
    assert state["cmi.core.lesson_location"] == "page-2"
    assert state["cmi.suspend_data"] == "q1=a;q2=b"
    assert state["cmi.core.total_time"] == "0000:02:00.00"
    assert "cmi.core.session_time" not in state and "cmi.core.exit" not in state  # write-only
    # Second session: completed with a score.
    client.post(_cmi_url(lesson), json={"initialize": True}, headers=headers)
    result = client.post(_cmi_url(lesson), headers=headers, json={"values": {
        "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85",
        "cmi.core.session_time": "0000:01:30.00"}, "terminate": True}).get_json()
    assert result["lesson"]["status"] == "completed" and result["course_completed"] is True
    attempt = scorm_runtime.find_attempt(lesson, people.student_a1, "ITEM1")
    assert attempt.total_seconds == pytest.approx(210)
    assert attempt.session_count == 2 and attempt.score_raw == 85


def test_scorm_1_2_passed_counts_as_completed(scorm_course, client, api, people):
    _course, lesson, row = scorm_course("1.2")
    headers = api(people.student_a1)
    client.post(_cmi_url(lesson), json={"initialize": True, "values": {"cmi.core.lesson_status": "passed"}},
                headers=headers)
    db.session.expire_all()
    assert row.completed_at is not None


def test_passed_with_score_zero_does_not_zero_the_grade(scorm_course, client, api, people):
    from eduplatform.courses.completion import find_progress

    _course, lesson, _row = scorm_course("1.2")
    headers = api(people.student_a1)
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.core.lesson_status": "passed", "cmi.core.score.raw": "0"}, "terminate": True})
    progress = find_progress(lesson, people.student_a1)
    assert progress.score == 100.0
    # ...and a later commit reporting 0 again does not lower the best grade either.
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.core.lesson_status": "incomplete", "cmi.core.score.raw": "0"}})
    db.session.expire_all()
    assert find_progress(lesson, people.student_a1).score == 100.0


def test_scorm_1_2_mastery_score_decides_passed_or_failed(scorm_course, client, api, people):
    _course, lesson, row = scorm_course("1.2", mastery_score="80")
    headers = api(people.student_a1)
    state = client.get(_cmi_url(lesson), headers=headers).get_json()["values"]
    assert state["cmi.student_data.mastery_score"] == "80"
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.core.lesson_status": "completed", "cmi.core.score.raw": "60"}, "terminate": True})
    attempt = scorm_runtime.find_attempt(lesson, people.student_a1, "ITEM1")
    assert attempt.lesson_status == "failed"
    db.session.expire_all()
    assert row.completed_at is None


def test_scorm_2004_runtime_persists_resumes_and_evaluates(scorm_course, client, api, people):
    _course, lesson, _row = scorm_course("2004")
    headers = api(people.student_a1)
    state = client.get(_cmi_url(lesson), headers=headers).get_json()
    assert state["version"] == "2004"
    values = state["values"]
    assert values["cmi.entry"] == "ab-initio" and values["cmi.completion_status"] == "not attempted"
    assert values["cmi.scaled_passing_score"] == "0.6" and values["cmi.learner_id"] == people.student_a1.username
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.location": "slide-3", "cmi.suspend_data": '{"answers":[1,2]}', "cmi.exit": "suspend",
        "cmi.completion_status": "incomplete", "cmi.session_time": "PT2M"}, "terminate": True})
    values = client.get(_cmi_url(lesson), headers=headers).get_json()["values"]
    assert values["cmi.entry"] == "resume" and values["cmi.location"] == "slide-3"
    assert values["cmi.suspend_data"] == '{"answers":[1,2]}' and values["cmi.total_time"] == "PT0H2M0S"
    # The passing score decides success from the scaled score (the SCO said "failed").
    result = client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.score.scaled": "0.75", "cmi.success_status": "failed", "cmi.session_time": "PT1M30S"},
        "terminate": True}).get_json()
    assert result["status"] == "incomplete/passed" and result["lesson"]["status"] == "completed"
    attempt = scorm_runtime.find_attempt(lesson, people.student_a1, "ITEM1")
    assert attempt.total_seconds == pytest.approx(210) and attempt.success_status == "passed"


def test_an_unterminated_session_is_counted_when_the_next_one_starts(scorm_course, client, api, people):
    _course, lesson, _ = scorm_course("2004")
    headers = api(people.student_a1)
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True, "values": {
        "cmi.session_time": "PT45S"}})  # the browser tab closed: no Terminate
    client.post(_cmi_url(lesson), headers=headers, json={"initialize": True})
    attempt = scorm_runtime.find_attempt(lesson, people.student_a1, "ITEM1")
    assert attempt.total_seconds == pytest.approx(45)


@pytest.mark.parametrize("version,element,value", [
    ("1.2", "cmi.core.lesson_status", "done"),
    ("1.2", "cmi.core.score.raw", "150"),
    ("1.2", "cmi.core.student_id", "someone-else"),
    ("1.2", "cmi.core.session_time", "90 seconds"),
    ("1.2", "cmi.suspend_data", "x" * 4097),
    ("2004", "cmi.completion_status", "passed"),
    ("2004", "cmi.score.scaled", "1.5"),
    ("2004", "cmi.session_time", "00:01:30"),
    ("2004", "cmi.learner_id", "x"),
    ("2004", "cmi.unknown_element", "1"),
])
def test_invalid_cmi_values_are_refused_and_nothing_is_written(version, element, value, scorm_course, client, api,
                                                               people):
    _course, lesson, _ = scorm_course(version)
    headers = api(people.student_a1)
    response = client.post(_cmi_url(lesson), headers=headers, json={"values": {
        element: value, "cmi.suspend_data" if element != "cmi.suspend_data" else "cmi.comments": "ok"}})
    assert response.status_code == 422
    assert element in response.get_json()["error"]["fields"]
    assert scorm_runtime.find_attempt(lesson, people.student_a1, "ITEM1") is None


def test_only_the_learner_reaches_their_cmi_data(scorm_course, client, api, create_user, tree, people):
    from eduplatform.accounts.models import Role

    _course, lesson, _ = scorm_course("1.2")
    other = create_user("other", roles=[Role.STUDENT], org=tree.school_b1)
    response = client.post(_cmi_url(lesson), headers=api(other), json={"values": {"cmi.core.lesson_status": "passed"}})
    assert response.status_code == 403
    # The course's teacher previews: nothing is recorded.
    preview = client.post(_cmi_url(lesson), headers=api(people.teacher_a1),
                          json={"values": {"cmi.core.lesson_status": "passed"}})
    assert preview.get_json()["preview"] is True
    assert not scorm_runtime.attempts_of_lesson(lesson)


# --- the package API ----------------------------------------------------------------------------

def test_package_import_over_the_api_then_a_lesson_uses_it(make_course, client, api, people, storage):
    course = make_course(lessons=(), publish=False)
    headers = api(people.teacher_a1)
    response = client.post("/api/v1/scorm/packages", headers=headers, content_type="multipart/form-data", data={
        "course_id": str(course.id), "file": (io.BytesIO(scorm_zip("2004")), "课件.zip")})
    assert response.status_code == 201, response.get_json()
    package = response.get_json()
    assert package["version"] == "2004" and package["items"][0]["href"] == "sco/index.html"
    assert client.get(f"/api/v1/scorm/packages/{package['id']}", headers=headers).get_json()["id"] == package["id"]
    chapter_id = course.chapters[0].id
    lesson = client.post(f"/api/v1/courses/{course.id}/chapters/{chapter_id}/lessons", headers=headers,
                         json={"title": "SCORM 课时", "kind": "scorm", "scorm_package_id": package["id"]})
    assert lesson.status_code == 201 and lesson.get_json()["scorm_package_id"] == package["id"]
    # A package of another course cannot be borrowed by id.
    other = make_course(title="另一门课", lessons=(), publish=False)
    borrowed = client.post(f"/api/v1/courses/{other.id}/chapters/{other.chapters[0].id}/lessons", headers=headers,
                           json={"title": "借用", "kind": "scorm", "scorm_package_id": package["id"]})
    assert borrowed.status_code == 422 and "scorm_package_id" in borrowed.get_json()["error"]["fields"]


def test_package_api_refuses_other_schools_and_malformed_zips(make_course, client, api, people, storage):
    course = make_course(lessons=(), publish=False)
    package = import_package(people.teacher_a1, course, upload(scorm_zip("1.2"), "课件.zip"))
    db.session.commit()
    packages_before = db.session.scalar(db.select(db.func.count()).select_from(ScormPackage))
    for outsider in (people.teacher_b1, people.district_b_staff, people.student_a1):
        headers = api(outsider)
        assert client.get(f"/api/v1/scorm/packages/{package.id}", headers=headers).status_code == 403
        refused = client.post("/api/v1/scorm/packages", headers=headers, content_type="multipart/form-data", data={
            "course_id": str(course.id), "file": (io.BytesIO(scorm_zip("1.2")), "课件.zip")})
        assert refused.status_code == 403
    bad = client.post("/api/v1/scorm/packages", headers=api(people.teacher_a1), content_type="multipart/form-data",
                      data={"course_id": str(course.id),
                            "file": (io.BytesIO(scorm_zip("1.2", extra={"../evil.html": b"x"})), "bad.zip")})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] in ("bad_package", "archive_refused") and "跳出解压目录" in bad.get_json()["error"]["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(ScormPackage)) == packages_before


def test_attempts_list_only_the_callers_own_for_learners(scorm_course, client, api, people, create_user, tree):
    from eduplatform.accounts.models import Role

    course, lesson, _ = scorm_course("1.2")
    classmate = create_user("a1s2", roles=[Role.STUDENT], org=tree.school_a1)
    enrolment.enrol(classmate, course)
    db.session.commit()
    for learner in (people.student_a1, classmate):
        client.post(_cmi_url(lesson), headers=api(learner),
                    json={"initialize": True, "values": {"cmi.core.lesson_location": "p2"}})
    url = f"/api/v1/scorm/lessons/{lesson.id}/attempts"
    own = client.get(url, headers=api(people.student_a1)).get_json()["items"]
    assert [a["user"]["id"] for a in own] == [people.student_a1.id]
    every = client.get(url, headers=api(people.teacher_a1)).get_json()["items"]
    assert {a["user"]["id"] for a in every} == {people.student_a1.id, classmate.id}
    outsider = create_user("b1s", roles=[Role.STUDENT], org=tree.school_b1)
    assert client.get(url, headers=api(outsider)).status_code == 403
