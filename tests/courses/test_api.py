"""The REST API: catalogue, structure, enrolments, progress beats, training records — and who may do what
(a learner sees only their own progress; another school or district cannot read or change by id)."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.courses import enrolment
from eduplatform.courses.models import CourseAudience
from tests.courses.conftest import add_lesson


def test_create_structure_publish_and_read_over_the_api(client, api, people):
    headers = api(people.teacher_a1)
    created = client.post("/api/v1/courses", headers=headers, json={
        "title": "七年级语文：古诗词鉴赏", "summary": "读懂唐诗宋词", "stage": "junior", "subject": "chinese",
        "grade": "g7", "audience": "students", "enrolment_mode": "open"})
    assert created.status_code == 201, created.get_json()
    course_id = created.get_json()["id"]
    chapter = client.post(f"/api/v1/courses/{course_id}/chapters", headers=headers, json={"title": "第一单元"})
    chapter_id = chapter.get_json()["id"]
    lesson = client.post(f"/api/v1/courses/{course_id}/chapters/{chapter_id}/lessons", headers=headers,
                         json={"title": "《静夜思》", "kind": "text", "body": "<p>床前明月光</p>"})
    assert lesson.status_code == 201 and lesson.get_json()["completion_rule"] == "打开阅读即完成"
    assert client.post(f"/api/v1/courses/{course_id}/publish", headers=headers).get_json()["status"] == "published"
    detail = client.get(f"/api/v1/courses/{course_id}", headers=api(people.student_a1)).get_json()
    assert detail["chapters"][0]["lessons"][0]["title"] == "《静夜思》"
    assert detail["teacher"]["name"] == people.teacher_a1.display_name and detail["enrolment_count"] == 0
    listed = client.get("/api/v1/courses?subject=chinese", headers=api(people.student_a1)).get_json()
    assert [c["id"] for c in listed["items"]] == [course_id]
    assert client.get("/api/v1/courses?subject=math", headers=api(people.student_a1)).get_json()["total"] == 0


def test_bad_input_is_a_clear_422(client, api, people):
    headers = api(people.teacher_a1)
    response = client.post("/api/v1/courses", headers=headers, json={"title": "", "audience": "aliens"})
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == "invalid"
    assert "audience" in body["error"]["fields"] and "title" in body["error"]["fields"]
    response = client.post("/api/v1/courses", headers=headers, json={"title": "学生课", "training_hours": 3})
    assert response.status_code == 422 and "training_hours" in response.get_json()["error"]["fields"]


def test_catalogue_search_in_chinese(client, api, people, make_course):
    make_course(title="二次函数的图像与性质")
    make_course(title="英语阅读理解")
    found = client.get("/api/v1/courses?q=函数", headers=api(people.student_a1)).get_json()
    assert [c["title"] for c in found["items"]] == ["二次函数的图像与性质"]


def test_catalogue_filters_by_stage_grade_and_audience(client, api, make_course, people, create_user, tree):
    from eduplatform.courses import catalogue

    g7 = make_course(title="七年级方程")
    g8 = make_course(title="八年级函数")
    catalogue.update_course(people.teacher_a1, g8, {"grade": "g8"})
    primary = make_course(title="小学数学")
    catalogue.update_course(people.teacher_a1, primary, {"stage": "primary", "grade": "g5"})
    training = make_course(title="数学教师培训", audience=CourseAudience.TEACHERS, hours=2)
    db.session.commit()
    both = create_user("both", roles=[Role.STUDENT, Role.TEACHER], org=tree.school_a1)

    def ids(user, query):
        return {c["id"] for c in client.get(f"/api/v1/courses?{query}", headers=api(user)).get_json()["items"]}

    assert ids(people.student_a1, "grade=g7") == {g7.id}
    assert ids(people.student_a1, "stage=primary") == {primary.id}
    assert ids(people.student_a1, "stage=junior") == {g7.id, g8.id}
    assert ids(both, "audience=teachers") == {training.id}
    assert ids(both, "audience=students") == {g7.id, g8.id, primary.id}
    assert ids(people.student_a1, "audience=teachers") == set()  # students never see training courses
    assert ids(people.student_a1, "q=函数&grade=g8") == {g8.id}
    assert ids(people.student_a1, "q=函数&grade=g7") == set()


def test_students_of_other_schools_do_not_see_a_school_course(client, api, make_course, create_user, tree):
    course = make_course()
    other = create_user("b1s", roles=[Role.STUDENT], org=tree.school_b1)
    headers = api(other)
    assert client.get(f"/api/v1/courses/{course.id}", headers=headers).status_code == 403
    assert client.post(f"/api/v1/courses/{course.id}/enrolments", headers=headers).status_code == 403
    assert client.get("/api/v1/courses", headers=headers).get_json()["total"] == 0


def test_other_teachers_and_districts_cannot_change_a_course(client, api, make_course, people):
    from eduplatform.courses.models import Chapter, Lesson
    from tests.assertions import api_error, count, denials, reread

    course = make_course()
    lesson = course.lessons[0]
    title = course.title
    for user in (people.teacher_b1, people.district_b_staff, people.school_b1_admin):
        headers = api(user)
        answers = [client.patch(f"/api/v1/courses/{course.id}", headers=headers, json={"title": "x"}),
                   client.post(f"/api/v1/courses/{course.id}/chapters", headers=headers, json={"title": "x"}),
                   client.delete(f"/api/v1/lessons/{lesson.id}", headers=headers),
                   client.get(f"/api/v1/courses/{course.id}/progress", headers=headers)]
        assert [a.status_code for a in answers] == [403] * 4, user.username
        assert [api_error(a)["code"] for a in answers] == ["forbidden"] * 4
        assert len(denials(user)) == 4, user.username
    assert reread(course).title == title
    assert count(Chapter, Chapter.course_id == course.id) == 1
    assert count(Lesson, Lesson.id == lesson.id) == 1
    # The district above sees the figures (read-only) but may not change anything.
    above = api(people.district_a_staff)
    figures = client.get(f"/api/v1/courses/{course.id}/progress", headers=above)
    assert figures.status_code == 200
    assert figures.get_json()["course_id"] == course.id
    assert [row["title"] for row in figures.get_json()["lessons"]] == [lesson.title]
    change = client.patch(f"/api/v1/courses/{course.id}", headers=above, json={"title": "x"})
    assert change.status_code == 403
    assert api_error(change)["code"] == "forbidden"
    assert len(denials(people.district_a_staff)) == 1
    assert reread(course).title == title


def test_a_student_sees_only_their_own_progress(client, api, make_course, people, create_user, tree):
    course = make_course(lessons=("text", "text"))
    classmate = create_user("a1s2", roles=[Role.STUDENT], org=tree.school_a1)
    mine = enrolment.enrol(people.student_a1, course)
    theirs = enrolment.enrol(classmate, course)
    db.session.commit()
    headers = api(people.student_a1)
    client.post(f"/api/v1/lessons/{course.lessons[0].id}/open", headers=headers)
    progress = client.get(f"/api/v1/courses/{course.id}/progress", headers=headers).get_json()
    assert [r["user"]["id"] for r in progress["learners"]] == [people.student_a1.id]
    assert progress["learners"][0]["progress_percent"] == 50
    enrolments = client.get(f"/api/v1/courses/{course.id}/enrolments", headers=headers).get_json()
    assert [e["id"] for e in enrolments["items"]] == [mine.id]
    assert client.get(f"/api/v1/lessons/{course.lessons[0].id}/progress?user_id={classmate.id}",
                      headers=headers).status_code == 403
    assert client.post(f"/api/v1/enrolments/{theirs.id}/withdraw", headers=headers).status_code == 403
    # The teacher sees both.
    teacher = client.get(f"/api/v1/courses/{course.id}/progress", headers=api(people.teacher_a1)).get_json()
    assert {r["user"]["id"] for r in teacher["learners"]} == {people.student_a1.id, classmate.id}


def test_beats_over_the_api(client, api, make_course, people, webm_bytes):
    course = make_course(lessons=(), publish=False)
    video = add_lesson(people.teacher_a1, course.chapters[0], "video", data=webm_bytes)
    client.post(f"/api/v1/courses/{course.id}/publish", headers=api(people.teacher_a1))
    headers = api(people.student_a1)
    url = f"/api/v1/lessons/{video.id}/progress"
    assert client.post(url, headers=headers, json={"position": 1, "ranges": [[0, 1]]}).status_code == 403
    client.post(f"/api/v1/courses/{course.id}/enrolments", headers=headers)
    client.post(f"/api/v1/lessons/{video.id}/open", headers=headers)
    result = client.post(url, headers=headers, json={"position": 2, "ranges": [[0, 2]], "seq": 1}).get_json()
    assert result["percent"] == 50 and result["beat_count"] == 1
    bad = client.post(url, headers=headers, json={"position": "x", "ranges": [[1]]})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"
    result = client.post(url, headers=headers, json={"position": 4, "ranges": [[2, 4]], "seq": 2,
                                                     "event": "ended"}).get_json()
    assert result["status"] == "completed" and result["course_completed"] is True
    # Another student (not enrolled) cannot send beats for it.
    assert client.post(url, headers=api(people.teacher_a1), json={"position": 1}).status_code == 403


def test_media_are_streamed_with_range_requests(client, auth, make_course, people, webm_bytes):
    course = make_course(lessons=(), publish=False)
    video = add_lesson(people.teacher_a1, course.chapters[0], "video", data=webm_bytes)
    from eduplatform.courses import catalogue

    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    whole = client.get(f"/courses/lessons/{video.id}/file")
    assert whole.status_code == 200 and whole.data == webm_bytes and whole.mimetype == "video/webm"
    part = client.get(f"/courses/lessons/{video.id}/file", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == webm_bytes[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(webm_bytes)}"
    beyond = client.get(f"/courses/lessons/{video.id}/file", headers={"Range": f"bytes={len(webm_bytes) + 5}-"})
    assert beyond.status_code == 416


def test_approval_decision_by_id_is_for_the_course_teacher_only(client, api, make_course, people):
    from eduplatform.courses.models import EnrolmentMode

    course = make_course(mode=EnrolmentMode.APPROVAL)
    row = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=api(people.student_a1)).get_json()
    assert row["status"] == "pending"
    url = f"/api/v1/enrolments/{row['id']}/decision"
    assert client.post(url, headers=api(people.teacher_b1), json={"approve": True}).status_code == 403
    assert client.post(url, headers=api(people.student_a1), json={"approve": True}).status_code == 403
    done = client.post(url, headers=api(people.teacher_a1), json={"approve": True})
    assert done.status_code == 200 and done.get_json()["status"] == "active"


def test_class_enrolment_over_the_api(client, api, make_course, people, roster):
    course = make_course()
    response = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=api(people.teacher_a1),
                           json={"class_id": roster["class"].id})
    assert response.get_json() == {"added": 2, "already": 0, "no_account": 1}
    refused = client.post(f"/api/v1/courses/{course.id}/enrolments", headers=api(people.teacher_b1),
                          json={"class_id": roster["class"].id})
    assert refused.status_code == 403


def test_training_records_and_summary(client, api, make_course, people, tree):
    from eduplatform.courses import completion

    course = make_course(title="师德师风培训", audience=CourseAudience.TEACHERS, hours=6, owner=people.city_staff,
                         visible_org=tree.city)
    row = enrolment.enrol(people.teacher_a1, course)
    completion.mark_opened(course.lessons[0], row, people.teacher_a1)
    db.session.commit()
    own = client.get("/api/v1/training-records", headers=api(people.teacher_a1)).get_json()
    assert own["year_hours"] == 6 and own["records"][0]["title"] == "师德师风培训" and own["target"] == 360
    url = f"/api/v1/training-records?user_id={people.teacher_a1.id}"
    assert client.get(url, headers=api(people.school_a1_admin)).status_code == 200
    assert client.get(url, headers=api(people.district_a_staff)).status_code == 200
    for outsider in (people.school_b1_admin, people.district_b_staff, people.teacher_b1, people.student_a1):
        assert client.get(url, headers=api(outsider)).status_code == 403
    summary = client.get(f"/api/v1/training-records/summary?org={tree.city.code}",
                         headers=api(people.city_staff)).get_json()
    assert summary["total"]["cycle_hours"] == 6
    assert client.get(f"/api/v1/training-records/summary?org={tree.district_a.code}",
                      headers=api(people.district_b_staff)).status_code == 403
    assert client.get(f"/api/v1/training-records/summary?org={tree.school_a1.code}",
                      headers=api(people.teacher_a1)).status_code == 403


def test_openapi_documents_the_courses_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/courses", "/api/v1/courses/{course_id}/enrolments", "/api/v1/lessons/{lesson_id}/progress",
                 "/api/v1/scorm/packages", "/api/v1/scorm/lessons/{lesson_id}/items/{identifier}/cmi",
                 "/api/v1/training-records"):
        assert path in paths, path


def test_partial_update_of_training_hours(client, api, make_course, people, tree):
    course = make_course(title="班主任培训", audience=CourseAudience.TEACHERS, hours=4, owner=people.city_staff,
                         visible_org=tree.city)
    headers = api(people.city_staff)
    response = client.patch(f"/api/v1/courses/{course.id}", headers=headers, json={"training_hours": 6})
    assert response.status_code == 200
    assert response.get_json()["training_hours"] == 6
    db.session.expire_all()
    assert (course.training_hours, course.title, course.audience) == (6, "班主任培训", CourseAudience.TEACHERS)
    student_course = make_course()
    refused = client.patch(f"/api/v1/courses/{student_course.id}", headers=api(people.teacher_a1),
                           json={"training_hours": 6})
    assert refused.status_code == 422
    assert refused.get_json()["error"] == {"code": "invalid", "message": "只有教师培训课程可以设置继续教育学时",
                                           "fields": {"training_hours": ["仅教师课程可设学时"]}}
    db.session.expire_all()
    assert student_course.training_hours == 0


def test_questions_and_assignments_over_the_api(client, api, make_course, people, create_user, tree):
    from eduplatform.accounts.models import Role

    course = make_course(lessons=("text", "assignment"))
    text, homework = course.lessons
    enrolment.enrol(people.student_a1, course)
    classmate = create_user("a1s2", roles=[Role.STUDENT], org=tree.school_a1)
    enrolment.enrol(classmate, course)
    db.session.commit()
    student, teacher = api(people.student_a1), api(people.teacher_a1)
    asked = client.post(f"/api/v1/lessons/{text.id}/questions", headers=student, json={"body": "移项为什么变号？"})
    assert asked.status_code == 201
    question_id = asked.get_json()["id"]
    waiting = client.get(f"/api/v1/courses/{course.id}/questions", headers=teacher).get_json()
    assert [q["id"] for q in waiting["items"]] == [question_id]
    for outsider in (people.teacher_b1, people.student_a1):
        assert client.get(f"/api/v1/courses/{course.id}/questions", headers=api(outsider)).status_code == 403
    url = f"/api/v1/course-questions/{question_id}/answers"
    assert client.post(url, headers=api(people.teacher_b1), json={"body": "x"}).status_code == 403
    assert client.post(url, headers=api(classmate), json={"body": "x"}).status_code == 403
    assert client.post(url, headers=teacher, json={"body": "等式的性质。"}).status_code == 201
    assert client.get(f"/api/v1/courses/{course.id}/questions", headers=teacher).get_json()["total"] == 0

    handed = client.post(f"/api/v1/lessons/{homework.id}/submission", headers=student, json={"text": "x=1"})
    assert handed.status_code == 201
    submission_id = handed.get_json()["id"]
    assert client.get(f"/api/v1/lessons/{homework.id}/submission",
                      headers=api(classmate)).get_json()["submission"] is None
    for outsider in (people.teacher_b1, classmate, people.district_b_staff):
        headers = api(outsider)
        assert client.get(f"/api/v1/lessons/{homework.id}/submissions", headers=headers).status_code == 403
        assert client.post(f"/api/v1/submissions/{submission_id}/grade", headers=headers,
                           json={"score": 100}).status_code == 403
    graded = client.post(f"/api/v1/submissions/{submission_id}/grade", headers=teacher,
                         json={"score": 90, "feedback": "步骤完整"})
    assert graded.status_code == 200 and graded.get_json()["feedback"] == "步骤完整"
    mine = client.get(f"/api/v1/lessons/{homework.id}/progress", headers=student).get_json()
    assert mine["status"] == "completed"
