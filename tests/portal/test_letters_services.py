"""领导信箱 on the engine: receipt with its kind's time limit, 分办, 退单, 改派, 答复, 并案, 回访, audit."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from eduplatform import workflow
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import Conflict, NotFound, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.portal.services import disclosure_clock
from eduplatform.portal.services import letters as services
from eduplatform.portal.services import letters_lists as lists
from tests.portal.letters_helpers import write


def _kinds(letter):
    return list(db.session.scalars(sa.select(AuditEntry.kind).where(
        AuditEntry.object_type == "leader_letter", AuditEntry.object_id == str(letter.id)).order_by(AuditEntry.id)))


def test_the_time_limits_come_from_the_file_consult_5_complaint_and_suggestion_15():
    assert services.kinds() == {"consult": "咨询", "complaint": "投诉", "suggestion": "建议"}
    assert (services.kind_days("consult"), services.kind_days("complaint"), services.kind_days("suggestion")) == \
        (5, 15, 15)


def test_a_letter_is_due_after_its_kinds_working_days_and_waits_for_the_office(tree, mailbox):
    letter, secret = write(tree, kind="consult")
    cal, today = services.calendar(), services.today_local()
    assert letter.due_on == cal.add_working_days(today, 5)
    assert letter.state == "triage" and letter.tracking_code.startswith(f"XX{today.year}")
    assert services.find_for_writer(letter.tracking_code, secret) is letter
    instance = workflow.instance_for(letter, services.PROCESS)
    assert instance.state == "triage"
    assert _kinds(letter) == ["letter.received"]


def test_an_unknown_code_and_a_wrong_secret_get_the_same_answer(tree, mailbox):
    letter, _ = write(tree)
    with pytest.raises(NotFound) as wrong:
        services.find_for_writer(letter.tracking_code, "not-the-secret")
    with pytest.raises(NotFound) as unknown:
        services.find_for_writer("XX2026AAAAAAAA", "not-the-secret")
    assert wrong.value.message == unknown.value.message == "查询码或查询密码不正确"


def test_an_online_letter_needs_a_way_to_answer_it(tree, mailbox):
    with pytest.raises(ValidationFailed, match="联系方式"):
        write(tree, phone="", email="")
    with pytest.raises(ValidationFailed, match="信件类别"):
        write(tree, kind="praise")


def test_routing_sends_back_and_reassigning_move_the_case_between_departments(tree, mailbox):
    letter, _ = write(tree)
    office, basic_staff, finance_staff = mailbox.office_staff, mailbox.city_staff, mailbox.finance_staff
    # 分办 to 财务处: only 财务处 may answer it now
    services.route(letter, actor=office, department_id=mailbox.finance.id)
    assert letter.state == "handling" and letter.department == mailbox.finance
    assert [a["key"] for a in lists.available_actions(letter, finance_staff)] == ["send_back", "reply"]
    assert [a["key"] for a in lists.available_actions(letter, office)] == ["reassign", "merge"]
    assert lists.available_actions(letter, basic_staff) == []
    assert "reply" not in [a["key"] for a in lists.available_actions(letter, mailbox.district_a_staff)]
    # 退单: back to the office with a reason, no department
    with pytest.raises(ValidationFailed):
        services.send_back(letter, actor=finance_staff, reason="")
    services.send_back(letter, actor=finance_staff, reason="食堂价格属基础教育处管理")
    assert letter.state == "triage" and letter.department is None
    # 分办 again, then 改派 by the office to the other department
    services.route(letter, actor=office, department_id=mailbox.finance.id)
    services.reassign(letter, actor=office, department_id=tree.city_dept.id, reason="由基础教育处牵头")
    assert letter.state == "handling" and letter.department == tree.city_dept
    keys = [a["key"] for a in lists.available_actions(letter, finance_staff)]
    assert "reply" not in keys and "send_back" not in keys
    services.reply(letter, actor=basic_staff, text="已责成学校调整价格并公示。")
    assert letter.state == "replied" and letter.replied_on == services.today_local()
    services.close(letter, actor=office, note="电话回访，来信人认可")
    assert letter.state == "closed"
    assert _kinds(letter) == ["letter.received", "letter.routed", "letter.sent_back", "letter.routed",
                              "letter.reassigned", "letter.replied", "letter.closed"]


def test_a_department_outside_the_bureau_is_refused(tree, mailbox):
    letter, _ = write(tree)
    with pytest.raises(ValidationFailed, match="科室"):
        services.route(letter, actor=mailbox.office_staff, department_id=tree.dept_a.id)
    assert letter.state == "triage"


def test_the_engines_generic_page_cannot_take_a_letters_step(tree, mailbox):
    letter, _ = write(tree)
    instance = workflow.instance_for(letter, services.PROCESS)
    with pytest.raises(Conflict, match="信件办理页面"):
        workflow.perform(instance, "route", actor=mailbox.office_staff, data={"department": tree.city_dept.id})


def test_merged_duplicates_are_answered_by_the_main_case(tree, mailbox):
    main, _ = write(tree, title="校门口交通拥堵")
    duplicate, secret = write(tree, title="校门口放学拥堵", name="李芳")
    services.route(main, actor=mailbox.office_staff, department_id=tree.city_dept.id)
    services.merge(duplicate, actor=mailbox.office_staff, into_id=main.id, reason="反映同一问题")
    assert duplicate.state == "merged" and duplicate.merged_into is main and main.merged == [duplicate]
    assert duplicate.answered is None
    services.reply(main, actor=mailbox.city_staff, text="已协调交警在放学时段疏导。")
    assert duplicate.answered is main
    status = lists.public_status(services.find_for_writer(duplicate.tracking_code, secret))
    assert status["reply"] == "已协调交警在放学时段疏导。" and status["merged_into"] == main.tracking_code
    assert "并案" in status["state_label"]
    with pytest.raises(ValidationFailed):
        services.merge(main, actor=mailbox.office_staff, into_id=main.id, reason="自己")


def _clock_at(monkeypatch, when: datetime) -> None:
    """Pin the bureau's clock: working-day counts depend on the weekday the test runs on."""
    monkeypatch.setattr(disclosure_clock, "utcnow", lambda: when)


def test_the_overdue_list_holds_open_cases_past_their_day(tree, mailbox, monkeypatch):
    _clock_at(monkeypatch, datetime(2026, 12, 2, 2, 0))  # Wednesday 10:00 in Beijing
    late, _ = write(tree, title="逾期的信")
    fresh, _ = write(tree, title="新来的信")
    late.due_on = services.calendar().subtract_working_days(services.today_local(), 2)
    db.session.flush()
    overdue = db.session.scalars(lists.letters_query(tree.city, overdue_on=services.today_local())).all()
    assert overdue == [late]
    assert lists.working_days_left(late) == -2 and lists.working_days_left(fresh) == 15
    assert lists.overdue_count(tree.city) == 1
    assert lists.workbench_overview(mailbox.city_staff) == {"triage": 2, "handling": 0, "replied": 0, "overdue": 1}


def test_a_case_due_on_friday_is_one_working_day_late_on_saturday(tree, mailbox, monkeypatch):
    _clock_at(monkeypatch, datetime(2026, 12, 5, 2, 0))  # Saturday 10:00 in Beijing
    letter, _ = write(tree, title="周五到期的信")
    letter.due_on = date(2026, 12, 4)
    db.session.flush()
    assert lists.working_days_left(letter) == -1  # not "0 days left" while it is late
    assert lists.overdue_count(tree.city) == 1
    letter.due_on = date(2026, 12, 7)  # Monday: the weekend does not count
    assert lists.working_days_left(letter) == 1
