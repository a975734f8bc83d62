"""One corpus of hostile uploads, sent to EVERY upload and import endpoint of the URL map.

The endpoints are found from the app (every POST/PUT/PATCH view whose code reads uploaded files or
an import body); :data:`ENDPOINTS` says how to reach each one, and
:func:`test_every_upload_endpoint_is_in_the_corpus` fails when a new one appears uncovered.
Each case must be refused (4xx JSON error in the API, a flashed message or 4xx page in HTML) with
a Chinese reason naming the problem, and nothing may be stored: no new rows in any table but the
audit log, no objects, no temp files. The zip bomb runs under tracemalloc with a memory bound.
The files are made here, small: the bomb is 64 MiB of zeros deflated to ~64 KB.
"""

from __future__ import annotations

import inspect
import io
import re
import tracemalloc
import zipfile
from dataclasses import dataclass, field

import pytest

from eduplatform.core.extensions import db
from eduplatform.courses.models import LessonKind
from tests.courses.conftest import add_lesson, make_course  # noqa: F401 - fixtures
from tests.reporting.conftest import issue, make_template, template  # noqa: F401 - fixtures

MiB = 1024 * 1024
UPLOAD_CODE = re.compile(r"request\.files|uploaded_file\(|upload_from_request|import_from_request|request\.stream"
                         r"|get_data\(as_text")


# -- the corpus --------------------------------------------------------------------------------

def _zip(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2026, 12, 2, 0, 0, 0)), data, compress_type=compression)
    return buffer.getvalue()


_BOMB: list[bytes] = []


def zip_bomb() -> bytes:
    """64 MiB of zeros in one entry (~64 KB on disk): ratio ~1000."""
    if not _BOMB:
        buffer = io.BytesIO()
        block = b"\0" * MiB
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
                archive.open("word/document.xml", "w") as member:
            for _ in range(64):
                member.write(block)
        _BOMB.append(buffer.getvalue())
    return _BOMB[0]


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE quiz [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<quiz><question type="essay"><name><text>&lol9;</text></name>'
                    b'<questiontext format="html"><text>&lol9;</text></questiontext></question></quiz>\n')
XXE_CONTENT_TYPES = (b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>')
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200


@dataclass
class Case:
    name: str
    words: str  # a regex the Chinese message must match
    file: tuple[bytes, str] | None = None  # (content, file name); the name's extension may be replaced
    keep_ext: bool = False
    fields: dict = field(default_factory=dict)
    only: str | None = None  # "xml": only where XML is imported
    memory: bool = False


def corpus(ext: str) -> list[Case]:
    arch = ext if ext in ("zip", "docx", "xlsx", "pptx") else "zip"
    return [
        Case("traversal", "跳出", (_zip({"../../etc/cron.d/evil": b"x", "[Content_Types].xml": b"<Types/>"}),
                                   f"a.{arch}"), keep_ext=True),
        Case("absolute path", "绝对路径", (_zip({"/etc/passwd": b"x"}), f"a.{arch}"), keep_ext=True),
        Case("zip bomb", "压缩炸弹", (zip_bomb(), f"bomb.{arch}"), keep_ext=True, memory=True),
        Case("entities in a DOCX part", "实体", (_zip({"[Content_Types].xml": XXE_CONTENT_TYPES,
                                                       "word/document.xml": b"<w:document/>"}), f"x.{arch}"),
             keep_ext=True),
        Case("billion laughs", "实体|炸弹", (BILLION_LAUGHS, "quiz.xml"), keep_ext=True, only="xml"),
        Case("exe renamed .pdf", "可执行", (EXE, "讲义.pdf"), keep_ext=True),
        Case("html renamed .png", "不符", (HTML, "photo.png"), keep_ext=True),
        Case("NUL in the name", "控制字符", (b"hello", f"a\x00.{ext}")),
        Case("overlong name", "过长", (b"hello", "长" * 120 + f".{ext}")),
        Case("huge form field", "过长|过大|上限", (b"hello", f"a.{ext}"), fields={"title": "x" * (2 * MiB)}),
        Case("too many fields", "过多|上限", (b"hello", f"a.{ext}"),
             fields={f"f{i}": "1" for i in range(1500)}),
    ]


# -- the endpoints -------------------------------------------------------------------------------

@dataclass
class Endpoint:
    user: str  # attribute of the World
    url: str  # formatted with the World's attributes
    file_field: str = "file"
    fields: dict = field(default_factory=dict)
    ext: str = "docx"
    xml: bool = False  # imports XML (Moodle XML): gets the billion-laughs case
    method: str = "post"
    body: bool = False  # an import body (CSV/JSON), not a multipart file


COURSEWARE = {"type": "courseware", "title": "二次函数的图像与性质", "description": "九年级数学课件",
              "stage": "初中", "subject": "数学", "grade": "九年级", "keywords": "二次函数"}
LESSON = {"title": "讲义", "kind": "document", "body": ""}
QUESTION_IMPORT = {"format": "moodle_xml", "subject": "math", "stage": "junior", "grade": "g7"}
PAPER_INCOMING = {"doctype": "notice", "title": "关于做好开学工作的通知", "source_org_name": "省教育厅"}
DISCLOSURE_FORM = {"org_id": "{city_id}", "applicant_type": "person", "name": "王晓明", "id_number": "330102199001011234",
                   "phone": "13900001111", "description": "划片范围", "provide_format": "paper", "obtain_method": "mail"}
LETTER_FORM = {"org_id": "{city_id}", "kind": "complaint", "name": "王晓明", "phone": "13900001111", "title": "食堂价格",
               "content": "学校食堂价格偏高"}
TASK_FORM = {"title": "附件任务", "period": "2026", "due_at": "2030-01-01", "instructions": "请填写"}

ENDPOINTS: dict[str, Endpoint] = {
    "portal.disclosure_apply_post": Endpoint("city_staff", "/portal/disclosure/apply", file_field="attachment",
                                             fields=DISCLOSURE_FORM, ext="pdf"),
    "portal.letter_write_post": Endpoint("city_staff", "/portal/letters/write", file_field="attachment",
                                         fields=LETTER_FORM, ext="pdf"),
    "schools.equipment_import": Endpoint("school_admin", "/schools/{school}/equipment/import", ext="xlsx"),
    "schools.import_upload": Endpoint("school_admin", "/schools/{school}/import", ext="xlsx"),
    "schools_api.import_roster": Endpoint("school_admin", "/api/v1/schools/{school}/import", ext="xlsx"),
    "schools_api.import_equipment": Endpoint("school_admin", "/api/v1/schools/{school}/equipment/import",
                                             ext="xlsx"),
    "questions.import_upload": Endpoint("teacher", "/questions/import", fields=QUESTION_IMPORT, ext="xml", xml=True),
    "questions.media_upload": Endpoint("teacher", "/questions/media", ext="png"),
    "editor.upload_image": Endpoint("teacher", "/editor/images", ext="png"),
    "questions_api.import_preview": Endpoint("teacher", "/api/v1/questions/import",
                                             fields=QUESTION_IMPORT, ext="xml", xml=True),
    "reporting.task_new": Endpoint("city_staff", "/reporting/tasks/new", file_field="attachments",
                                   fields={**TASK_FORM, "template_id": "{template_id}", "subtrees": "{city}"}),
    "reporting.submission_excel_import": Endpoint("school_admin", "/reporting/submissions/{submission}/excel",
                                                  ext="xlsx"),
    "reporting.submission_attachment_upload": Endpoint("school_admin",
                                                       "/reporting/submissions/{submission}/attachments"),
    "reporting_api.add_task_attachment": Endpoint("city_staff", "/api/v1/report-tasks/{task}/attachments"),
    "reporting_api.upload_attachment": Endpoint(
        "school_admin", "/api/v1/report-tasks/{task}/submissions/{submission}/attachments"),
    "reporting_api.upload_form": Endpoint("school_admin", "/api/v1/report-tasks/{task}/submissions/{submission}/excel",
                                          ext="xlsx"),
    "reporting_api.import_data_values": Endpoint("city_staff", "/api/v1/report-tasks/{task}/data-values", body=True),
    "resources.upload_post": Endpoint("teacher", "/resources/upload", fields=COURSEWARE, ext="pptx"),
    "resources.upload_file_post": Endpoint("teacher", "/resources/upload/file", ext="pptx"),
    "resources.replace": Endpoint("teacher", "/resources/{resource}/replace", ext="pptx"),
    "resources_api.create_resource": Endpoint("teacher", "/api/v1/resources", fields=COURSEWARE, ext="pptx"),
    "resources_api.replace_file": Endpoint("teacher", "/api/v1/resources/{resource}/versions", ext="pptx"),
    "resources.packages_import": Endpoint("school_admin", "/resources/packages/import", ext="zip"),
    "resources_api.import_package": Endpoint("school_admin", "/api/v1/resource-packages/import", ext="zip"),
    "courses.submit": Endpoint("student", "/courses/lessons/{assignment}/submission", fields={"text": "作业"}),
    "courses.chapter_action": Endpoint("teacher", "/courses/{course}/chapters/{chapter}/lessons", fields=LESSON),
    "courses.lesson_edit": Endpoint("teacher", "/courses/lessons/{document}/edit", fields=LESSON),
    "courses_api.add_lesson": Endpoint("teacher", "/api/v1/courses/{course}/chapters/{chapter}/lessons",
                                       fields=LESSON),
    "courses_api.update_lesson": Endpoint("teacher", "/api/v1/lessons/{document}", fields=LESSON, method="patch"),
    "courses_api.submit_assignment": Endpoint("student", "/api/v1/lessons/{assignment}/submission",
                                              fields={"text": "作业"}),
    "learning.submit_answer": Endpoint("student", "/learning/items/{handin}/answer", ext="png"),
    "learning_api.submit_answer": Endpoint("student", "/api/v1/homework-items/{handin}/answer", ext="png"),
    "documents.verify_page": Endpoint("teacher", "/documents/verify", ext="pdf"),
    "documents.save_body_page": Endpoint("city_staff", "/documents/{draft}/body", file_field="docx"),
    "documents_api.add_body_version": Endpoint("city_staff", "/api/v1/documents/{draft}/body"),
    "documents.register_incoming": Endpoint("city_staff", "/documents/incoming/new", file_field="scan",
                                            fields=PAPER_INCOMING, ext="pdf"),
    "documents_api.register_incoming": Endpoint("city_staff", "/api/v1/documents/incoming", file_field="scan",
                                                fields=PAPER_INCOMING, ext="pdf"),
    "documents_api.verify_document": Endpoint("teacher", "/api/v1/documents/verify", ext="pdf"),
    "portal.manage_add_attachment": Endpoint("city_staff", "/portal/manage/articles/{portal_draft}/attachments",
                                             ext="pdf"),
    "courses_api.upload_package": Endpoint("teacher", "/api/v1/scorm/packages", fields={"course_id": "{course}"},
                                           ext="zip"),
}


def upload_endpoints(app) -> set[str]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.methods & {"POST", "PUT", "PATCH"}:
            continue
        try:
            source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
        except (OSError, TypeError):
            continue
        if UPLOAD_CODE.search(source):
            found.add(rule.endpoint)
    return found


def test_every_upload_endpoint_is_in_the_corpus(app):
    found = upload_endpoints(app)
    assert len(found) >= 25
    assert found - ENDPOINTS.keys() == set(), "a new upload/import endpoint: add it to ENDPOINTS"
    assert ENDPOINTS.keys() - found == set(), "ENDPOINTS names an endpoint that no longer takes uploads"


# -- the world they act in -----------------------------------------------------------------------

class World:
    pass


@pytest.fixture
def world(app, tree, people, make_course, template, issue, client, api):  # noqa: F811 - imported fixtures
    from eduplatform.courses import catalogue, enrolment, structure
    from eduplatform.reporting.services import submissions as submission_services
    from tests.courses.conftest import upload as file_upload

    w = World()
    w.teacher, w.student, w.school_admin = people.teacher_a1, people.student_a1, people.school_a1_admin
    w.city_staff = people.city_staff
    w.school, w.city = tree.school_a1.code, tree.city.code
    w.city_id = tree.city.id
    course = make_course(lessons=("text",), publish=False)
    chapter = course.chapters[0]
    w.course, w.chapter = course.id, chapter.id
    w.document = structure.add_lesson(w.teacher, chapter, {"title": "讲义", "kind": LessonKind.DOCUMENT, "body": "",
                                                           "required": True},
                                      upload=file_upload(b"%PDF-1.4\n%%EOF\n", "讲义.pdf", "application/pdf")).id
    w.assignment = add_lesson(w.teacher, chapter, "assignment").id

    catalogue.publish_course(w.teacher, course)
    enrolment.enrol(w.student, course)
    task = issue(template.latest_published)
    w.task, w.template_id = task.id, template.id
    w.submission = submission_services.submission_for(task, tree.school_a1).id
    response = client.post("/api/v1/resources", headers=api(w.teacher), content_type="multipart/form-data",
                           data={**COURSEWARE, "file": (io.BytesIO(_pptx()), "课件.pptx")})
    assert response.status_code == 201, response.get_json()
    w.resource = response.get_json()["id"]
    from eduplatform.documents.services import outgoing

    w.draft = outgoing.draft(w.city_staff, elements={"doctype": "notice", "title": "关于开展校园安全检查的通知",
                                                     "agency_code": "示教发"}, body="各区县教育局：\n请开展检查。").id
    from eduplatform.portal.services import columns as portal_columns
    from eduplatform.portal.services import content as portal_content

    portal_columns.sync_columns()
    w.portal_draft = portal_content.create_article(w.city_staff, column=portal_columns.column_by_key("notices"),
                                                   data={"title": "关于开展校园安全检查的通知"}).id
    w.handin = _handin_item(w.teacher, w.student, tree.school_a1)
    db.session.commit()
    return w


def _handin_item(teacher, student, school) -> int:
    """A published photo hand-in for the student's class (class homework)."""
    from datetime import timedelta

    from eduplatform.core.db import utcnow
    from eduplatform.learning import services as homework_services
    from eduplatform.learning.models import ItemKind
    from eduplatform.schools import services as school_services
    from eduplatform.schools.models import Gender

    school_class = school_services.create_class(None, school, grade=5, number=9)
    profile = school_services.create_teacher(None, school, {"teacher_no": "UP1", "name": "上传老师", "subjects": ["数学"]})
    profile.user_id = teacher.id
    school_services.set_assignments(profile, [{"class_id": school_class.id, "subject": "数学"}])
    pupil = school_services.create_student(None, school, {"student_no": "UP001", "name": "上传学生",
                                                          "gender": Gender.MALE, "class_id": school_class.id})
    pupil.user_id = student.id
    homework = homework_services.create_homework(teacher, school_class, {
        "subject": "数学", "title": "拍照作业", "level": None, "load_date": homework_services.local_today(),
        "due_at": utcnow() + timedelta(days=1)})
    item = homework_services.add_item(teacher, homework, {"kind": ItemKind.HANDIN, "minutes": 10, "title": "拍照"})
    homework_services.publish(teacher, homework)
    return item.id


def _pptx() -> bytes:
    from tests.resources.conftest import make_pptx

    return make_pptx("二次函数")


def snapshot(storage) -> tuple:
    counts = {}
    for table in db.metadata.sorted_tables:
        if table.name.startswith("audit"):
            continue  # refusals are audited
        counts[table.name] = db.session.scalar(db.select(db.func.count()).select_from(table))
    keys = tuple(storage.iter_keys())
    temps = tuple(t.name for t in storage.temporaries())
    return counts, keys, temps


def _message(response, client) -> str:
    if response.is_json:
        return response.get_json()["error"]["message"]
    if response.status_code in (302, 303):
        with client.session_transaction() as session:
            flashes = session.pop("_flashes", [])
        return " ".join(message for category, message in flashes if category in ("danger", "warning", "error"))
    return response.get_data(as_text=True)


def cases_for(ep: Endpoint) -> list[Case]:
    return [case for case in corpus(ep.ext) if case.only is None or (case.only == "xml" and ep.xml)]


@pytest.mark.parametrize("endpoint", sorted(name for name, ep in ENDPOINTS.items() if not ep.body))
def test_hostile_uploads_are_refused_and_nothing_is_stored(app, client, auth, api, storage, world, endpoint):
    ep = ENDPOINTS[endpoint]
    user = getattr(world, ep.user)
    url = ep.url.format(**vars(world))
    is_api = url.startswith("/api/")
    headers = api(user) if is_api else {}
    if not is_api:
        auth.login(user)
    failures = []
    for case in cases_for(ep):
        data = {k: (v.format(**vars(world)) if isinstance(v, str) else v) for k, v in ep.fields.items()}
        data.update(case.fields)
        content, name = case.file
        data[ep.file_field] = (io.BytesIO(content), name)
        before = snapshot(storage)
        if case.memory:
            tracemalloc.start()
        try:
            response = getattr(client, ep.method)(url, headers=headers, data=data,
                                                  content_type="multipart/form-data")
            peak = tracemalloc.get_traced_memory()[1] if case.memory else 0
        finally:
            if case.memory:
                tracemalloc.stop()
        message = _message(response, client)
        db.session.rollback()
        problem = None
        if response.status_code in (302, 303):
            if not message:
                problem = "redirected without a flashed refusal"
        elif not 400 <= response.status_code < 500:
            problem = f"status {response.status_code}"
        if problem is None and not (re.search(case.words, message) and re.search(r"[\u4e00-\u9fff]", message)):
            problem = "not refused for this reason"
        if problem is None and snapshot(storage) != before:
            problem = "something was stored"
        if problem is None and peak > 24 * MiB:
            problem = f"the zip bomb cost {peak / MiB:.0f} MiB"
        if problem:
            failures.append(f"{case.name}: {problem} — {response.status_code} {message[:160]!r}")
    assert not failures, f"{endpoint}:\n" + "\n".join(failures)


@pytest.mark.parametrize("body, words", [
    ("dataElement,period,orgUnit,value\n" + "x" * (3 * MiB), "过大|过长|上限"),
    ("dataElement,period,orgUnit,value\nfield\x00,2026,S1,1\n", "控制字符|无效|不存在|未知"),
])
def test_hostile_import_body_is_refused(client, api, storage, world, body, words):
    headers = api(world.city_staff)
    before = snapshot(storage)
    response = client.post(f"/api/v1/report-tasks/{world.task}/data-values", headers=headers,
                           data=body.encode(), content_type="text/csv")
    assert 400 <= response.status_code < 500
    message = response.get_json()["error"]["message"]
    assert re.search(words, message), message
    db.session.rollback()
    assert snapshot(storage) == before
