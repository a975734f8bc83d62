"""Demo courses: a 七年级数学 course by 张老师 with every lesson kind (text, video, document, SCORM 1.2, quiz,
assignment) and the demo student enrolled with his class; a city-wide teacher-training course with
training hours and a SCORM 2004 package, which 张老师 has completed; a training course on approval with
刘老师's request waiting. Idempotent (keyed on the course titles)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from eduplatform.accounts.services import find_user
from eduplatform.core.extensions import db
from eduplatform.courses import catalogue, completion, enrolment, qa, structure
from eduplatform.courses.models import Course, CourseAudience, EnrolmentMode, LessonKind
from eduplatform.courses.samples import make_webm, scorm_zip

STUDENT_COURSE = "七年级数学：一元一次方程"
TRAINING_COURSE = "义务教育数学课程标准（2022年版）解读"
APPROVAL_COURSE = "信息技术与学科教学融合（研修班）"


def _file(data: bytes, name: str, content_type: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type=content_type)


def _docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("一元一次方程 学习指南", level=1)
    for line in ("一、学习目标：理解方程及其解的概念，掌握解一元一次方程的一般步骤。",
                 "二、重点：去分母、去括号、移项、合并同类项、系数化为 1。",
                 "三、难点：列方程解决实际问题（行程、工程、销售问题）。"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _lesson(actor, chapter, kind, title, upload=None, **data):
    return structure.add_lesson(actor, chapter, {"title": title, "kind": kind, "required": data.pop("required", True),
                                                 "body": data.pop("body", ""), **data}, upload=upload)


def seed_demo(log):
    teacher, student, city_staff = find_user("teacher"), find_user("student"), find_user("city_staff")
    if teacher is None or student is None or city_staff is None:
        return []
    made = 0
    if not db.session.scalar(sa.select(Course.id).where(Course.title == STUDENT_COURSE)):
        _student_course(teacher, student)
        made += 1
    if not db.session.scalar(sa.select(Course.id).where(Course.title == TRAINING_COURSE)):
        _training_course(city_staff, teacher)
        made += 1
    if not db.session.scalar(sa.select(Course.id).where(Course.title == APPROVAL_COURSE)):
        _approval_course(city_staff, find_user("teacher2"))
        made += 1
    db.session.flush()
    log(f"网络课程：新建 {made} 门演示课程")
    return []


def _student_course(teacher, student) -> None:
    from eduplatform.questions.models import Paper
    from eduplatform.schools import services as school_services
    from eduplatform.schools.permissions import own_school

    course = catalogue.create_course(teacher, {
        "title": STUDENT_COURSE, "summary": "从“等式”到“方程”：概念、解法与实际问题",
        "description": "<p>本课程配合人教版七年级上册第三章，包括微课视频、学习指南、互动课件、单元测验和课后作业。</p>",
        "stage": "junior", "subject": "math", "grade": "g7", "audience": CourseAudience.STUDENTS,
        "enrolment_mode": EnrolmentMode.OPEN, "training_hours": 0})
    one = structure.add_chapter(teacher, course, "第一节 从算式到方程")
    _lesson(teacher, one, LessonKind.TEXT, "什么是方程", textbook_node="pep-math-7a:3.1",
            body="<p>含有未知数的等式叫做<strong>方程</strong>。只含有一个未知数、未知数的次数是 1 的整式方程叫做"
                 "<strong>一元一次方程</strong>。</p>")
    _lesson(teacher, one, LessonKind.VIDEO, "微课：列方程", _file(make_webm(12.0), "微课-列方程.webm", "video/webm"),
            body="<p>看完视频（至少 90%）即完成本课时。</p>")
    _lesson(teacher, one, LessonKind.DOCUMENT, "学习指南", _file(
        _docx(), "一元一次方程学习指南.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    two = structure.add_chapter(teacher, course, "第二节 解一元一次方程")
    _lesson(teacher, two, LessonKind.SCORM, "互动课件：移项与合并", textbook_node="pep-math-7a:3.2", upload=_file(
        scorm_zip("1.2", title="移项与合并同类项（SCORM 1.2）"), "移项与合并.zip", "application/zip"))
    paper = db.session.scalar(sa.select(Paper).where(Paper.title.like("七年级数学第三章%")).limit(1))
    if paper is not None:
        _lesson(teacher, two, LessonKind.QUIZ, "单元测验", paper_id=paper.id, pass_percent=60, time_limit_minutes=45)
    _lesson(teacher, two, LessonKind.ASSIGNMENT, "课后作业：生活中的方程", max_score=20,
            body="<p>找一个生活中的实际问题，列出一元一次方程并求解，写出检验过程。可以拍照上传。</p>")
    catalogue.publish_course(teacher, course)
    school = own_school(student)
    first_class = next((c for c in school_services.current_classes(school)
                        if any(s.user_id == student.id for s in c.students)), None) if school else None
    if first_class is not None:
        enrolment.enrol_class(teacher, course, first_class)
    else:
        enrolment.enrol(student, course)
    row = enrolment.find_enrolment(course, student)
    completion.mark_opened(course.lessons[0], row, student)
    question = qa.ask(student, course.lessons[0], "方程一定要含有未知数吗？“1+2=3”是方程吗？")
    qa.answer(teacher, question, "方程必须含有未知数，1+2=3 是等式但不是方程。")
    qa.ask(student, course.lessons[1], "视频里第二个例子的等量关系没听懂，可以再讲一下吗？")


def _training_course(city_staff, teacher) -> None:
    course = catalogue.create_course(city_staff, {
        "title": TRAINING_COURSE, "summary": "核心素养导向的课程目标、内容结构与学业质量",
        "description": "<p>面向全市初中数学教师的网络研修课程，完成后计 <strong>12 学时</strong>继续教育学时。</p>",
        "stage": "junior", "subject": "math", "grade": "", "audience": CourseAudience.TEACHERS,
        "enrolment_mode": EnrolmentMode.OPEN, "training_hours": 12, "visible_org_id": city_staff.scope_root.id})
    chapter = structure.add_chapter(city_staff, course, "专题一 课程标准的变化")
    _lesson(city_staff, chapter, LessonKind.TEXT, "修订背景与主要变化",
            body="<p>2022 年版课程标准强调核心素养，优化课程内容结构，研制学业质量标准，增强指导性。</p>")
    _lesson(city_staff, chapter, LessonKind.SCORM, "互动研修课件", _file(
        scorm_zip("2004", title="核心素养与教学设计（SCORM 2004）"), "核心素养.zip", "application/zip"))
    catalogue.publish_course(city_staff, course)
    row = enrolment.enrol(teacher, course)
    for lesson in course.lessons:
        completion.mark_opened(lesson, row, teacher)
        if lesson.kind == LessonKind.SCORM:
            from eduplatform.courses import scorm_runtime

            scorm_runtime.commit(teacher, lesson, row, "ITEM1", {
                "cmi.completion_status": "completed", "cmi.success_status": "passed", "cmi.score.scaled": "0.9",
                "cmi.session_time": "PT25M"}, initialize=True, terminate=True)
    # 向社会公开: asked by its owner, approved by the city bureau's leader (the portal's 公开课程)
    from eduplatform.courses import permissions, publicity

    leader = find_user("leader")
    publicity.request_public(city_staff, course)
    if leader is not None and permissions.can_decide_public_course(leader, course):
        publicity.decide(leader, course, "public", None)


def _approval_course(city_staff, teacher2) -> None:
    course = catalogue.create_course(city_staff, {
        "title": APPROVAL_COURSE, "summary": "名额有限，报名需经审核", "description": "<p>每期 40 人，线上研修。</p>",
        "stage": "", "subject": "it", "grade": "", "audience": CourseAudience.TEACHERS,
        "enrolment_mode": EnrolmentMode.APPROVAL, "training_hours": 8, "visible_org_id": city_staff.scope_root.id})
    chapter = structure.add_chapter(city_staff, course, "第一讲 信息化教学设计")
    _lesson(city_staff, chapter, LessonKind.TEXT, "导学", body="<p>请先阅读导学材料。</p>")
    _lesson(city_staff, chapter, LessonKind.ASSIGNMENT, "研修作业：一份信息化教学设计", max_score=100,
            body="<p>提交一份融合信息技术的教学设计（Word 或 PDF）。</p>")
    catalogue.publish_course(city_staff, course)
    if teacher2 is not None:
        enrolment.enrol(teacher2, course)
