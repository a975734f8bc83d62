"""Imports keep what the file meant: pictures stored and served, per-answer feedback after grading,
cloze questions taken and graded in an exam; the preview says per question what was kept."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.questions import exams, papers, transfer
from eduplatform.questions.models import AudienceKind, Question

FIXTURES = Path(__file__).parent / "fixtures"
#: The fixture without its two questions that must be refused (a 33 % fraction, a drag-and-drop).
CLEAN_XML = re.sub(r'<question type="(multichoice|ddwtos)">\s*<name><text>(Bad fraction|Drag)</text>.*?</question>', "",
                   (FIXTURES / "moodle_docs.xml").read_text(), flags=re.DOTALL)


def _preview(actor, raw: bytes, fmt="moodle_xml"):
    return transfer.preview_import(actor, fmt=fmt, filename="bank.xml", raw=raw, options={"subject": "math"})


def test_embedded_image_is_stored_and_served(people, client, auth):
    batch = _preview(people.teacher_a1, CLEAN_XML.encode())
    assert batch.problems == []
    stem = batch.items[0]["stem"]
    assert "data:image" not in stem and 'src="/questions/media/' in stem
    file_id = batch.options["media_ids"][0]
    stored = db.session.get(StoredFile, file_id)
    assert stored.key.startswith("question-media/") and stored.content_type == "image/png"
    ids = transfer.confirm_import(people.teacher_a1, batch)
    db.session.commit()
    assert f"/questions/media/{file_id}" in db.session.get(Question, ids[0]).stem
    auth.login(people.teacher_a1)
    response = client.get(f"/questions/media/{file_id}")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_a_preview_with_problems_stores_no_picture_and_discard_removes_them(people):
    bad = _preview(people.teacher_a1, (FIXTURES / "moodle_docs.xml").read_bytes())
    assert bad.problems and bad.options["media_ids"] == []
    good = _preview(people.teacher_a1, CLEAN_XML.encode())
    file_id = good.options["media_ids"][0]
    transfer.discard_import(people.teacher_a1, good)
    db.session.flush()
    assert db.session.get(StoredFile, file_id) is None


def test_preview_lists_kept_and_refused_per_question(people):
    batch = _preview(people.teacher_a1, (FIXTURES / "moodle_docs.xml").read_bytes())
    rows = transfer.preview_summary(batch)["questions"]
    assert [(r["number"], r["status"]) for r in rows] == [(1, "kept"), (2, "refused"), (3, "kept"), (4, "kept"),
                                                         (5, "kept"), (6, "kept"), (7, "refused")]
    assert "33% 不是 Moodle 允许的值" in rows[1]["notes"][0]


def test_cloze_and_feedback_in_an_exam(people, tree, client, auth):
    teacher, student = people.teacher_a1, people.student_a1
    batch = _preview(teacher, CLEAN_XML.encode())
    ids = transfer.confirm_import(teacher, batch)
    by_title = {db.session.get(Question, i).source: i for i in ids}
    paper = papers.create_paper(teacher, {"title": "德国", "subject": "math"}, [
        {"title": "一", "items": [{"question_id": by_title["Cloze"], "score": 8},
                                  {"question_id": by_title["Capital"], "score": 2}]}])
    now = utcnow()
    exam = exams.create_exam(teacher, paper, title="德国", opens_at=now - timedelta(minutes=1),
                             closes_at=now + timedelta(hours=1), time_limit_minutes=30,
                             audience=[(AudienceKind.ORG, tree.school_a1.id)], publish=True)
    db.session.commit()
    attempt = exams.start_attempt(student, exam)
    cloze_item, short_item = paper.items
    exams.save_answers(student, attempt, {
        cloze_item.id: ["Deutschland", "3.65", 0, 1, 0, [0, 1], "bär"], short_item.id: "Berlinn"})
    db.session.commit()
    auth.login(student)
    take = client.get(f"/questions/exams/{exam.id}/take").get_data(as_text=True)
    # Parts inline: a text box with the saved answer, a drop-down, radio and check boxes.
    assert 'data-part="0" data-kind="text"' in take and 'value="Deutschland"' in take
    assert '<option value="0" selected>Spree</option>' in take
    assert 'type="checkbox" name="q' in take and 'type="radio"' in take
    auth.logout()
    exams.submit_attempt(student, attempt)
    exams.release_results(teacher, exam)
    db.session.commit()
    from eduplatform.questions.presenters import attempt_payload

    rows = attempt_payload(attempt)["sections"][0]["items"]
    assert rows[0]["earned"] == 6.5 and rows[1]["earned"] == 1.0
    assert "German name" in rows[0]["answer_feedback"] and rows[1]["answer_feedback"] == ["Spelling?"]
    # The paper prints with the choice parts' options; the DOCX outputs take the new type too.
    from eduplatform.questions.outputs import VARIANTS, paper_docx

    auth.login(teacher)
    page = client.get(f"/questions/papers/{paper.id}/print/paper").get_data(as_text=True)
    assert "A. Spree" in page and "B. Havel" in page
    for variant in VARIANTS:
        assert paper_docx(paper, variant)[:2] == b"PK"
    # The result page shows the student the feedback their answers earned.
    auth.logout()
    auth.login(student)
    result = client.get(f"/questions/exams/{exam.id}/result").get_data(as_text=True)
    assert "German name" in result and "Spelling?" in result


def test_editing_an_imported_question_in_the_form_keeps_its_grades(people, client, auth):
    import html

    batch = _preview(people.teacher_a1, CLEAN_XML.encode())
    ids = transfer.confirm_import(people.teacher_a1, batch)
    db.session.commit()
    flag = db.session.get(Question, ids[0])
    auth.login(people.teacher_a1)
    page = client.get(f"/questions/{flag.id}/edit").get_data(as_text=True)
    extras = html.unescape(re.search(r'name="extras" value="([^"]*)"', page).group(1))
    assert "此题带有导入时保留的设置" in page
    r = client.post(f"/questions/{flag.id}/edit", data={
        "type": "multiple", "stem": "Which country has this flag? (edited)", "options": "Country A\nCountry B\nCountry C",
        "answer": "AB", "subject": "math", "difficulty": "3", "sharing": "org", "score": "1", "extras": extras})
    assert r.status_code == 302
    db.session.refresh(flag)
    assert flag.version == 2 and flag.data["weights"] == [50, 50, -33.33333]
    assert flag.data["feedback"] == ["Yes, A.", "Yes, B.", "No."]


def test_pictures_travel_in_exports_and_come_back(people, client, api):
    """Import → export → import keeps the picture (Moodle XML <file>, QTI package file, GIFT inline)."""
    batch = _preview(people.teacher_a1, CLEAN_XML.encode())
    ids = transfer.confirm_import(people.teacher_a1, batch)
    db.session.commit()
    first = db.session.get(Question, ids[0])
    h = api(people.teacher_a1)
    for fmt, name in (("moodle_xml", "back.xml"), ("qti", "back.zip"), ("gift", "back.gift")):
        exported = client.get(f"/api/v1/questions/export?format={fmt}&ids={ids[0]}", headers=h)
        assert exported.status_code == 200, exported.get_json()
        if fmt == "moodle_xml":
            assert b"@@PLUGINFILE@@/img-" in exported.data and b'encoding="base64"' in exported.data
        again = transfer.preview_import(people.teacher_a1, fmt=fmt, filename=name, raw=exported.data,
                                        options={"subject": "math"})
        assert again.problems == [], fmt
        back = again.items[0]
        new_id = again.options["media_ids"][0]
        assert back["stem"] == re.sub(r"/questions/media/\d+", f"/questions/media/{new_id}", first.stem), fmt
        assert back["data"] == first.data, fmt
        image = db.session.get(StoredFile, new_id)
        original = db.session.get(StoredFile, int(re.search(r"/questions/media/(\d+)", first.stem).group(1)))
        assert image.sha256 == original.sha256, fmt


def test_pictures_are_served_to_who_may_see_a_question_or_exam_showing_them(people, tree, client, auth,
                                                                           create_user):
    from eduplatform.accounts.models import Role

    colleague = create_user("a1teacher2", roles=[Role.TEACHER], org=tree.school_a1)
    foreign_student = create_user("b1student", roles=[Role.STUDENT], org=tree.school_b1)
    teacher = people.teacher_a1
    batch = _preview(teacher, CLEAN_XML.encode())
    file_id = batch.options["media_ids"][0]
    url = f"/questions/media/{file_id}"

    def status(user):
        auth.logout()
        auth.login(user)
        return client.get(url).status_code

    db.session.commit()
    # Only a preview so far: the importer alone.
    assert status(teacher) == 200
    assert status(colleague) == 403 and status(people.teacher_b1) == 403 and status(people.student_a1) == 403
    ids = transfer.confirm_import(teacher, batch)
    db.session.commit()
    # Shared with the school: its teachers see it, another school's do not, nor students (yet).
    assert status(colleague) == 200
    assert status(people.teacher_b1) == 403 and status(people.student_a1) == 403
    paper = papers.create_paper(teacher, {"title": "旗", "subject": "math"},
                                [{"title": "一", "items": [{"question_id": ids[0], "score": 2}]}])
    now = utcnow()
    exams.create_exam(teacher, paper, title="旗", opens_at=now - timedelta(minutes=1),
                      closes_at=now + timedelta(hours=1), time_limit_minutes=30,
                      audience=[(AudienceKind.ORG, tree.school_a1.id)], publish=True)
    db.session.commit()
    # The exam's audience now sees the picture; a student of another school still does not.
    assert status(people.student_a1) == 200 and status(foreign_student) == 403


def test_a_picture_in_an_option_counts_too(people, tree, create_user, make_question):
    from eduplatform.accounts.models import Role
    from eduplatform.questions.permissions import can_view_media

    batch = _preview(people.teacher_a1, CLEAN_XML.encode())
    stored = db.session.get(StoredFile, batch.options["media_ids"][0])
    colleague = create_user("a1teacher2", roles=[Role.TEACHER], org=tree.school_a1)
    assert not can_view_media(colleague, stored)
    make_question(people.teacher_a1, "single", data={
        "options": [f'<img src="/questions/media/{stored.id}" alt="旗">', "没有图"], "answer": 0})
    assert can_view_media(colleague, stored) and not can_view_media(people.teacher_b1, stored)


def test_a_cartridge_goes_through_preview_then_confirm(people):
    from tests.questions.test_cc_spec import cartridge

    refused = transfer.preview_import(people.teacher_a1, fmt="cc", filename="course.imscc", raw=cartridge(),
                                      options={"subject": "english"})
    assert not transfer.preview_summary(refused)["can_confirm"] and refused.options["media_ids"] == []
    batch = transfer.preview_import(people.teacher_a1, fmt="cc", filename="course.imscc",
                                    raw=cartridge(supported_only=True), options={"subject": "english"})
    assert transfer.preview_summary(batch)["can_confirm"] and len(batch.options["media_ids"]) == 1
    ids = transfer.confirm_import(people.teacher_a1, batch)
    assert len(ids) == 6
    capital = db.session.get(Question, ids[0])
    assert f'/questions/media/{batch.options["media_ids"][0]}"' in capital.stem
    # The quiz's title is the category of its questions (here: a knowledge point); the bank has none.
    assert capital.knowledge_points == []
    assert [kp.name for kp in db.session.get(Question, ids[-1]).knowledge_points] == ["Unit quiz"]


def test_the_question_page_shows_credits_and_feedback(people, client, auth):
    batch = _preview(people.teacher_a1, CLEAN_XML.encode())
    ids = transfer.confirm_import(people.teacher_a1, batch)
    db.session.commit()
    auth.login(people.teacher_a1)
    pages = {i: client.get(f"/questions/{i}").get_data(as_text=True) for i in ids}
    flag, capital, pi, rhine, cloze = (pages[i] for i in ids)
    assert "-33.33333%" in flag and "反馈：No." in flag
    assert "“Berl*”：Spelling?" in capital and "得 50%" in pi and "答“对”时反馈：No, it does not." in rhine
    assert "多选（权重 1）" in cloze and "German name" in cloze
