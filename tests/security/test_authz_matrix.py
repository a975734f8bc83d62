"""Authorization matrix: every route that names an object, asked by everyone who must not have it.

The routes come from ``app.url_map``. Each converter argument is filled from ``ARGUMENTS`` (which
object kind it names, per domain) with the id or code of a demo object owned by 东湖区第一初级中学
(school A) or 东湖区 (district A) — the objects are in ``targets()``. Each route × method is asked by
the seven outsiders of ``ROLES`` (a student of school A, the other school's teacher, student and
admin, the other district's staff, a 公众用户 and an anonymous visitor). A 2xx answer must neither
show the object (its distinctive text in the body) nor change it (its row, or audit entries about
it), unless the role is one of the object's ``readers`` / ``writers`` (e.g. school A's student
reads the published course of her school).

A new route whose arguments have no known kind fails ``test_every_route_is_classified`` until it is
given one in ``ARGUMENTS`` / ``ENDPOINT_ARGUMENTS`` or is listed in ``PUBLIC`` with a reason.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.documents.seed import HOMEWORK
from eduplatform.learning.mistakes.seed import HOMEWORK as MISTAKES_HOMEWORK
from eduplatform.learning.mistakes.seed import PRACTICE as MISTAKES_PRACTICE
from eduplatform.learning.seed import HOMEWORK as LEARNING_HOMEWORK
from tests.security.conftest import login

pytestmark = pytest.mark.nodb  # runs on its own SQLite database (tests/security/conftest.py)

SCHOOL_A = "2133990102"  # 东湖区第一初级中学: teacher, student, school_admin
#: The asking roles → demo account (None: anonymous). "lower" is school A's student.
ROLES = {"lower": "student", "other_teacher": "teacher2", "other_student": "student2",
         "other_admin": "school_admin2", "other_district": "xs_staff", "public": "citizen",
         "anonymous": None,
         # 家校: the demo student's parent (no org unit) — reads that child's family pages and nothing of
         # the school's own records
         "parent": "parent"}

#: Routes whose arguments name nothing owned by a school or bureau.
PUBLIC = {
    "static": "static files",
    "resources_api.get_spec": "resource type specs are the published vocabulary of the library",
    "workflow.process_detail": "process definitions are platform configuration, owned by no unit",
    "workflow.process_bpmn": "process definitions are platform configuration, owned by no unit",
    "workflow.process_diagram_source": "process definitions are platform configuration, owned by no unit",
    "workflow_api.get_process": "process definitions are platform configuration, owned by no unit",
    "workflow_api.export_bpmn": "process definitions are platform configuration, owned by no unit",
    "resources.textbook_volume": "the 教材目录 is published reference data, owned by no unit (its resources "
                                 "are listed through the ACL-filtered search)",
    "portal.column_page": "a column of the public site lists published articles only, owned by no unit",
    "portal.disclosure_captcha": "a captcha picture of the public form: a random one-time token, no object",
    "families.join_captcha": "a captcha picture of the parents' join form: a random one-time token, no object",
    "editor.image": "a picture put into rich text is public by its unguessable token (43 random characters), "
                    "seen by whoever may see the text it is in (eduplatform/editor/README.md)",
    "resources.oai_pmh": "the OAI-PMH data provider (/oai) disseminates only published 向社会公开 resources and "
                         "the deleted headers of former ones, as /portal/resources shows them to anyone",
    "portal_hotline_api.order_status": "12345's own order number, asked by the hotline system with its token and "
                                       "signature (no user session reaches it: 401 for every role)",
    "distribution_api.node_file": "a school node asks for its delivery's file with its node token (no user "
                                  "session reaches it: 401 for every role)",
    "distribution_api.node_delivery": "a school node asks for its delivery's metadata with its node token (no "
                                      "user session reaches it: 401 for every role)",
    # LTI 1.3 Assignment and Grade Services: asked by a tool with the bearer token of /lti/token
    "lti.line_item": "an AGS line item, asked by the tool with its access token (no user session reaches it: "
                     "401 for every role)",
    "lti.results": "AGS results, asked by the tool with its access token (401 for every role)",
    "lti.scores": "AGS scores, posted by the tool with its access token (401 for every role)",
    "lti.line_items": "a lesson's AGS line items, asked by the tool with its access token (401 for every role)",
    "lti.line_item_create": "a new AGS line item, posted by the tool with its access token (401 for every role)",
}

#: (domain, argument) → object kind. The domain is the blueprint without its ``_api`` suffix.
ARGUMENTS = {
    ("accounts", "user_id"): "user", ("accounts", "lock_id"): "login_lock",
    ("courses", "course_id"): "course", ("courses", "chapter_id"): "chapter",
    ("courses", "lesson_id"): "lesson", ("courses", "enrolment_id"): "enrolment",
    ("courses", "question_id"): "course_question", ("courses", "submission_id"): "course_submission",
    ("courses", "package_id"): "scorm_package", ("courses", "user_id"): "user",
    ("documents", "document_id"): "document", ("documents", "delivery_id"): "document_delivery",
    ("documents", "circulation_id"): "document_circulation", ("documents", "item_id"): "archive_item",
    ("questions", "question_id"): "question", ("questions", "exam_id"): "exam",
    ("questions", "answer_id"): "exam_answer", ("questions", "paper_id"): "paper",
    ("questions", "batch_id"): "question_import", ("questions", "file_id"): "question_media",
    ("home", "notice_id"): "report_notice", ("reporting", "notice_id"): "report_notice", ("reporting", "task_id"): "report_task",
    ("reporting", "submission_id"): "report_submission", ("reporting", "template_id"): "report_template",
    ("resources", "resource_id"): "resource", ("resources", "comment_id"): "resource_comment",
    ("schools", "code"): "school", ("schools", "campus_id"): "campus", ("schools", "class_id"): "class",
    ("schools", "equipment_id"): "equipment", ("schools", "import_id"): "roster_import",
    ("schools", "point_id"): "receiving_point", ("schools", "student_id"): "student",
    ("schools", "teacher_id"): "teacher",
    ("workflow", "instance_id"): "workflow_instance", ("workflow", "task_id"): "workflow_task",
    ("workflow", "day"): "calendar",
    ("portal", "article_id"): "portal_article", ("portal", "attachment_id"): "portal_attachment",
    ("portal", "request_id"): "disclosure_request", ("portal_disclosure", "request_id"): "disclosure_request",
    ("portal", "letter_id"): "leader_letter",
    # class homework: school A's 七年级(1)班 (the demo student's), its items and the student's own answer
    ("learning", "homework_id"): "homework", ("learning", "item_id"): "homework_item",
    ("learning", "answer_id"): "homework_answer", ("learning", "class_id"): "class",
    # 错题本: the demo student's own entry and practice set (nobody else reads them); the class view of
    # school A's 七年级(1)班 (its teachers only)
    ("mistakes", "entry_id"): "mistake", ("mistakes", "set_id"): "practice_set", ("mistakes", "class_id"): "class",
    # 学情: school A's private student (their page, the term report) and its class (students × points)
    ("learning", "student_id"): "student", ("learning_mastery", "class_id"): "class",
    ("learning_mastery", "student_id"): "student",
    ("distribution", "channel_id"): "dist_channel", ("distribution", "push_id"): "dist_push",
    # LTI 1.3: a tool registered by school A; a lesson's launch and its AGS line items
    ("courses", "tool_id"): "lti_tool", ("lti", "lesson_id"): "lesson",
    # 家校: the demo parent's child (the demo student), the 班主任's demo notice, the parent's thread, the link
    ("families", "student_id"): "family_child", ("families", "notice_id"): "family_notice",
    ("families", "thread_id"): "family_thread", ("families", "link_id"): "family_link",
    ("families", "class_id"): "class",
    # 公开资源 / 公开课程 on the public site: school A's draft resource and its (not public) course
    # and lesson answer 404 to everyone there, the anonymous visitor included
    ("portal", "resource_id"): "resource", ("portal", "course_id"): "course", ("portal", "lesson_id"): "lesson",
    # background jobs: school A's teacher's finished export (its file is the teacher's alone)
    ("jobs", "job_id"): "job",
}


@dataclass(frozen=True)
class Literal:
    """A converter argument that is a word of the route, not an object."""

    value: object


#: Per endpoint: arguments whose meaning depends on the route.
ENDPOINT_ARGUMENTS = {
    "courses.chapter_action": {"action": Literal("rename")},
    "courses.lesson_action": {"action": Literal("delete")},
    "courses.scorm_content": {"path": Literal("sco/index.html")},
    "courses_api.scorm_cmi": {"identifier": Literal("ITEM1"), "lesson_id": "scorm_lesson"},
    "courses_api.scorm_commit": {"identifier": Literal("ITEM1"), "lesson_id": "scorm_lesson"},
    "courses_api.scorm_attempts": {"lesson_id": "scorm_lesson"},
    "courses_api.quiz_state": {"lesson_id": "quiz_lesson"},
    "documents_api.get_body_version": {"number": Literal(1)},
    "documents.version_source": {"number": Literal(1)},
    "portal.manage_version": {"number": Literal(1)},
    "courses_api.start_quiz_attempt": {"lesson_id": "quiz_lesson"},
    "courses_api.grant_quiz_attempt": {"lesson_id": "quiz_lesson"},
    "courses.quiz_start": {"lesson_id": "quiz_lesson"},
    "courses.lesson_file": {"lesson_id": "file_lesson"},
    "questions.paper_print": {"variant": Literal("paper")},
    "reporting.submission_attachment": {"attachment_id": "submission_attachment"},
    "reporting.task_attachment": {"attachment_id": "task_attachment"},
    "reporting_api.get_template_version": {"number": Literal(1)},
    "resources.version_file": {"number": Literal(1)},
    "resources.preview_page": {"number": Literal(1)},
    "courses.lesson_page_image": {"lesson_id": "file_lesson", "number": Literal(1)},
    "courses.lesson_thumbnail": {"lesson_id": "file_lesson"},
    "resources_api.download_version": {"number": Literal(1)},
    "workflow.instance_transition": {"key": Literal("approve")},
    "portal.disclosure_step": {"step": Literal("accept")},
    # the annual report a year names is the asker's own bureau's (each sees only their own)
    "portal.annual_report": {"year": Literal(2026)},
    "portal.annual_report_save": {"year": Literal(2026)},
    "portal.annual_report_file": {"year": Literal(2026), "ext": Literal("docx")},
    "portal.annual_report_publish": {"year": Literal(2026)},
    "portal.letter_step": {"step": Literal("route")},
    "portal_disclosure_api.take_step": {"step": Literal("accept")},
    "workflow_api.perform_instance_transition": {"key": Literal("approve")},
    "workflow_api.perform_task_transition": {"key": Literal("approve")},
}

#: A minimal plausible body for state-changing requests (forms ignore fields they do not know).
FORM_BODY = {"title": "越权修改", "name": "越权修改", "body": "越权内容", "text": "越权内容",
             "comment": "越权", "reason": "越权", "score": "100", "action": "approve", "decision": "approve"}
JSON_BODIES = {
    "resources_api.update_resource": {"title": "越权修改"},
    "courses_api.update_course": {"title": "越权修改"},
    "courses_api.update_lesson": {"title": "越权修改"},
    "schools_api.update_school": {"name": "越权修改"},
    "schools_api.update_student": {"name": "越权修改"},
    "schools_api.update_teacher": {"name": "越权修改"},
    "schools_api.update_equipment": {"name": "越权修改"},
    "schools_api.update_receiving_point": {"name": "越权修改"},
    "schools_api.update_campus": {"name": "越权修改", "address": "越权修改"},
    "resources_api.add_comment": {"body": "越权评论"},
    "resources_api.rate": {"stars": 1},
    "courses_api.ask_question": {"body": "越权提问"},
    "courses_api.answer_question": {"body": "越权回答"},
    "courses_api.grade_submission": {"score": 100},
    "questions_api.grade": {"score": 100},
    "reporting_api.review_submission": {"decision": "approve"},
    "reporting_api.remind": {},
}


@dataclass
class Target:
    """A demo object the asking roles do not own."""

    kind: str
    table: str
    id: int | None  # None: the whole table is the object (the working-day calendar)
    value: object  # what fills the URL
    texts: tuple[str | bytes, ...] = ()
    readers: frozenset[str] = frozenset()
    writers: frozenset[str] = frozenset()
    #: kind → URL value, for the other arguments of a route naming this object (its task, course…)
    related: dict = field(default_factory=dict)
    #: audit ``object_type`` values that name this object
    audit_types: tuple[str, ...] = ()
    #: the role standing in for "same school, lower role"; None when the object is that role's own
    lower: str | None = "lower"

    def patterns(self) -> list[bytes]:
        """Each text as it would appear raw, HTML-escaped, or in JSON with ASCII escapes."""
        found = []
        for text in self.texts:
            if isinstance(text, bytes):
                found.append(text)
            elif text:
                found += {text.encode(), str(escape(text)).encode(), json.dumps(text)[1:-1].encode()}
        return found


def _scalar(sql: str, **params):
    return db.session.execute(sa.text(sql), params).scalar()


def _private_file(kind: str, prefix: str = "matrix") -> tuple[int, bytes]:
    """A stored file with content no other object has."""
    from eduplatform.core.storage.services import store_file

    content = f"MATRIX-PRIVATE-{kind}-东湖一中".encode()
    stored = store_file(io.BytesIO(content), prefix=prefix, filename=f"矩阵私有-{kind}.txt",
                        content_type="text/plain")
    return stored.id, content


def _add_private_objects() -> dict:
    """Objects the demo seed has none of, owned by school A (fixtures only: rows written directly)."""
    from eduplatform.accounts.models import LockKind, LoginLock, User
    from eduplatform.courses.models.learning import AssignmentSubmission, SubmissionStatus
    from eduplatform.questions.models.exam import AttemptStatus, ExamAnswer, ExamAttempt
    from eduplatform.questions.transfer import preview_import
    from eduplatform.reporting.models.submissions import SubmissionAttachment
    from eduplatform.reporting.models.tasks import TaskAttachment
    from eduplatform.resources.models import Comment
    from eduplatform.schools.models.roster import RosterImport

    teacher = _scalar("select id from users where username='teacher'")
    student = _scalar("select id from users where username='student'")
    school = _scalar("select id from org_units where code=:c", c=SCHOOL_A)
    made = {}
    made["file"] = _private_file("question-image", prefix="question-media")
    db.session.execute(sa.text("update stored_files set created_by_id=:u where id=:i"),
                       {"u": teacher, "i": made["file"][0]})
    batch = preview_import(db.session.get(User, teacher), fmt="gift", filename="矩阵私有导入.gift",
                           raw="::Q1:: 矩阵私有导入题 {=对 ~错}".encode(), options={"subject": "math"})
    roster_file, _ = _private_file("roster")
    roster = RosterImport(school_id=school, kind="students", file_id=roster_file, status="ready",
                          created_by_id=teacher, summary={"file": "矩阵私有名册.xlsx"})
    comment = Comment(resource_id=_scalar("select id from resources where state='published' and org_id=:s",
                                          s=school), user_id=student, body="矩阵私有评论：陈小明")
    lesson = _scalar("select id from course_lessons where kind='assignment' and course_id=1")
    homework = AssignmentSubmission(lesson_id=lesson, user_id=student, text="矩阵私有作业：买文具的方程",
                                    status=SubmissionStatus.SUBMITTED, file_id=_private_file("homework")[0])
    exam = _scalar("select id from exams where org_id=:s order by id", s=school)
    item = _scalar("select pi.id from paper_items pi join paper_sections ps on ps.id = pi.section_id "
                   "join exams e on e.paper_id = ps.paper_id where e.id=:e order by pi.id", e=exam)
    attempt = ExamAttempt(exam_id=exam, student_id=student, status=AttemptStatus.SUBMITTED,
                          deadline_at=utcnow() + timedelta(hours=1), submitted_at=utcnow())
    # An active address throttle: only the security administrator may see or lift it.
    lock = LoginLock(kind=LockKind.ADDRESS, ip="203.0.113.77", failures=50,
                     sources=[{"username": "矩阵私有锁定", "count": 50}],
                     locked_until=utcnow() + timedelta(hours=1))
    db.session.add_all([batch, roster, comment, homework, attempt, lock])
    db.session.flush()
    answer = ExamAnswer(attempt_id=attempt.id, item_id=item, response="矩阵私有答案")
    task_file, task_content = _private_file("task")
    sub_file, sub_content = _private_file("submission")
    district_task = _scalar("select id from report_tasks where parent_id is not null")
    school_submission = _scalar("select id from report_submissions where school_id=:s", s=school)
    task_attachment = TaskAttachment(task_id=district_task, stored_file_id=task_file)
    sub_attachment = SubmissionAttachment(submission_id=school_submission, field_key="attachments",
                                          stored_file_id=sub_file, created_by_id=teacher)
    db.session.add_all([answer, task_attachment, sub_attachment])
    # the city's 通知 sent to school A (公文交换) and circulated to the city's 核稿人
    from eduplatform.documents.models import Circulation, Delivery

    notice = _scalar("select id from documents where title=:t", t=HOMEWORK)
    delivery = Delivery(document_id=notice, recipient_org_id=school, kind="main", status="pending")
    circulation = Circulation(document_id=notice, reader_id=_scalar("select id from users where username='city_head'"),
                              note="矩阵私有传阅", sent_by_id=_scalar("select id from users where username='city_staff'"))
    db.session.add_all([delivery, circulation])
    # A 归档 件 of the city's 通知 (written directly: the demo archives nothing), its package private.
    from eduplatform.documents.models import ArchiveItem

    package_file, package_content = _private_file("archive-package", prefix="documents/archive")
    city_notice = _scalar("select id from documents where title=:t", t=HOMEWORK)
    archived = ArchiveItem(document_id=city_notice, org_id=_scalar("select org_id from documents where id=:i",
                                                                   i=city_notice),
                           fonds_code="3399000000", year=2026, retention="定期30年", item_number=1,
                           archival_code="3399000000-WS·2026-D30-矩阵私有-0001", title=HOMEWORK,
                           package_key=_scalar("select key from stored_files where id=:i", i=package_file))
    db.session.add_all([archived])
    # A 门户 draft of district A with an attachment: not public, and only 东湖区's staff manage it.
    from eduplatform.portal.models import Article, ArticleAttachment, ArticleVersion

    district_a = _scalar("select id from org_units where code='3399010000'")
    portal_draft = Article(column_id=_scalar("select id from portal_columns where key='notices'"), org_id=district_a,
                           created_by_id=_scalar("select id from users where username='dh_staff'"),
                           title="矩阵私有门户草稿", body="<p>矩阵私有门户正文</p>")
    db.session.add(portal_draft)
    db.session.flush()
    portal_file, portal_content = _private_file("portal-attachment", prefix="portal")
    portal_attachment = ArticleAttachment(article_id=portal_draft.id, file_id=portal_file)
    db.session.add_all([portal_attachment, ArticleVersion(article_id=portal_draft.id, number=1,
                                                          title=portal_draft.title, body=portal_draft.body)])
    # A 校校通 channel of district A with school A's published resource, pushed to district A.
    from eduplatform.distribution.models import Channel, ChannelItem, Push, TargetKind
    from eduplatform.distribution.models import Delivery as DistDelivery

    published = _scalar("select id from resources where state='published' and org_id=:s", s=school)
    version = db.session.execute(sa.text("select sha256, size from resource_versions where resource_id=:r "
                                         "order by number desc"), {"r": published}).first()
    dh_staff = _scalar("select id from users where username='dh_staff'")
    channel = Channel(org_id=district_a, name="矩阵私有频道", description="矩阵私有频道说明", revision=1,
                      created_by_id=dh_staff)
    db.session.add(channel)
    db.session.flush()
    item = ChannelItem(channel_id=channel.id, resource_id=published, added_revision=1, sha256=version[0],
                       size=version[1])
    push = Push(channel_id=channel.id, org_id=district_a, target_org_id=district_a, revision=1,
                target_kind=TargetKind.SUBTREE, target={}, starts_on=utcnow().date(), school_count=1,
                window_start="21:47", window_end="05:13", activated=True, created_by_id=dh_staff)
    db.session.add_all([item, push])
    db.session.flush()
    db.session.add(DistDelivery(push_id=push.id, school_id=school, item_id=item.id, resource_id=published,
                                sha256=version[0], size=version[1], seq=1))
    # A finished background job of school A's teacher, with its private file (only the starter downloads).
    from eduplatform.core.jobs import Job, JobState

    job_file, job_content = _private_file("job-export", prefix="exports")
    job = Job(kind="audit.export_csv", started_by_id=teacher, state=JobState.DONE, progress=100,
              message="矩阵私有任务", result_file_id=job_file, finished_at=utcnow())
    db.session.add(job)
    db.session.commit()
    made["job"] = (job.id, job_content)
    made["dist_channel"], made["dist_push"] = channel.id, push.id
    from eduplatform.courses.models import LtiTool

    lti_tool = LtiTool(name="矩阵私有工具", client_id="matrix-private-tool", deployment_id="d1",
                       login_url="http://tool.invalid/login", launch_url="http://tool.invalid/launch",
                       redirect_urls="http://tool.invalid/launch", jwks_url="http://tool.invalid/jwks",
                       org_id=school, share_name=True, share_email=False, enabled=True)
    db.session.add(lti_tool)
    db.session.commit()
    made["lti_tool"] = lti_tool.id
    made["portal_article"] = portal_draft.id
    made["portal_attachment"] = (portal_attachment.id, portal_content)
    made["archive_item"] = (archived.id, package_content)
    made.update(batch=batch.id, roster=roster.id, comment=comment.id, homework=homework.id,
                answer=answer.id, exam=exam, task_attachment=(task_attachment.id, task_content),
                submission_attachment=(sub_attachment.id, sub_content), lock=lock.id, delivery=delivery.id,
                circulation=circulation.id)
    return made


def targets(made: dict) -> dict[str, Target]:
    """One object of each kind, owned by school A or district A."""
    q = _scalar
    school = q("select id from org_units where code=:c", c=SCHOOL_A)
    student_no, student_name, phone = db.session.execute(sa.text(
        "select student_no, name, guardian_phone from student_profiles where school_id=:s "
        "and user_id is null order by id"), {"s": school}).first()
    student_row = q("select id from student_profiles where student_no=:n and school_id=:s", n=student_no, s=school)
    class_id = q("select class_id from student_profiles where id=:i", i=student_row)
    teacher_row, teacher_name = db.session.execute(sa.text(
        "select id, name from teacher_profiles where school_id=:s and user_id is null order by id"),
        {"s": school}).first()
    asset_no = q("select asset_no from equipment where school_id=:s order by id", s=school)
    course = q("select id from courses where org_id=:s", s=school)
    course_title = q("select title from courses where id=:i", i=course)
    lesson = q("select id from course_lessons where kind='assignment' and course_id=:c", c=course)
    chapter = q("select chapter_id from course_lessons where id=:i", i=lesson)
    draft = q("select id from resources where state='draft' and org_id=:s", s=school)
    reviewing = q("select id from process_instances where process_key='resource_review' and org_id=:s "
                  "and status='active' order by id", s=school)
    review_task = q("select id from workflow_tasks where instance_id=:i and status='open'", i=reviewing)
    exam = made["exam"]
    paper = q("select paper_id from exams where id=:e", e=exam)
    question = q("select id from questions where org_id=:s order by id desc", s=school)
    stem = q("select stem from questions where id=:i", i=question)
    district_task = q("select id from report_tasks where parent_id is not null")
    submission = q("select id from report_submissions where school_id=:s", s=school)
    city_task = q("select task_id from report_submissions where id=:i", i=submission)
    user = q("select id from users where username='teacher'")
    package = q("select id from scorm_packages where course_id=:c", c=course)
    file_id, file_content = made["file"]
    homework_document = q("select id from documents where title=:t", t=HOMEWORK)
    roster_texts = (student_no, student_name, phone, teacher_name, asset_no)
    student_reads = frozenset({"lower"})

    def t(kind, table, id_, **kw):
        return Target(kind, table, id_, kw.pop("value", id_), **kw)

    return {k.kind: k for k in [
        t("user", "users", user, texts=("张老师",), audit_types=("users", "user")),
        t("login_lock", "login_locks", made["lock"], texts=("203.0.113.77", "矩阵私有锁定"),
          audit_types=("login_locks",)),
        t("school", "org_units", school, value=SCHOOL_A, texts=roster_texts, audit_types=("org_units",)),
        t("campus", "school_campuses", q("select id from school_campuses where school_id=:s", s=school),
          texts=(q("select address from school_campuses where school_id=:s", s=school),),
          audit_types=("school_campuses",), related={"school": SCHOOL_A}),
        t("class", "school_classes", class_id, texts=(student_no, student_name), audit_types=("school_classes",),
          related={"school": SCHOOL_A}),
        t("student", "student_profiles", student_row, texts=(student_no, student_name, phone),
          audit_types=("student_profiles",), related={"school": SCHOOL_A}),
        t("teacher", "teacher_profiles", teacher_row, texts=(teacher_name,), audit_types=("teacher_profiles",),
          related={"school": SCHOOL_A}),
        t("equipment", "equipment", q("select id from equipment where asset_no=:a", a=asset_no), texts=(asset_no,),
          audit_types=("equipment",), related={"school": SCHOOL_A}),
        t("receiving_point", "receiving_points", q("select id from receiving_points where school_id=:s", s=school),
          audit_types=("receiving_points",), related={"school": SCHOOL_A}),
        t("roster_import", "roster_imports", made["roster"], texts=("矩阵私有名册",),
          audit_types=("roster_imports",), related={"school": SCHOOL_A}),
        t("resource", "resources", draft, texts=(q("select title from resources where id=:i", i=draft),),
          audit_types=("resource", "resources")),
        t("resource_comment", "resource_comments", made["comment"], readers=frozenset(ROLES), lower=None,
          writers=frozenset({"lower"}), audit_types=("resource_comment", "resource_comments"),
          related={"resource": q("select resource_id from resource_comments where id=:i", i=made["comment"])}),
        t("course", "courses", course, texts=(course_title,), readers=student_reads, audit_types=("courses",)),
        t("chapter", "course_chapters", chapter, readers=student_reads, audit_types=("course_chapters",),
          related={"course": course}),
        t("lesson", "course_lessons", lesson, texts=(q("select title from course_lessons where id=:i", i=lesson),),
          readers=student_reads, audit_types=("course_lessons",), related={"course": course}),
        t("enrolment", "course_enrolments", q("select id from course_enrolments where course_id=:c", c=course),
          readers=student_reads, writers=student_reads, lower=None, audit_types=("course_enrolment",),
          related={"course": course, "lesson": lesson}),
        t("course_question", "course_questions", q("select id from course_questions where course_id=:c", c=course),
          texts=(q("select body from course_questions where course_id=:c", c=course),), readers=student_reads,
          writers=student_reads, lower=None, audit_types=("course_question",), related={"course": course}),
        t("course_submission", "course_submissions", made["homework"], texts=("矩阵私有作业",),
          readers=student_reads, lower=None, audit_types=("course_submission", "course_submissions"),
          related={"lesson": lesson}),
        t("scorm_package", "scorm_packages", package, readers=student_reads, audit_types=("scorm_packages",),
          related={"course": course}),
        t("question", "questions", question, texts=(stem[:24],), audit_types=("questions",)),
        t("paper", "papers", paper, texts=(q("select title from papers where id=:i", i=paper),),
          audit_types=("papers",)),
        t("exam", "exams", exam, texts=(q("select title from exams where id=:i", i=exam),), readers=student_reads,
          audit_types=("exams",)),
        t("exam_answer", "exam_answers", made["answer"], texts=("矩阵私有答案",), readers=student_reads, lower=None,
          audit_types=("exam_answers",), related={"exam": exam}),
        t("question_import", "question_imports", made["batch"], texts=("矩阵私有导入",),
          audit_types=("question_imports",)),
        # A picture the teacher uploaded for a question not yet shared: only the uploader sees it.
        t("question_media", "stored_files", file_id, texts=(file_content,), audit_types=("stored_files",)),
        t("quiz_lesson", "course_lessons", q("select id from course_lessons where kind='quiz' and course_id=:c", c=course),
          readers=student_reads, audit_types=("course_lessons",), related={"course": course}),
        t("scorm_lesson", "course_lessons", q("select id from course_lessons where kind='scorm' and course_id=:c",
                                             c=course), readers=student_reads, audit_types=("course_lessons",),
          related={"course": course}),
        t("file_lesson", "course_lessons", q("select id from course_lessons where kind='video' and course_id=:c",
                                            c=course), readers=student_reads, audit_types=("course_lessons",),
          related={"course": course}),
        t("report_task", "report_tasks", district_task,
          texts=(q("select title from report_tasks where id=:i", i=district_task),), audit_types=("report_task",)),
        t("report_submission", "report_submissions", submission, texts=("王校长",),
          audit_types=("report_submission",), related={"report_task": city_task}),
        t("submission_attachment", "report_submission_attachments", made["submission_attachment"][0],
          texts=(made["submission_attachment"][1],), related={"report_submission": submission}),
        t("task_attachment", "report_task_attachments", made["task_attachment"][0],
          texts=(made["task_attachment"][1],), related={"report_task": district_task}),
        # The city's template: every bureau reads it (a district passes the city's tasks down).
        t("report_template", "report_templates", q("select id from report_templates order by id"),
          texts=(q("select name from report_templates order by id"),), readers=frozenset({"other_district"}),
          audit_types=("report_template",)),
        t("report_notice", "notices", q("select id from notices where realm = 'reporting' and org_id=:s order by id", s=school),
          audit_types=("report_notice",)),
        t("workflow_instance", "process_instances", reviewing,
          texts=(q("select title from process_instances where id=:i", i=reviewing),),
          audit_types=("process_instance",)),
        t("workflow_task", "workflow_tasks", review_task, audit_types=("workflow_task",),
          related={"workflow_instance": reviewing}),
        t("calendar", "calendar_days", None, value="2026-12-25"),
        # The city's 通知 waiting at 签发: its flow and the city bureau read it, no school or district yet.
        t("document", "documents", homework_document, texts=(HOMEWORK,), audit_types=("document",)),
        t("document_delivery", "document_deliveries", made["delivery"]),
        t("document_circulation", "document_circulations", made["circulation"], texts=("矩阵私有传阅",)),
        # its 归档 件 (rows written by the fixture): read by whoever reads the document
        t("archive_item", "document_archive_items", made["archive_item"][0],
          texts=("3399000000-WS·2026-D30-矩阵私有-0001", made["archive_item"][1]), audit_types=("archive_item",)),
        t("job", "jobs", made["job"][0], texts=("矩阵私有任务", made["job"][1]), audit_types=("jobs",)),
        # a 门户 draft of district A and its attachment: nobody outside 东湖区's staff sees either
        t("portal_article", "portal_articles", made["portal_article"], texts=("矩阵私有门户草稿", "矩阵私有门户正文"),
          audit_types=("portal_article",)),
        t("portal_attachment", "portal_article_attachments", made["portal_attachment"][0],
          texts=(made["portal_attachment"][1],), related={"portal_article": made["portal_article"]}),
        # 东湖区's 校校通 channel and its push: only that bureau's staff see them (the city above too)
        t("dist_channel", "dist_channels", made["dist_channel"], texts=("矩阵私有频道",), audit_types=("dist_channel",)),
        t("lti_tool", "lti_tools", made["lti_tool"], texts=("矩阵私有工具", "matrix-private-tool"),
          audit_types=("lti_tool",)),
        t("dist_push", "dist_pushes", made["dist_push"], texts=("矩阵私有频道", "21:47–05:13"),
          audit_types=("dist_push",)),
        # 东湖区's demo 依申请公开 request (being handled): only that bureau's staff read it
        t("disclosure_request", "disclosure_requests",
          q("select id from disclosure_requests where name = :n", n="东湖区申请人吴晓东"),
          texts=("东湖区申请人吴晓东", "339901197801010033"), audit_types=("disclosure_request",)),
        # today's demo homework of school A's 七年级(1)班: its students read it and hand in; the demo
        # student's photo hand-in is theirs (readers), marked by the class's 数学 teacher only
        t("homework", "homeworks", q("select id from homeworks where title=:t", t=LEARNING_HOMEWORK),
          texts=("完成后拍照上交练习册",), readers=student_reads, audit_types=("homework",)),
        t("homework_item", "homework_items", q("select id from homework_items where title like '练习册第 12 页%'"),
          texts=("练习册第 12 页",), readers=student_reads, writers=student_reads, audit_types=("homework_item",),
          related={"homework": q("select id from homeworks where title=:t", t=LEARNING_HOMEWORK)}),
        t("homework_answer", "homework_answers", q("select id from homework_answers where text='第 12 页已完成'"),
          texts=("第 12 页已完成",), readers=student_reads, lower=None, audit_types=("homework_answer",)),
        # 错题本: the demo student's entry from the demo homework and her demo practice set
        t("mistake", "learning_mistakes", q("select id from learning_mistakes where last_source_label=:l",
                                             l="作业：" + MISTAKES_HOMEWORK),
          texts=("作业：" + MISTAKES_HOMEWORK,), readers=student_reads, writers=student_reads, lower=None,
          audit_types=("mistake",)),
        t("practice_set", "learning_practice_sets", q("select id from learning_practice_sets where title=:t",
                                                      t=MISTAKES_PRACTICE),
          texts=(MISTAKES_PRACTICE,), readers=student_reads, writers=student_reads, lower=None,
          audit_types=("practice_set",)),
        # 家校: the demo parent's child, its class's demo notice (回执 by the parent), the parent's thread
        # with the 班主任, and the link itself — the parent reads (and acknowledges, writes) only these
        t("family_child", "student_profiles", q("select student_id from family_parent_links order by id"),
          texts=("本周五下午 4:00",), readers=frozenset({"parent"}), writers=frozenset({"parent"}),
          audit_types=("student_profiles",)),
        t("family_notice", "family_class_notices", q("select id from family_class_notices order by id"),
          texts=("本周五下午 4:00",), readers=frozenset({"parent"}), writers=frozenset({"parent"}),
          audit_types=("family_notice",),
          related={"family_child": q("select student_id from family_parent_links order by id")}),
        t("family_thread", "family_threads", q("select id from family_threads order by id"),
          texts=("孩子这周数学作业有点吃力",), readers=frozenset({"parent"}), writers=frozenset({"parent"}),
          audit_types=("family_thread",)),
        t("family_link", "family_parent_links", q("select id from family_parent_links order by id"),
          texts=("陈爸爸（父亲）",), readers=frozenset({"parent"}), audit_types=("family_link",)),
        # 东湖区's demo 领导信箱 letter (not published): only that bureau's staff read it
        t("leader_letter", "leader_letters", q("select id from leader_letters where name = :n", n="东湖区来信人吴芳"),
          texts=("东湖区来信人吴芳", "13905716789"), audit_types=("leader_letter",)),
    ]}


def domain_of(endpoint: str) -> str:
    return endpoint.split(".")[0].removesuffix("_api")


def classify(rule) -> dict[str, str | Literal] | None:
    """argument → kind or Literal; None when some argument has no known meaning."""
    meaning = {}
    for argument in rule.arguments:
        kind = ENDPOINT_ARGUMENTS.get(rule.endpoint, {}).get(argument) or \
            ARGUMENTS.get((domain_of(rule.endpoint), argument))
        if kind is None:
            return None
        meaning[argument] = kind
    return meaning


def object_routes(app):
    """(rule, method) for every route with an argument, except PUBLIC ones."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.arguments and rule.endpoint not in PUBLIC:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_every_route_is_classified(demo_app):
    unknown = [f"{rule.endpoint} {rule.rule}" for rule, _ in object_routes(demo_app) if classify(rule) is None]
    assert not unknown, ("routes whose arguments name no known object kind — give them an owner in "
                         "ARGUMENTS / ENDPOINT_ARGUMENTS, or list them in PUBLIC with a reason:\n" + "\n".join(unknown))


def fill(meaning: dict, objects: dict[str, Target]) -> tuple[dict, list[Target]]:
    """URL values, and the objects the request must not reach. A kind that another argument's object
    names as its context (a submission's task, a lesson's course) is filled from that object and
    not checked itself."""
    kinds = [kind for kind in meaning.values() if not isinstance(kind, Literal)]
    values, checked = {}, []
    for arg, kind in meaning.items():
        if isinstance(kind, Literal):
            values[arg] = kind.value
            continue
        parents = [objects[other].related[kind] for other in kinds if other != kind and kind in objects[other].related]
        if parents:
            values[arg] = parents[0]
        else:
            values[arg] = objects[kind].value
            checked.append(objects[kind])
    return values, checked


def fingerprint(target: Target):
    if target.id is None:
        rows = db.session.execute(sa.text(f"select * from {target.table} order by 1")).all()
    else:
        rows = db.session.execute(sa.text(f"select * from {target.table} where id=:i"), {"i": target.id}).all()
    audits = 0
    if target.audit_types and target.id is not None:
        audits = db.session.execute(sa.text(
            "select count(*) from audit_entries where realm != 'security' and object_id = :i and object_type in "
            f"({', '.join(repr(t) for t in target.audit_types)})"), {"i": str(target.id)}).scalar()
    return json.dumps([list(r) for r in rows], default=str), audits


@pytest.fixture(scope="module")
def matrix(demo_app):
    saved = db.session
    db.session = db._make_scoped_session({})
    try:
        with demo_app.app_context():
            objects = targets(_add_private_objects())
        yield demo_app, objects
    finally:
        db.session = saved


def test_no_outsider_reads_or_changes_a_foreign_object(matrix, demo, record_property):
    app, objects = matrix
    clients = {role: login(app, username) for role, username in ROLES.items()}
    requests, leaks, unfilled = 0, [], []
    answered: dict[str, dict[int, int]] = {role: {} for role in clients}  # role → status class → count
    routes = list(object_routes(app))
    for rule, method in routes:
        meaning = classify(rule)
        if meaning is None:
            continue  # test_every_route_is_classified says so
        values, checked = fill(meaning, objects)
        if any(v is None for v in values.values()):
            unfilled.append(rule.rule)
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for role, client in clients.items():
            if all(target.lower is None for target in checked) and role == "lower":
                continue
            with app.app_context():
                before = [fingerprint(target) for target in checked]
            kwargs = {}
            if method != "GET":
                if rule.rule.startswith("/api/"):
                    kwargs["json"] = JSON_BODIES.get(rule.endpoint, {})
                else:
                    kwargs["data"] = dict(FORM_BODY)
            response = client.open(url, method=method, **kwargs)
            requests += 1
            answered[role][response.status_code // 100] = answered[role].get(response.status_code // 100, 0) + 1
            if not 200 <= response.status_code < 300:
                continue
            with app.app_context():
                after = [fingerprint(target) for target in checked]
            body = response.get_data()
            for target, old, new in zip(checked, before, after, strict=True):
                if role not in target.readers:
                    shown = [p.decode(errors="replace") for p in target.patterns() if p in body]
                    if shown:
                        leaks.append(f"{method} {url} as {role}: {response.status_code} shows {target.kind} {shown}")
                if role not in target.writers and old != new:
                    leaks.append(f"{method} {url} as {role}: {response.status_code} changed {target.kind}")
    record_property("requests", requests)
    print(f"\nauthorization matrix: {len(routes)} routes × {len(clients)} roles → {requests} requests, "
          f"{len(leaks)} leaks")
    for role, classes in answered.items():
        print(f"  {role:<15} " + "  ".join(f"{c}xx: {n}" for c, n in sorted(classes.items())))
    assert not unfilled, f"routes with no demo object to name: {unfilled}"
    assert not leaks, "\n".join(leaks)


#: Accounts that own or oversee the targets: between them, every GET route above must answer them
#: (< 400) — otherwise the route was filled with the wrong object and its row of the matrix tests nothing.
OWNERS = ["teacher", "school_admin", "dh_staff", "city_staff", "student", "parent"]
#: GET routes no owner can open with the demo objects, and why.
UNREACHED = {"resources.thumbnail": "the draft resource has no thumbnail (its owner gets 404 after the check)",
             "resources.preview_page": "the demo resource's file has no page preview (404 after the check)",
             "courses.lesson_page_image": "the demo lesson plays no resource with a page preview (404 after the check)",
             "courses.lesson_thumbnail": "the demo lesson plays no resource with a thumbnail (404 after the check)",
             "documents.sealed_pdf": "the document at 签发 is not sealed yet (its readers get 404 after the check)",
             "documents_api.get_sealed_pdf": "the document at 签发 is not sealed yet",
             "documents.version_source": "the demo 正文 versions were typed, not uploaded (404 after the check)",
             "documents_api.diff_document": "asks for ?a=&b= (its reader gets 422 naming them, after the check)",
             "portal.article_page": "the 门户 object is a draft: public only once published (404 for everyone)",
             "portal.article_print": "the 门户 object is a draft: public only once published (404 for everyone)",
             "portal.attachment": "the 门户 object is a draft: its attachment is public only once published",
             "portal_api.get_article": "the 门户 object is a draft: public only once published (404 for everyone)",
             "portal.disclosure_letter": "the 东湖区 demo request is not answered yet (404 after the check)",
             "portal.disclosure_attachment": "the 东湖区 demo request came without an attachment (404 after the check)",
             "portal_disclosure_api.get_letter": "the 东湖区 demo request is not answered yet (404 after the check)",
             "portal.letter_attachment": "the 东湖区 demo letter came without an attachment (404 after the check)",
             "portal.letter_public": "the 东湖区 demo letter is not published (404 for everyone)",
             **{endpoint: "公开资源 / 公开课程 of the public site: the matrix's resource is a draft and its course "
                          "is not 向社会公开 — 404 for everyone, its owner included (tests/portal/test_open_items.py "
                          "reaches the public ones)"
                for endpoint in ("portal.open_resource", "portal.open_resource_file", "portal.open_resource_thumbnail",
                                 "portal.open_course", "portal.open_lesson", "portal.open_lesson_file")}}


def test_owners_reach_every_object_page(matrix, demo):
    from flask import url_for

    app, objects = matrix
    clients = [login(app, username) for username in OWNERS]
    unreached = []
    for rule, method in object_routes(app):
        if method != "GET" or rule.endpoint in UNREACHED:
            continue
        values, _ = fill(classify(rule), objects)
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        codes = [client.get(url).status_code for client in clients]
        if not any(code < 400 for code in codes):
            unreached.append(f"{rule.endpoint} {url} {dict(zip(OWNERS, codes, strict=True))}")
    assert not unreached, "GET routes no owner reaches (wrong object in the matrix?):\n" + "\n".join(unreached)
