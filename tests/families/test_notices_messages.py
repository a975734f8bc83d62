"""回执 once (with its time, whichever parent), the 班主任's count and list of who has not, reminders;
messages seen by both sides; the school's audit read of a thread is itself audited; the parent sees
the child's marks and the teacher's comments."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.families import services
from eduplatform.families.models import NoticeReceipt
from eduplatform.learning import services as learning
from tests.assertions import api_error, count


def _flashes(client):
    with client.session_transaction() as session:
        return " ".join(m for _, m in session.pop("_flashes", []))


def test_notice_receipt_once_count_missing_and_reminder(client, auth, api, families, link_parent):
    a = families.a
    kid0, kid1, kid2 = families.kids_a
    second_parent = link_parent(kid0, "parent_a2")  # two parents of one child: one 回执 for the child
    auth.login(a.head)
    posted = client.post(f"/families/classes/{a.school_class.id}/notices",
                         data={"title": "秋游回执", "body": "周三秋游，请回执", "needs_receipt": "true"})
    assert posted.status_code == 302
    notice = services.notices_for_class(a.school_class.id)[0]
    told = db.session.scalars(sa.select(Notice.user_id).where(Notice.realm == "families", Notice.kind == "notice")).all()
    assert set(told) == {families.parent_a.id, families.parent_b.id, second_parent.id}
    auth.logout()
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid0.id}").get_data(as_text=True)
    assert "秋游回执" in page and "回执：已阅知" in page
    assert client.post(f"/families/children/{kid0.id}/notices/{notice.id}/ack").status_code == 302
    assert "已回执" in _flashes(client)
    client.post(f"/families/children/{kid0.id}/notices/{notice.id}/ack")
    assert "无需重复确认" in _flashes(client)
    assert count(NoticeReceipt, NoticeReceipt.notice_id == notice.id) == 1
    auth.logout()
    again = client.post(f"/api/v1/family-notices/{notice.id}/receipt", json={"student_id": kid0.id},
                        headers=api(second_parent))
    assert again.status_code == 409 and "无需重复确认" in api_error(again)["message"]
    receipt = db.session.scalar(sa.select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id))
    assert receipt.parent_id == families.parent_a.id and receipt.acknowledged_at is not None
    auth.login(a.head)
    status_page = client.get(f"/families/notices/{notice.id}").get_data(as_text=True)
    assert "已回执 <strong>1</strong> / 3" in status_page
    missing = status_page.split('id="missing"')[1].split("</ul>")[0]
    assert kid1.name in missing and kid2.name in missing and kid0.name not in missing
    assert "未关联家长账户" in missing  # kid2 has no parent account
    assert client.post(f"/families/notices/{notice.id}/remind").status_code == 302
    assert "已提醒 1 位未回执的家长" in _flashes(client)
    reminded = db.session.scalars(sa.select(Notice.user_id).where(Notice.kind == "reminder")).all()
    assert reminded == [families.parent_b.id]
    kinds = set(db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.realm == "families")))
    assert {"notice.posted", "notice.acknowledged", "notice.reminded"} <= kinds


def test_messages_both_sides_and_the_schools_audited_read(client, auth, families):
    a, kid0 = families.a, families.kids_a[0]
    auth.login(families.parent_a)
    sent = client.post(f"/families/children/{kid0.id}/messages", data={"body": "孩子最近作业写到很晚"})
    assert sent.status_code == 302
    thread = services.thread_of(families.parent_a, kid0)
    assert client.post(f"/families/children/{kid0.id}/messages", data={"body": "  "}).status_code == 302
    assert "请填写留言内容" in _flashes(client)
    auth.logout()
    auth.login(a.head)
    assert families.parent_a.display_name in client.get(f"/families/classes/{a.school_class.id}").get_data(as_text=True)
    assert "孩子最近作业写到很晚" in client.get(f"/families/threads/{thread.id}").get_data(as_text=True)
    client.post(f"/families/threads/{thread.id}", data={"body": "收到，我会调整作业量"})
    auth.logout()
    auth.login(families.parent_a)
    assert "收到，我会调整作业量" in client.get(f"/families/threads/{thread.id}").get_data(as_text=True)
    auth.logout()
    before = count(AuditEntry, AuditEntry.kind == "thread.audit_read")
    auth.login(families.admin)
    listing = client.get("/families/school").get_data(as_text=True)
    assert f"/families/school/threads/{thread.id}" in listing
    read = client.get(f"/families/school/threads/{thread.id}").get_data(as_text=True)
    assert "孩子最近作业写到很晚" in read and "收到，我会调整作业量" in read and "已记入审计日志" in read
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.kind == "thread.audit_read")
                               .order_by(AuditEntry.id.desc())).first()
    assert count(AuditEntry, AuditEntry.kind == "thread.audit_read") == before + 1
    assert entry.actor_id == families.admin.id and entry.object_type == "family_thread"
    assert entry.object_id == str(thread.id)
    # the school admin reads for audit only: the thread page itself (to reply) is the parties'
    assert client.get(f"/families/threads/{thread.id}").status_code == 404
    assert count(AuditEntry, AuditEntry.kind == "message.sent") == 2


def test_the_parent_sees_homework_status_marks_and_comments(client, auth, api, families, set_homework):
    a, kid0 = families.a, families.kids_a[0]
    t = a.teachers["数学"]
    hw = set_homework(t, a.school_class, "数学", (20, 10), title="方程练习")
    learning.publish(t, hw)
    db.session.commit()
    student_user = a.students[0]
    answer = learning.submit_answer(student_user, hw.items[0], text="做完了")
    learning.mark_answer(t, answer, score=8, comment="步骤清楚")
    db.session.commit()
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid0.id}").get_data(as_text=True)
    assert "方程练习" in page and "已批改" in page and "8/10 分" in page and "步骤清楚" in page
    assert "未提交" in page and "今日" in page
    rows = client.get(f"/api/v1/my/children/{kid0.id}/homework", headers=api(families.parent_a)).get_json()["items"]
    [row] = rows
    assert row["today"] and row["handed"] == 1 and row["score"] == 8
    assert [i["status"] for i in row["items"]] == ["marked", "not_handed"]
    assert row["items"][0]["comment"] == "步骤清楚"
