"""Online courses end to end in headless Chromium: a student enrols, watches a video lesson to the end
(progress beats), runs a SCORM 1.2 lesson that reports completed (and resumes it), fails the quiz in the
question bank once, retakes and passes it, and sees the course at 100 %."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from werkzeug.datastructures import FileStorage

from eduplatform.accounts.seed import DEMO_PASSWORD
from eduplatform.core.extensions import db


def login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user")


@pytest.fixture(scope="module")
def journey_course(live_app):
    """A published course by the demo teacher: a 3-second WebM, a SCORM 1.2 package and a two-question quiz."""
    from eduplatform.accounts.services import find_user
    from eduplatform.courses import catalogue, structure
    from eduplatform.courses.models import CourseAudience, EnrolmentMode, LessonKind
    from eduplatform.courses.samples import make_webm, scorm_zip
    from eduplatform.questions import papers, services

    with live_app.app_context():
        teacher = find_user("teacher")
        course = catalogue.create_course(teacher, {
            "title": "浏览器测试课程：方程初步", "summary": "视频、课件与测验", "stage": "junior", "subject": "math",
            "grade": "g7", "audience": CourseAudience.STUDENTS, "enrolment_mode": EnrolmentMode.OPEN,
            "training_hours": 0})
        chapter = structure.add_chapter(teacher, course, "第一章")

        def add(kind, title, upload=None, **data):
            return structure.add_lesson(teacher, chapter, {"title": title, "kind": kind, "required": True,
                                                           "body": "", **data}, upload=upload)

        add(LessonKind.VIDEO, "微课视频", FileStorage(io.BytesIO(make_webm(3.0)), "微课.webm", "video/webm"))
        add(LessonKind.SCORM, "互动课件", FileStorage(io.BytesIO(scorm_zip("1.2")), "课件.zip", "application/zip"))
        questions = [services.create_question(teacher, {
            "type": "single", "stem": stem, "data": {"options": options, "answer": 0}, "analysis": "", "score": 5,
            "difficulty": 1, "subject": "math", "stage": "junior", "grade": "g7", "tags": [], "source": "",
            "sharing": "org"}, knowledge_points=[]) for stem, options in (
            ("方程 $x+1=3$ 的解是", ["$x=2$", "$x=3$", "$x=4$"]),
            ("下列是一元一次方程的是", ["$2x-1=5$", "$x^2=1$", "$x+y=2$"]))]
        paper = papers.create_paper(teacher, {"title": "浏览器测试测验卷", "subject": "math"},
                                    [{"title": "一、选择题", "items": [{"question_id": q.id, "score": 5}
                                                                   for q in questions]}])
        add(LessonKind.QUIZ, "课堂测验", paper_id=paper.id, pass_percent=60, time_limit_minutes=10)
        catalogue.publish_course(teacher, course)
        db.session.commit()
        return course.id, [lesson.id for lesson in course.lessons]


def test_enrol_watch_scorm_quiz_and_reach_100_percent(page, live_server, journey_course):
    course_id, (video_id, scorm_id, quiz_id) = journey_course
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "student")

    # 1. Find the course in the catalogue (Chinese search) and enrol.
    page.goto(f"{live_server}/courses/?q=方程初步")
    page.click(f".course-card[data-course-id='{course_id}'] a")
    page.click("#enrol-button")
    page.wait_for_selector("text=选课成功")
    expect(page.locator("#course-progress")).to_have_attribute("data-percent", "0")

    # 2. Watch the video to the end: the player's beats, not a click, complete the lesson.
    page.goto(f"{live_server}/courses/lessons/{video_id}")
    page.wait_for_function("document.getElementById('lesson-media').readyState >= 1")
    page.evaluate("() => { const v = document.getElementById('lesson-media'); v.muted = true; return v.play(); }")
    expect(page.locator("#lesson-status")).to_have_attribute("data-status", "completed", timeout=15_000)
    expect(page.locator("#course-progress")).to_have_attribute("data-percent", "33")

    # 3. The SCORM 1.2 lesson: the SCO initialises (ab-initio), suspends at page-2, then reports completed.
    page.goto(f"{live_server}/courses/lessons/{scorm_id}")
    sco = page.frame_locator("#scorm-frame")
    expect(sco.locator("body")).to_have_attribute("data-ready", "1")
    expect(sco.locator("#entry")).to_have_text("ab-initio")
    page.reload()  # re-opening resumes where the learner left
    sco = page.frame_locator("#scorm-frame")
    expect(sco.locator("body")).to_have_attribute("data-ready", "1")
    expect(sco.locator("#entry")).to_have_text("resume")
    expect(sco.locator("#location")).to_have_text("page-2")
    expect(sco.locator("#suspend")).to_have_text("q1=a;q2=b")
    sco.locator("#finish").click()
    expect(sco.locator("body")).to_have_attribute("data-finished", "1")
    expect(page.locator("#lesson-status")).to_have_attribute("data-status", "completed")
    expect(page.locator("#course-progress")).to_have_attribute("data-percent", "66")

    # 4. The quiz in the question bank: failed once (both answers wrong), retaken, passed.
    page.goto(f"{live_server}/courses/lessons/{quiz_id}")
    page.click("#start-quiz")
    page.click("#start-exam")

    def answer_and_submit(pick):
        page.wait_for_selector("#exam-app")
        for item in page.locator(".exam-item[data-type=single]").all():
            getattr(item.locator("input[type=radio]"), pick).check()
        page.wait_for_selector("#save-status[data-saved='1']")
        page.click("#submit-exam")
        page.wait_for_url(re.compile(r"/result"))

    answer_and_submit("last")
    page.goto(f"{live_server}/courses/lessons/{quiz_id}")
    expect(page.locator("#quiz-attempts")).to_contain_text("第 1 次作答 / 共 3 次")
    expect(page.locator("#quiz-retake-note")).to_contain_text("还可以作答 2 次")
    page.click("#retake-quiz")
    answer_and_submit("first")

    # 5. Back in the course: every lesson done, 100 %.
    page.goto(f"{live_server}/courses/{course_id}")
    expect(page.locator("#course-progress")).to_have_attribute("data-percent", "100")
    expect(page.locator("#course-completed")).to_be_visible()
    assert page.locator(".lesson-row .badge.text-bg-success").count() == 3
    page.goto(f"{live_server}/courses/mine")
    assert "已完成" in page.locator(f"#my-courses tr[data-course-id='{course_id}']").inner_text()


@pytest.fixture(scope="module")
def scorm2004_lesson(live_app):
    """A student course with a SCORM 2004 (4th edition) package; the demo student is enrolled."""
    from eduplatform.accounts.services import find_user
    from eduplatform.courses import catalogue, enrolment, structure
    from eduplatform.courses.models import CourseAudience, EnrolmentMode, LessonKind
    from eduplatform.courses.samples import scorm_zip

    with live_app.app_context():
        teacher, student = find_user("teacher"), find_user("student")
        course = catalogue.create_course(teacher, {
            "title": "浏览器测试课程：SCORM 2004", "audience": CourseAudience.STUDENTS,
            "enrolment_mode": EnrolmentMode.OPEN, "training_hours": 0})
        chapter = structure.add_chapter(teacher, course, "第一章")
        lesson = structure.add_lesson(teacher, chapter, {
            "title": "2004 课件", "kind": LessonKind.SCORM, "required": True, "body": ""},
            upload=FileStorage(io.BytesIO(scorm_zip("2004")), "课件2004.zip", "application/zip"))
        catalogue.publish_course(teacher, course)
        enrolment.enrol(student, course)
        db.session.commit()
        return lesson.id


def test_scorm_2004_adapter_validates_persists_and_resumes(page, live_server, scorm2004_lesson):
    login(page, live_server, "student")
    page.goto(f"{live_server}/courses/lessons/{scorm2004_lesson}")
    sco = page.frame_locator("#scorm-frame")
    expect(sco.locator("body")).to_have_attribute("data-ready", "1")
    expect(sco.locator("#entry")).to_have_text("ab-initio")
    expect(sco.locator("#status")).to_have_text("not attempted")
    # The adapter answers with the SCORM 2004 error codes, from the table the server sent.
    checks = page.evaluate("""() => {
        const api = window.API_1484_11, out = {};
        out.badVocab = [api.SetValue('cmi.completion_status', 'done'), api.GetLastError()];
        out.outOfRange = [api.SetValue('cmi.score.scaled', '2'), api.GetLastError()];
        out.readOnly = [api.SetValue('cmi.learner_id', 'x'), api.GetLastError()];
        out.undefined = [api.SetValue('cmi.nothing', 'x'), api.GetLastError()];
        out.writeOnly = [api.GetValue('cmi.session_time'), api.GetLastError()];
        out.version = api.GetValue('cmi._version');
        out.passing = api.GetValue('cmi.scaled_passing_score');
        out.interaction = [api.SetValue('cmi.interactions.0.id', 'q1'), api.SetValue('cmi.interactions.0.type', 'choice'),
                           api.GetValue('cmi.interactions._count')];
        out.gap = [api.SetValue('cmi.interactions.5.id', 'q6'), api.GetLastError()];
        return out;
    }""")
    assert checks["badVocab"] == ["false", "406"] and checks["outOfRange"] == ["false", "407"]
    assert checks["readOnly"] == ["false", "404"] and checks["undefined"] == ["false", "401"]
    assert checks["writeOnly"] == ["", "405"] and checks["version"] == "1.0" and checks["passing"] == "0.6"
    assert checks["interaction"] == ["true", "true", "1"] and checks["gap"] == ["false", "351"]
    page.reload()
    sco = page.frame_locator("#scorm-frame")
    expect(sco.locator("body")).to_have_attribute("data-ready", "1")
    expect(sco.locator("#entry")).to_have_text("resume")
    expect(sco.locator("#location")).to_have_text("slide-3")
    expect(sco.locator("#suspend")).to_have_text('{"answers":[1,2]}')
    sco.locator("#finish").click()
    expect(sco.locator("body")).to_have_attribute("data-finished", "1")
    expect(page.locator("#lesson-status")).to_have_attribute("data-status", "completed")
    after = page.evaluate("() => [window.API_1484_11.GetValue('cmi.location'), window.API_1484_11.GetLastError()]")
    assert after == ["", "123"]  # retrieve after termination
