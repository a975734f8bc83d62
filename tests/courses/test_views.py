"""HTML pages: they render for the people they are for, refuse others by id, and show clear errors."""

from __future__ import annotations

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.courses import enrolment
from eduplatform.courses.models import CourseAudience, EnrolmentMode, EnrolmentStatus, Lesson
from tests.assertions import assert_refused_page, count, denials, reread
from tests.courses.conftest import add_lesson


def test_learner_pages(client, auth, make_course, people):
    course = make_course(lessons=("text", "assignment"))
    auth.login(people.student_a1)
    page = client.get("/courses/")
    assert page.status_code == 200 and course.title in page.get_data(as_text=True)
    assert "选课学习" in client.get(f"/courses/{course.id}").get_data(as_text=True)
    response = client.post(f"/courses/{course.id}/enrol", follow_redirects=True)
    assert "选课成功" in response.get_data(as_text=True)
    text = client.get(f"/courses/lessons/{course.lessons[0].id}").get_data(as_text=True)
    assert "方程是含有未知数的等式" in text and "已完成" in text
    assert "作业要求" in client.get(f"/courses/lessons/{course.lessons[1].id}").get_data(as_text=True)
    mine = client.get("/courses/mine").get_data(as_text=True)
    assert course.title in mine and "50%" in mine
    response = client.post(f"/courses/lessons/{course.lessons[0].id}/questions", data={"body": "？"},
                           follow_redirects=True)
    assert "问题须为 2–5000 个字符" in response.get_data(as_text=True)


def test_teacher_pages(client, auth, make_course, people, roster):
    course = make_course(lessons=("text",), mode=EnrolmentMode.CLOSED)
    auth.login(people.teacher_a1)
    assert course.title in client.get("/courses/manage").get_data(as_text=True)
    assert "添加课时" in client.get(f"/courses/{course.id}/structure").get_data(as_text=True)
    learners = client.get(f"/courses/{course.id}/learners").get_data(as_text=True)
    assert roster["class"].name in learners
    response = client.post(f"/courses/{course.id}/enrol-class", data={"class_id": roster["class"].id},
                           follow_redirects=True)
    assert "新增 2 人" in response.get_data(as_text=True)
    board = client.get(f"/courses/{course.id}/dashboard").get_data(as_text=True)
    assert "学生" in board or "stu1" in board
    export = client.get(f"/courses/{course.id}/dashboard.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert client.get(f"/courses/lessons/{course.lessons[0].id}").status_code == 200  # preview


def test_create_course_and_lessons_through_the_forms(client, auth, people, webm_bytes):
    import io

    auth.login(people.teacher_a1)
    response = client.post("/courses/new", data={"title": "音乐欣赏", "audience": "students", "enrolment_mode": "open",
                                                 "subject": "music", "training_hours": ""}, follow_redirects=True)
    assert "课程已创建" in response.get_data(as_text=True)
    from eduplatform.courses.models import Course

    course = db.session.scalar(db.select(Course).where(Course.title == "音乐欣赏"))
    client.post(f"/courses/{course.id}/chapters", data={"title": "第一单元"})
    chapter = course.chapters[0]
    response = client.post(f"/courses/{course.id}/chapters/{chapter.id}/lessons", data={
        "title": "《茉莉花》", "kind": "video", "required": "1", "min_watch_percent": "",
        "file": (io.BytesIO(webm_bytes), "茉莉花.webm")}, content_type="multipart/form-data", follow_redirects=True)
    assert "已添加课时" in response.get_data(as_text=True)
    response = client.post(f"/courses/{course.id}/chapters/{chapter.id}/lessons", data={
        "title": "伪装的视频", "kind": "video", "file": (io.BytesIO(b"not a video at all"), "x.webm")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "文件扩展名 .webm 与实际内容（纯文本）不符" in response.get_data(as_text=True)
    response = client.post(f"/courses/{course.id}/chapters/{chapter.id}/lessons", data={
        "title": "课件", "kind": "scorm", "file": (io.BytesIO(b"PK\x03\x04broken"), "x.zip")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "压缩包未通过安全检查：不是有效的 ZIP 文件或已损坏" in response.get_data(as_text=True)
    assert len(course.lessons) == 1
    response = client.post(f"/courses/{course.id}/status", data={"action": "publish"}, follow_redirects=True)
    assert "课程已发布" in response.get_data(as_text=True)


def test_html_pages_refuse_other_schools_by_id(client, auth, make_course, people, create_user, tree):
    course = make_course(lessons=("text", "assignment"))
    row = enrolment.enrol(people.student_a1, course)
    db.session.commit()
    lesson = course.lessons[0]
    enrol_first = "请先选课（或等待报名审核通过）后再学习"
    auth.login(people.teacher_b1)
    for url in (f"/courses/{course.id}/structure", f"/courses/{course.id}/learners", f"/courses/{course.id}/dashboard",
                f"/courses/{course.id}/dashboard.xlsx", f"/courses/{course.id}/edit",
                f"/courses/lessons/{lesson.id}/edit", f"/courses/lessons/{course.lessons[1].id}/submissions",
                f"/courses/{course.id}/questions"):
        assert_refused_page(client.get(url), url)
    assert_refused_page(client.get(f"/courses/lessons/{lesson.id}"), "lesson", why=enrol_first)
    assert_refused_page(client.post(f"/courses/lessons/{lesson.id}/delete"), "delete")
    assert_refused_page(client.post(f"/courses/enrolments/{row.id}/withdraw"), "withdraw")
    assert len(denials(people.teacher_b1)) == 11
    assert count(Lesson, Lesson.id == lesson.id) == 1
    assert reread(row).status == EnrolmentStatus.ACTIVE
    auth.logout()
    outsider = create_user("b1stud", roles=[Role.STUDENT], org=tree.school_b1)
    auth.login(outsider)
    assert_refused_page(client.get(f"/courses/{course.id}"), "course")
    assert_refused_page(client.get(f"/courses/lessons/{lesson.id}"), "lesson", why=enrol_first)
    assert_refused_page(client.get(f"/courses/lessons/{lesson.id}/file"), "file", why=enrol_first)
    assert len(denials(outsider)) == 3


def test_training_pages(client, auth, make_course, people, tree):
    make_course(title="教师信息技术应用能力提升", audience=CourseAudience.TEACHERS, hours=8, owner=people.city_staff,
                visible_org=tree.city)
    auth.login(people.teacher_a1)
    assert "继续教育学时" in client.get("/courses/training/mine").get_data(as_text=True)
    auth.logout()
    auth.login(people.city_staff)
    report = client.get("/courses/training/report").get_data(as_text=True)
    assert "东湖区教育局" in report and "西山区教育局" in report
    export = client.get(f"/courses/training/report.xlsx?org={tree.district_a.code}")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    auth.logout()
    auth.login(people.district_b_staff)
    assert client.get(f"/courses/training/report?org={tree.district_a.code}").status_code == 403
    assert client.get(f"/courses/training/teachers/{people.teacher_a1.id}").status_code == 403


def test_scorm_lesson_page_embeds_the_adapter(client, auth, make_course, people):
    from eduplatform.courses import catalogue

    course = make_course(lessons=(), publish=False)
    lesson = add_lesson(people.teacher_a1, course.chapters[0], "scorm", title="课件")
    catalogue.publish_course(people.teacher_a1, course)
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    page = client.get(f"/courses/lessons/{lesson.id}").get_data(as_text=True)
    assert 'id="scorm-config"' in page and "scorm-api.js" in page
    assert f"/courses/{course.id}/scorm/{lesson.scorm_package_id}/sco/index.html" in page


def test_home_page_lists_my_courses(client, auth, enrolled, people):
    course, _ = enrolled
    auth.login(people.student_a1)
    page = client.get("/").get_data(as_text=True)
    assert 'id="home-courses"' in page and course.title in page


def test_assignment_file_is_served_to_its_author_and_teacher_with_range(client, auth, make_course, people):
    import io

    from eduplatform.courses.models import AssignmentSubmission

    course = make_course(lessons=("assignment",))
    homework = course.lessons[0]
    enrolment.enrol(people.student_a1, course)
    db.session.commit()
    auth.login(people.student_a1)
    work = "解：x = 1\n".encode() * 50
    handed = client.post(f"/courses/lessons/{homework.id}/submission",
                         data={"text": "见附件", "file": (io.BytesIO(work), "作业.txt")}, content_type="multipart/form-data")
    assert handed.status_code == 302
    submission = db.session.scalar(db.select(AssignmentSubmission).where(AssignmentSubmission.lesson_id == homework.id))
    url = f"/courses/submissions/{submission.id}/file"
    for user in (people.student_a1, people.teacher_a1):
        auth.logout()
        auth.login(user)
        whole = client.get(url)
        assert whole.status_code == 200 and whole.data == work
        assert whole.headers["Content-Disposition"].startswith("attachment;")
        part = client.get(url, headers={"Range": "bytes=3-20"})
        assert part.status_code == 206 and part.data == work[3:21]
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(url).status_code == 403
