"""Filling in: drafts, the version check, a crash mid-save, deadline locks, reopening, history."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.reporting.models import Submission, SubmissionStatus, ValueChange
from eduplatform.reporting.services import submissions as services
from eduplatform.reporting.services.submissions import Locked


@pytest.fixture
def sub(task, tree, sub_of):
    return sub_of(task, tree.school_a1)


def numbers(sub):
    """The packed numbers of a submission, unpacked by key (blanks left out)."""
    import numpy as np

    keys = services.spec_of(sub).key_index()
    vector = np.frombuffer(sub.numbers, dtype="<f8")
    return {key: float(vector[i]) for key, i in keys.items() if not np.isnan(vector[i])}


def test_draft_saves_values_numbers_and_history(sub, people, good_values):
    result = services.save_values(sub, people.school_a1_admin, good_values, expected_version=1)
    db.session.commit()
    assert result.errors == {}
    assert sub.status == SubmissionStatus.DRAFT and sub.version == 2
    assert sub.data["students_total"] == 271
    assert numbers(sub)["grades.*.total"] == 271
    assert numbers(sub)["teachers_total"] == 40

    services.save_values(sub, people.school_a1_admin, {"teachers_total": 42, "budget": None}, expected_version=2)
    db.session.commit()
    assert numbers(sub)["teachers_total"] == 42 and "budget" not in numbers(sub)
    history = services.value_history(sub, "teachers_total")
    assert [(h.old_value, h.new_value) for h in history] == [(40, 42), (None, 40)]
    assert history[0].changed_by_id == people.school_a1_admin.id
    assert services.value_history(sub, "budget")[0].new_value is None


def test_bad_cells_are_reported_and_keep_their_old_value(sub, people, good_values):
    services.save_values(sub, people.school_a1_admin, good_values)
    result = services.save_values(sub, people.school_a1_admin, {"teachers_total": "很多", "principal": "李校长"})
    assert result.errors == {"teachers_total": ["请输入整数"]}
    assert sub.data["teachers_total"] == 40 and sub.data["principal"] == "李校长"


def test_stale_version_is_a_conflict_not_an_overwrite(sub, people, good_values):
    services.save_values(sub, people.school_a1_admin, good_values, expected_version=1)
    db.session.commit()
    with pytest.raises(Conflict) as info:
        services.save_values(sub, people.school_a1_admin, {"teachers_total": 1}, expected_version=1)
    assert info.value.code == "version_conflict"
    assert "刷新" in info.value.message and people.school_a1_admin.display_name in info.value.message
    db.session.rollback()
    assert sub.data["teachers_total"] == 40


def test_concurrent_update_in_another_session_is_detected(sub, people, app):
    """Two requests load version 1; the second UPDATE finds the row changed and is refused."""
    services.save_values(sub, people.school_a1_admin, {"teachers_total": 10})
    db.session.commit()
    # Someone else's request commits in between (simulated by bumping the row behind the ORM's back).
    db.session.execute(sa.update(Submission.__table__).where(Submission.__table__.c.id == sub.id)
                       .values(version=Submission.__table__.c.version + 1))
    with pytest.raises(Conflict):
        services.save_values(sub, people.school_a1_admin, {"teachers_total": 11})


def test_a_crash_mid_save_leaves_the_last_good_draft(sub, people, good_values, monkeypatch):
    services.save_values(sub, people.school_a1_admin, good_values)
    db.session.commit()
    before_numbers, before_history = numbers(sub), db.session.scalar(sa.select(sa.func.count(ValueChange.id)))

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    # History rows are already written when packing the numbers fails.
    from eduplatform.reporting.spec import TemplateSpec

    monkeypatch.setattr(TemplateSpec, "pack_numbers", explode)
    with pytest.raises(RuntimeError):
        services.save_values(sub, people.school_a1_admin, {"teachers_total": 99, "clubs": [{"name": "新社团", "members": 3}]})
    db.session.rollback()
    db.session.refresh(sub)
    assert sub.data["teachers_total"] == 40 and sub.version == 2
    assert numbers(sub) == before_numbers
    assert db.session.scalar(sa.select(sa.func.count(ValueChange.id))) == before_history


def test_submit_checks_every_rule_and_says_where(sub, people, good_values):
    services.save_values(sub, people.school_a1_admin, {**good_values, "teachers_female": 41})
    with pytest.raises(ValidationFailed) as info:
        services.submit_submission(sub, people.school_a1_admin)
    assert info.value.fields == {"teachers_female": ["女教师数不能超过教师总数（重要程度：中）"]}
    assert sub.status == SubmissionStatus.DRAFT
    services.submit_submission(sub, people.school_a1_admin, raw={"teachers_female": 20})
    assert sub.status == SubmissionStatus.SUBMITTED and sub.on_time is True


def test_submitted_and_approved_forms_are_locked_and_say_why(sub, people, good_values):
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    assert "等待东湖区教育局审核" in services.lock_reason(sub)
    with pytest.raises(Locked, match="已上报"):
        services.save_values(sub, people.school_a1_admin, {"teachers_total": 1})


def test_deadline_lock_and_reopen_for_one_school(task, sub, people, tree, sub_of, good_values):
    task.lock_at = utcnow() - timedelta(minutes=1)
    task.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    reason = services.lock_reason(sub)
    assert "截止" in reason and "开放补报" in reason and "示范市教育局" in reason
    with pytest.raises(Locked):
        services.save_values(sub, people.school_a1_admin, good_values)
    services.reopen_submission(sub, people.city_staff, until=utcnow() + timedelta(days=2), reason="网络故障补报")
    db.session.commit()
    assert services.lock_reason(sub) is None
    assert services.lock_reason(sub_of(task, tree.school_a2)) is not None  # only that school
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    assert sub.on_time is False  # reopened, but still late


def test_reopen_rules(sub, people, good_values):
    with pytest.raises(ValidationFailed, match="原因"):
        services.reopen_submission(sub, people.city_staff, until=utcnow() + timedelta(days=1), reason="")
    with pytest.raises(ValidationFailed, match="晚于现在"):
        services.reopen_submission(sub, people.city_staff, until=utcnow() - timedelta(days=1), reason="补报")
    services.submit_submission(sub, people.school_a1_admin, raw=good_values)
    with pytest.raises(Conflict, match="退回"):
        services.reopen_submission(sub, people.city_staff, until=utcnow() + timedelta(days=1), reason="补报")


def test_closed_task_locks_everything(task, sub, people):
    from eduplatform.reporting.services.tasks import close_task

    close_task(people.city_staff, task)
    assert services.lock_reason(sub) == "任务已关闭，不能再填报或修改"


def test_attachments_belong_to_their_submission(sub, task, tree, sub_of, people):
    attachment = services.add_attachment(sub, people.school_a1_admin, field_key="plan",
                                         upload=io.BytesIO(b"%PDF-1.4 plan"), filename="规划.pdf",
                                         content_type="application/pdf")
    services.save_values(sub, people.school_a1_admin, {"plan": attachment.id})
    assert sub.data["plan"] == attachment.id
    other = sub_of(task, tree.school_b1)
    result = services.save_values(other, people.school_b1_admin, {"plan": attachment.id})
    assert result.errors == {"plan": ["附件不属于此填报项，请重新上传"]}
    with pytest.raises(ValidationFailed, match="可执行程序"):
        services.add_attachment(sub, people.school_a1_admin, field_key="plan", upload=io.BytesIO(b"MZ\x90\x00"),
                                filename="virus.pdf", content_type="application/pdf")
    with pytest.raises(ValidationFailed, match="不支持"):
        services.add_attachment(sub, people.school_a1_admin, field_key="plan", upload=io.BytesIO(b"#!/bin/sh"),
                                filename="run.sh", content_type="text/plain")
    with pytest.raises(ValidationFailed, match="不是附件字段"):
        services.add_attachment(sub, people.school_a1_admin, field_key="principal", upload=io.BytesIO(b"%PDF-"),
                                filename="a.pdf", content_type="application/pdf")
