"""The statutory clock of 依申请公开 (《政府信息公开条例》 2019), on the 2026 calendar of the State
Council notice. Every expected date below was counted by hand on that calendar:

- 2026 中秋 25–27 Sep, 国庆 1–7 Oct; 调休 working days Sun 20 Sep and Sat 10 Oct;
- November 2026 has no holiday.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from eduplatform.core.errors import Conflict, PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.models import DisclosurePause
from eduplatform.portal.services import disclosure as services
from tests.portal.disclosure_helpers import letter_request


def test_twenty_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday(tree, people):
    # received Mon 21 Sep: 22 23 24 | 28 29 30 | (1–7 Oct off) 8 9 Sat-10 | 12–16 | 19–23 | 26 → 26 Oct
    request = letter_request(tree.city, people.city_staff, date(2026, 9, 21))
    assert request.due_on == date(2026, 10, 26)
    assert request.state == "review"


def test_a_correction_restarts_the_twenty_days_from_the_day_it_arrives(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 9, 21))
    services.request_correction(request, actor=people.city_staff, notice="请写明所需信息的年份和学段",
                                today=date(2026, 9, 24))
    assert request.state == "correction" and request.due_on is None
    services.register_correction(request, actor=people.city_staff, text="2026年小学阶段", received_on=date(2026, 10, 12))
    # from Mon 12 Oct: 13–16 (4) 19–23 (9) 26–30 (14) 2–6 Nov (19) 9 Nov (20)
    assert request.clock_start_on == date(2026, 10, 12)
    assert request.due_on == date(2026, 11, 9)
    assert request.state == "handling"


def test_the_applicants_online_correction_counts_from_its_own_day(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.request_correction(request, actor=people.city_staff, notice="请明确文件名称", today=date(2026, 11, 3))
    services.submit_correction(request, text="《示范市2026年义务教育招生工作意见》", today=date(2026, 11, 4))
    services.register_correction(request, actor=people.city_staff)  # staff confirm it a day later
    # from Wed 4 Nov: 5 6 (2) 9–13 (7) 16–20 (12) 23–27 (17) 30 Nov, 1, 2 Dec (20)
    assert request.due_on == date(2026, 12, 2)


def test_a_second_correction_notice_is_refused(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.request_correction(request, actor=people.city_staff, notice="请写明年份", today=date(2026, 11, 3))
    services.register_correction(request, actor=people.city_staff, text="2026年", received_on=date(2026, 11, 5))
    with pytest.raises(Conflict, match="补正只能告知一次"):
        services.request_correction(request, actor=people.city_staff, notice="再补正", today=date(2026, 11, 6))


def test_a_correction_notice_after_seven_working_days_is_refused(tree, people):
    # received Mon 21 Sep: 22 23 24 | 28 29 30 | 8 Oct is the seventh working day
    late = letter_request(tree.city, people.city_staff, date(2026, 9, 21))
    with pytest.raises(Conflict, match="7个工作日"):
        services.request_correction(late, actor=people.city_staff, notice="请补正", today=date(2026, 10, 9))
    assert late.state == "review" and late.correction_requested_on is None
    in_time = letter_request(tree.city, people.city_staff, date(2026, 9, 21))
    services.request_correction(in_time, actor=people.city_staff, notice="请补正", today=date(2026, 10, 8))
    assert in_time.state == "correction"


def test_the_third_partys_days_are_not_counted(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    assert request.due_on == date(2026, 11, 30)
    services.accept(request, actor=people.city_staff)
    services.start_consultation(request, actor=people.city_staff, third_party="示范市某培训学校",
                                today=date(2026, 11, 5))
    pause = db.session.scalar(sa.select(DisclosurePause).where(DisclosurePause.request_id == request.id))
    # 15 working days from Thu 5 Nov: 6 (1) 9–13 (6) 16–20 (11) 23–26 (15)
    assert pause.third_party_due_on == date(2026, 11, 26)
    assert request.state == "consulting"
    services.finish_consultation(request, actor=people.city_staff, outcome="同意公开", today=date(2026, 11, 11))
    # 6, 9, 10, 11 Nov not counted: 30 Nov + 4 working days = Fri 4 Dec
    assert request.due_on == date(2026, 12, 4)
    assert request.state == "handling"
    texts = [e.text for e in request.entries]
    assert any("征求第三方意见" in t for t in texts) and any("恢复计时" in t for t in texts)


def test_a_late_third_party_stops_the_clock_no_longer_than_its_fifteen_days(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.accept(request, actor=people.city_staff)
    services.start_consultation(request, actor=people.city_staff, third_party="某公司", today=date(2026, 11, 5))
    services.finish_consultation(request, actor=people.city_staff, outcome="逾期未提出意见", today=date(2026, 12, 1))
    # excluded: 6 Nov … 26 Nov (15 working days): 30 Nov + 15 = 1–4 Dec (4) 7–11 (9) 14–18 (14) 21 Dec (15)
    assert request.due_on == date(2026, 12, 21)


def test_one_extension_only_and_only_with_the_heads_approval(tree, people):
    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.accept(request, actor=people.city_staff)
    with pytest.raises(ValidationFailed, match="1至20个工作日"):
        services.request_extension(request, actor=people.city_staff, days=21, reason="涉及多个处室", today=date(2026, 11, 20))
    services.request_extension(request, actor=people.city_staff, days=20, reason="涉及多个处室", today=date(2026, 11, 20))
    assert request.state == "extension_review" and request.due_on == date(2026, 11, 30)  # not moved yet
    db.session.commit()  # a refusal rolls back what was not committed, as a request would
    with pytest.raises(PermissionDenied):
        services.perform_action(request, "approve_extension", actor=people.city_staff, data={})
    request = services.get_request(request.id)
    assert request.extension_days == 0 and request.state == "extension_review"
    services.approve_extension(request, actor=people.leader, today=date(2026, 11, 23))
    # 30 Nov + 20: 1–4 Dec (4) 7–11 (9) 14–18 (14) 21–25 (19) 28 Dec (20)
    assert request.due_on == date(2026, 12, 28)
    assert request.extension_approved_by_id == people.leader.id
    assert any("延长20个工作日" in e.text and e.public for e in request.entries)
    with pytest.raises(Conflict, match="只能延长一次"):
        services.request_extension(request, actor=people.city_staff, days=5, reason="再延", today=date(2026, 11, 24))


def test_the_handling_step_is_due_on_the_statutory_day_with_a_reminder_before_it(tree, people):
    from eduplatform import workflow

    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.accept(request, actor=people.city_staff)
    instance = workflow.instance_for(request, services.PROCESS)
    (task,) = [t for t in workflow.current_tasks(instance) if t.is_open]
    assert task.state == "handling"
    # the clock is already past (30 Nov is before today): due today at the latest, deadline on the instance
    assert instance.deadline_at == services.end_of_day_utc(date(2026, 11, 30))
    assert task.remind_at is not None and task.remind_at <= task.due_at


def test_the_engines_generic_step_cannot_bypass_the_clock_rules(tree, people):
    from eduplatform import workflow

    request = letter_request(tree.city, people.city_staff, date(2026, 9, 21))
    db.session.commit()
    with pytest.raises(Conflict, match="申请办理页面"):
        workflow.perform(workflow.instance_for(request, services.PROCESS), "request_correction",
                         actor=people.city_staff, reason="绕过七日限制")
    db.session.rollback()
    assert services.get_request(request.id).state == "review"


def test_an_online_correction_tells_the_bureaus_inbox(tree, people):
    from eduplatform.core.notices import Notice

    request = letter_request(tree.city, people.city_staff, date(2026, 11, 2))
    services.request_correction(request, actor=people.city_staff, notice="请明确年度", today=date(2026, 11, 3))
    services.submit_correction(request, text="2026年", today=date(2026, 11, 4))
    notice = db.session.scalar(sa.select(Notice).where(Notice.realm == "disclosure"))
    assert notice.org_id == tree.city.id and request.tracking_code in notice.title
    with pytest.raises(Conflict, match="当前不需要补正"):
        services.submit_correction(request, text="再交一次", today=date(2026, 11, 5))


def test_the_engine_reminds_the_office_before_the_answer_is_due(tree, people):
    from datetime import datetime, timedelta

    from eduplatform import workflow
    from eduplatform.core.notices import Notice
    from eduplatform.workflow.tick import run_tick

    today = services.today_local()
    request = letter_request(tree.city, people.city_staff, today)
    services.accept(request, actor=people.city_staff)
    (task,) = [t for t in workflow.current_tasks(workflow.instance_for(request, services.PROCESS)) if t.is_open]
    assert task.due_at == services.end_of_day_utc(request.due_on)
    # 09:00 China time, three working days before the due day
    remind_day = services.calendar().subtract_working_days(request.due_on, 3)
    assert task.remind_at == datetime.combine(remind_day, datetime.min.time()) + timedelta(hours=1)
    report = run_tick(now=task.remind_at + timedelta(minutes=1))
    assert report.reminded == 1
    titles = db.session.scalars(sa.select(Notice.title).where(Notice.user_id == people.city_staff.id)).all()
    assert any("即将到期" in t and "办理" in t for t in titles)
