"""生成练习: the wrong questions plus similar bank questions (same knowledge point and difficulty) that the
student may see — never private, another school's, another district's, deleted, subjective, another
学段's or a live exam's questions — without repeats; taking it marks at once and feeds the book."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework
from eduplatform.learning.mistakes import services
from eduplatform.learning.mistakes.models import MistakeEntry, PracticeStatus, Source
from eduplatform.questions import exams, papers
from eduplatform.questions import services as question_services
from eduplatform.questions.models import AudienceKind
from tests.questions.conftest import sample


@pytest.fixture
def pool(junior, bank, points, people, tree, question_homework):
    """Student 0 has the single and the true/false (一元一次方程, 难度 1) wrong; the bank holds questions
    around them, some the student may practise and some not."""
    t, other_school, other_district = junior.teachers["数学"], people.teacher_a1, people.teacher_b1
    h = question_homework(bank.single, bank.tf)
    s = junior.students[0]
    homework.submit_answer(s, h.items[0], response=0)
    homework.submit_answer(s, h.items[1], response=False)

    def q(actor, qtype="single", kp=points.linear, **extra):
        return question_services.create_question(actor, sample(qtype, **extra), knowledge_points=[kp])

    ok = {"own_school": q(t, stem="本校同类题"), "district": q(other_school, "true_false", sharing="district",
                                                                  stem="本区共享题"),
          "city": q(other_district, sharing="city", stem="全市共享题")}
    deleted = q(t, stem="已删除")
    live = q(t, stem="考试中的题")
    not_ok = {"private": q(t, sharing="private"), "other_school": q(other_school, stem="外校本单位题"),
              "other_district": q(other_district, sharing="district", stem="外区共享题"),
              "harder": q(t, difficulty=2), "other_point": q(t, kp=points.triangle),
              "essay": q(t, "essay", difficulty=1), "senior": q(t, stage="senior"), "deleted": deleted,
              "live_exam": live}
    question_services.delete_question(t, deleted)
    paper = papers.create_paper(t, {"title": "月考", "subject": "math"},
                                [{"title": "一", "items": [{"question_id": live.id, "score": 3}]}])
    now = utcnow()
    exams.create_exam(t, paper, title="十二月月考", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2),
                      time_limit_minutes=40, audience=[(AudienceKind.ORG, junior.school_class.school_id)], publish=True)
    db.session.commit()
    return s, ok, not_ok


def test_the_set_is_the_wrong_questions_and_similar_ones_the_student_may_see(pool, bank):
    s, ok, not_ok = pool
    practice = services.build_practice(s, size=10)
    db.session.commit()
    items = services.practice_items(practice)
    ids = [i.question_id for i in items]
    assert len(ids) == len(set(ids)) == 5
    assert {i.question_id for i in items if i.entry_id} == {bank.single.id, bank.tf.id}
    assert {i.question_id for i in items if not i.entry_id} == {q.id for q in ok.values()}
    assert not set(ids) & {q.id for q in not_ok.values()}
    wrong_versions = {e.question_id: e.question_version_id for e in db.session.scalars(
        sa.select(MistakeEntry).where(MistakeEntry.user_id == s.id))}
    assert all(i.question_version_id == wrong_versions[i.question_id] for i in items if i.entry_id)
    assert practice.max_score == sum(i.max_score for i in items)


def test_a_small_set_mixes_both_kinds_and_an_empty_book_is_refused(pool, junior):
    s, _ok, _ = pool
    items = services.practice_items(services.build_practice(s, size=2))
    assert [bool(i.entry_id) for i in items] == [True, False]
    with pytest.raises(Conflict) as refused:
        services.build_practice(junior.students[1], size=5)
    assert refused.value.code == "no_mistakes"


def test_taking_the_set_marks_it_and_its_wrong_answers_land_in_the_book(pool, bank):
    s, ok, _ = pool
    practice = services.build_practice(s, size=10)
    db.session.commit()
    items = {i.question_id: i for i in services.practice_items(practice)}
    answers = {items[bank.single.id].id: 1,  # the wrong question, right now: a re-do (the same day: still 待巩固)
               items[bank.tf.id].id: False,  # wrong again
               items[ok["own_school"].id].id: 0,  # a similar one, wrong: a new entry
               items[ok["district"].id].id: True, items[ok["city"].id].id: 1}
    services.submit_practice(s, practice, answers)
    db.session.commit()
    assert practice.status == PracticeStatus.SUBMITTED and practice.score == 3 + 2 + 3
    book = {e.question_id: e for e in db.session.scalars(sa.select(MistakeEntry).where(MistakeEntry.user_id == s.id))}
    assert set(book) == {bank.single.id, bank.tf.id, ok["own_school"].id}
    assert (book[bank.single.id].redo_correct_count, book[bank.single.id].status.value) == (1, "pending")
    assert book[bank.tf.id].wrong_count == 2 and book[bank.tf.id].last_source == Source.PRACTICE
    assert book[ok["own_school"].id].last_source_label == f"错题练习：{practice.title}"
    with pytest.raises(Conflict):
        services.submit_practice(s, practice, answers)


def test_the_api_builds_hides_the_key_until_handed_in_and_submits(pool, bank, client, api, junior):
    s, _ok, _ = pool
    headers = api(s)
    built = client.post("/api/v1/my/practice-sets", headers=headers, json={"size": 4})
    assert built.status_code == 201, built.get_json()
    body = built.get_json()
    assert len(body["items"]) == 4 and all("answer_text" not in i["question"] for i in body["items"])
    other = client.get(f"/api/v1/practice-sets/{body['id']}", headers=api(junior.students[1]))
    assert other.status_code == 404
    done = client.post(f"/api/v1/practice-sets/{body['id']}/submit", headers=headers,
                       json={"answers": {str(body["items"][0]["id"]): 1}}).get_json()
    assert done["status"] == "submitted" and all("answer_text" in i["question"] for i in done["items"])
    too_many = client.post("/api/v1/my/practice-sets", headers=headers, json={"size": 99})
    assert too_many.status_code == 422 and "题目数量须为 1–30" in too_many.get_json()["error"]["message"]
