"""催报: notices to every late school in scope, the inbox, and e-mail through a real SMTP server."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.reporting.models import MailOutbox
from eduplatform.reporting.services import notices, reminders
from eduplatform.reporting.services import submissions as submission_services


@pytest.fixture
def smtp_server():
    """aiosmtpd on loopback, collecting what it receives."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mail_config(app, smtp_server):
    _, port = smtp_server
    saved = {k: app.config[k] for k in ("REPORTING_SMTP_HOST", "REPORTING_SMTP_PORT")}
    app.config.update(REPORTING_SMTP_HOST="127.0.0.1", REPORTING_SMTP_PORT=port)
    yield
    app.config.update(saved)


def reminder_orgs(task):
    return set(db.session.scalars(sa.select(Notice.org_id).where(Notice.object_type == "report_task", Notice.object_id == task.id,
                                                                 Notice.kind == "reminder")))


def test_remind_reaches_only_schools_that_have_not_reported(task, tree, people, sub_of, good_values):
    submission_services.submit_submission(sub_of(task, tree.school_a1), people.school_a1_admin, raw=good_values)
    count = reminders.remind_late(people.city_staff, task, scope=tree.city, message="请于本周五前完成")
    db.session.commit()
    assert count == 3
    assert reminder_orgs(task) == {tree.school_a2.id, tree.school_b1.id, tree.school_b2.id}
    body = db.session.scalar(sa.select(Notice.body).where(Notice.kind == "reminder",
                                                          Notice.org_id == tree.school_b1.id))
    assert "请于本周五前完成" in body and "示范市教育局提醒" in body


def test_a_district_reminds_only_its_own_schools(task, tree, people):
    assert reminders.remind_late(people.district_b_staff, task, scope=tree.district_b) == 2
    assert reminder_orgs(task) == {tree.school_b1.id, tree.school_b2.id}


def test_inbox_and_read_marks(task, tree, people):
    reminders.remind_late(people.city_staff, task, scope=tree.city)
    db.session.commit()
    mine = db.session.scalars(notices.inbox_query(people.school_a1_admin)).all()
    assert {n.kind for n in mine} == {"task", "reminder"}
    assert all(n.org_id == tree.school_a1.id for n in mine)
    assert notices.unread_count(people.school_a1_admin) == 2
    notices.mark_read(people.school_a1_admin, mine[0])
    assert notices.unread_count(people.school_a1_admin) == 1
    assert not notices.can_read_notice(people.school_b1_admin, mine[0])
    assert db.session.scalars(notices.inbox_query(people.teacher_a1)).all() == []


def test_reminder_email_goes_through_smtp(task, tree, people, create_user, smtp_server, mail_config):
    from eduplatform.accounts.models import Role

    handler, _ = smtp_server
    create_user("b2admin", roles=[Role.SCHOOL_ADMIN], org=tree.school_b2, email="b2@school.example.cn",
                display_name="西山高中管理员")
    people.school_b1_admin.email = "b1@school.example.cn"
    db.session.commit()
    reminders.remind_late(people.district_b_staff, task, scope=tree.district_b)
    db.session.commit()
    assert notices.deliver_after_commit() == 2
    recipients = sorted(rcpt for m in handler.messages for rcpt in m.rcpt_tos)
    assert recipients == ["b1@school.example.cn", "b2@school.example.cn"]
    text = handler.messages[0].content.decode("utf-8", "replace")
    assert "Subject:" in text
    assert set(db.session.scalars(sa.select(MailOutbox.status))) == {"sent"}


def test_mail_stays_queued_when_the_server_is_down(task, tree, people, app):
    people.school_b1_admin.email = "b1@school.example.cn"
    db.session.commit()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    saved = {k: app.config[k] for k in ("REPORTING_SMTP_HOST", "REPORTING_SMTP_PORT")}
    app.config.update(REPORTING_SMTP_HOST="127.0.0.1", REPORTING_SMTP_PORT=dead_port)
    try:
        reminders.remind_late(people.district_b_staff, task, scope=tree.district_b)
        db.session.commit()
        assert notices.deliver_after_commit() == 0
        queued = db.session.scalars(sa.select(MailOutbox)).all()
        assert len(queued) == 1 and queued[0].status == "pending" and queued[0].attempts == 1
        assert "连接邮件服务器失败" in queued[0].last_error
    finally:
        app.config.update(saved)


def test_no_mail_is_queued_without_smtp(task, tree, people):
    people.school_b1_admin.email = "b1@school.example.cn"
    reminders.remind_late(people.district_b_staff, task, scope=tree.district_b)
    assert db.session.scalar(sa.select(sa.func.count(MailOutbox.id))) == 0
