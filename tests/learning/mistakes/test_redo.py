"""重做 and the one-day rule on a pinned clock: a right re-do a day or more after the last wrong answer →
已掌握; earlier it counts but stays 待巩固; a wrong re-do restarts the day; a new wrong answer reopens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.learning import services as homework
from eduplatform.learning.mistakes import capture, services
from eduplatform.learning.mistakes.models import MistakeEntry, MistakeStatus

T0 = datetime(2026, 12, 7, 1, 0)  # naive UTC, like the platform's columns


@pytest.fixture
def wrong_at_t0(junior, bank, question_homework, monkeypatch):
    """Student 0 answers the single-choice and the essay wrong at T0 (the capture clock pinned)."""
    monkeypatch.setattr(capture, "utcnow", lambda: T0)
    h = question_homework(bank.single, bank.essay)
    s = junior.students[0]
    homework.submit_answer(s, h.items[0], response=0)
    essay = homework.submit_answer(s, h.items[1], response="不会")
    homework.mark_answer(junior.teachers["数学"], essay, score=1)
    db.session.commit()
    entries = {e.question_id: e for e in db.session.scalars(sa.select(MistakeEntry).where(MistakeEntry.user_id == s.id))}
    assert entries[bank.single.id].last_wrong_at == T0
    return s, entries[bank.single.id], entries[bank.essay.id]


def test_right_the_same_day_counts_but_stays_pending_then_a_day_later_it_is_mastered(wrong_at_t0):
    s, entry, _ = wrong_at_t0
    early = services.redo(s, entry, response=1, now=T0 + timedelta(hours=2))
    assert early["correct"] and not early["mastered"] and early["wait_until"] == T0 + timedelta(days=1)
    almost = services.redo(s, entry, response=1, now=T0 + timedelta(days=1) - timedelta(seconds=1))
    assert not almost["mastered"] and entry.status == MistakeStatus.PENDING
    assert (entry.redo_count, entry.redo_correct_count, entry.wrong_count) == (2, 2, 1)
    done = services.redo(s, entry, response=1, now=T0 + timedelta(days=1))
    assert done["mastered"] and done["newly_mastered"] and entry.status == MistakeStatus.MASTERED
    assert entry.mastered_at == T0 + timedelta(days=1)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "mistake.redone", AuditEntry.object_id == str(entry.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.kind == "mistake.mastered", AuditEntry.object_id == str(entry.id))) == 1
    assert services.counts(s.id) == {"pending": 1, "mastered": 1, "total": 2}
    listed = db.session.scalars(services.book_query(s)).all()  # 待巩固 first, whatever the names sort to
    assert [e.status for e in listed] == [MistakeStatus.PENDING, MistakeStatus.MASTERED]
    listed[0].last_wrong_at = T0 - timedelta(days=5)  # even an older pending one
    db.session.flush()
    assert [e.status for e in db.session.scalars(services.book_query(s))] == [MistakeStatus.PENDING,
                                                                             MistakeStatus.MASTERED]


def test_a_wrong_re_do_restarts_the_day(wrong_at_t0):
    s, entry, _ = wrong_at_t0
    wrong = services.redo(s, entry, response=2, now=T0 + timedelta(hours=30))
    assert not wrong["correct"] and entry.wrong_count == 2 and entry.last_wrong_at == T0 + timedelta(hours=30)
    assert entry.last_response == 2 and len(entry.events) == 2
    right = services.redo(s, entry, response=1, now=T0 + timedelta(hours=31))  # a day after T0, not after the redo
    assert right["correct"] and not right["mastered"]
    assert services.redo(s, entry, response=1, now=T0 + timedelta(hours=54))["mastered"]


def test_a_new_wrong_answer_reopens_a_mastered_entry(wrong_at_t0, bank, question_homework, monkeypatch):
    s, entry, _ = wrong_at_t0
    services.redo(s, entry, response=1, now=T0 + timedelta(days=2))
    db.session.commit()
    assert entry.status == MistakeStatus.MASTERED
    monkeypatch.setattr(capture, "utcnow", lambda: T0 + timedelta(days=3))
    h = question_homework(bank.single, title="期末复习")
    homework.submit_answer(s, h.items[0], response=3)
    db.session.commit()
    db.session.refresh(entry)
    assert entry.status == MistakeStatus.PENDING and entry.mastered_at is None and entry.wrong_count == 2
    assert db.session.scalar(sa.select(AuditEntry.summary).where(AuditEntry.kind == "mistake.reopened")).startswith(
        "已掌握的错题又做错")


def test_an_essay_is_judged_by_the_student_against_the_reference(wrong_at_t0):
    s, _, essay = wrong_at_t0
    with pytest.raises(ValidationFailed):
        services.redo(s, essay, response="移项、合并", now=T0 + timedelta(days=2))  # no self-check given
    result = services.redo(s, essay, response="去分母、去括号、移项", self_check=True, now=T0 + timedelta(days=2))
    assert result["mastered"] and "去分母" in result["answer_text"]


def test_an_empty_re_do_is_refused_and_another_student_cannot_re_do(wrong_at_t0, junior):
    s, entry, _ = wrong_at_t0
    with pytest.raises(ValidationFailed):
        services.redo(s, entry, response=None, now=T0 + timedelta(days=2))
    with pytest.raises(PermissionDenied):
        services.redo(junior.students[1], entry, response=1, now=T0 + timedelta(days=2))
    assert entry.redo_count == 0


def test_the_api_re_do_follows_the_pinned_clock(wrong_at_t0, client, api, monkeypatch):
    s, entry, _ = wrong_at_t0
    headers = api(s)
    monkeypatch.setattr(services, "utcnow", lambda: T0 + timedelta(hours=3))
    early = client.post(f"/api/v1/mistakes/{entry.id}/redo", headers=headers, json={"response": 1}).get_json()
    assert early["correct"] and not early["mastered"] and early["wait_until"] == "2026-12-08T01:00:00"
    monkeypatch.setattr(services, "utcnow", lambda: T0 + timedelta(days=1, hours=1))
    later = client.post(f"/api/v1/mistakes/{entry.id}/redo", headers=headers, json={"response": 1}).get_json()
    assert later["mastered"] and later["entry"]["status"] == "mastered" and later["entry"]["redo_count"] == 2
    bad = client.post(f"/api/v1/mistakes/{entry.id}/redo", headers=headers, json={"response": 9})
    assert bad.status_code == 422 and bad.get_json()["error"]["message"].startswith("答案格式不正确")
