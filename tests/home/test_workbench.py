"""The 工作台: to-dos by urgency (overdue, due today, due soon, the rest; returned first within a
bucket), the public user's page, and a panel registry that asks each card whether it applies."""

from __future__ import annotations

from datetime import datetime, timedelta

from eduplatform.core import workbench
from eduplatform.core.workbench import TodoItem, sort_todos, urgency

#: 2026-12-03 10:00 in Beijing (UTC+8)
NOW = datetime(2026, 12, 3, 2, 0)


def _utc(local: str) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database keeps."""
    return datetime.fromisoformat(local) - timedelta(hours=8)


def test_urgency_follows_the_local_calendar_day(app):
    assert urgency(_utc("2026-12-03 09:59"), NOW) == "overdue"
    assert urgency(_utc("2026-12-03 23:59"), NOW) == "today"  # still today in Beijing (15:59 UTC)
    assert urgency(_utc("2026-12-04 00:30"), NOW) == "soon"  # tomorrow in Beijing though the same UTC day
    assert urgency(_utc("2026-12-06 23:59"), NOW) == "soon"  # three days ahead
    assert urgency(_utc("2026-12-07 00:00"), NOW) == "later"
    assert urgency(None, NOW) == "none"


def test_the_soon_window_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "WORKBENCH_SOON_DAYS", 1)
    assert urgency(_utc("2026-12-04 12:00"), NOW) == "soon"
    assert urgency(_utc("2026-12-05 12:00"), NOW) == "later"


def test_todos_are_ordered_overdue_today_soon_later_then_without_deadline(app):
    items = [
        TodoItem("无期限的草稿", "教学资源", "/r/1"),
        TodoItem("下周的填报", "填报任务", "/s/1", due_at=_utc("2026-12-10 17:00")),
        TodoItem("被退回的填报", "数据填报", "/s/2", returned=True),
        TodoItem("明天要签发", "发文", "/d/1", due_at=_utc("2026-12-04 17:00")),
        TodoItem("今晚截止的审核", "教学资源", "/r/2", due_at=_utc("2026-12-03 23:59")),
        TodoItem("昨天就该用印", "发文", "/d/2", due_at=_utc("2026-12-02 17:00")),
        TodoItem("上周就该审核", "教学资源", "/r/3", due_at=_utc("2026-11-26 17:00")),
        TodoItem("被退回且明天截止", "数据填报", "/s/3", due_at=_utc("2026-12-05 17:00"), returned=True),
    ]
    ordered = sort_todos(items, NOW)
    assert [i.title for i in ordered] == [
        "上周就该审核", "昨天就该用印",  # overdue, the oldest first
        "今晚截止的审核",  # due today
        "被退回且明天截止", "明天要签发",  # due soon: a returned item before the others
        "下周的填报",  # later
        "被退回的填报", "无期限的草稿",  # no deadline, returned first
    ]
    assert [i.urgency for i in ordered] == ["overdue", "overdue", "today", "soon", "soon", "later", "none", "none"]


def test_the_merged_list_renders_kind_title_deadline_and_the_returned_mark(app, client, auth, people, monkeypatch):
    from eduplatform import workflow

    items = [TodoItem("《春》朗读指导教学案例", "教学资源", "/resources/7", step="已退回", returned=True,
                      note="请补充音频来源"),
             TodoItem("关于寒假安全工作的通知", "发文", "/documents/3", due_at=_utc("2026-12-03 23:59"), step="用印")]
    monkeypatch.setattr(workflow, "TODO_SOURCES",
                        [workbench.TodoSource(lambda user, limit: list(items), lambda user: 5)])
    monkeypatch.setattr(workbench, "datetime", _Frozen)
    auth.login(people.teacher_a1)
    page = client.get("/").get_data(as_text=True)
    todos = page.split('id="home-todos"')[1].split('id="wb-mine"')[0]
    assert "今天要办（5）" in todos and "另有 3 项" in todos
    first, second = todos.split('class="d-flex flex-wrap align-items-baseline gap-2 py-1 border-bottom wb-todo"')[1:3]
    assert 'data-urgency="today"' in first and "今日到期" in first and "发文" in first
    assert 'href="/documents/3"' in first and "截止 2026-12-03 23:59" in first and "用印" in first
    assert "被退回" in second and "退回理由：请补充音频来源" in second and "无期限" in second


class _Frozen(datetime):
    @classmethod
    def now(cls, tz=None):
        return NOW.replace(tzinfo=tz) if tz else NOW


def test_a_public_user_gets_a_way_to_the_portal_not_an_empty_page(client, auth, people):
    auth.login(people.citizen)
    page = client.get("/").get_data(as_text=True)
    assert 'id="wb-public"' in page and "前往门户网站" in page and 'href="/portal/"' in page
    assert "无单位" not in page and 'id="home-todos"' not in page
    assert 'id="current-org"' not in page


def test_the_auditor_sees_no_to_do_list_but_the_audit_overview(client, auth, people):
    from eduplatform.core.errors import PermissionDenied
    from eduplatform.core.extensions import db
    from eduplatform.core.permissions import require

    try:  # one refusal today
        with client.application.test_request_context():
            require(False, action="test.refused", actor=people.teacher_a1)
    except PermissionDenied:
        pass
    db.session.commit()
    auth.login(people.auditor)
    page = client.get("/").get_data(as_text=True)
    assert 'id="home-todos"' not in page
    audit = page.split('id="wb-audit"')[1].split("</section>")[0]
    assert "今日日志" in audit and "拒绝访问" in audit and "哈希链封存" in audit
    assert "1 次" in audit.split("拒绝访问")[1][:200]


def test_panels_are_asked_in_order_and_only_when_they_apply(app, people, monkeypatch):
    from eduplatform import courses

    seen = []
    panels = [workbench.WorkbenchPanel("mine", "x.html", lambda u: seen.append("late") or {}, order=90),
              workbench.WorkbenchPanel("mine", "y.html", lambda u: seen.append("early") or {}, order=1),
              workbench.WorkbenchPanel("mine", "z.html", lambda u: seen.append("never") or {}, when=lambda u: False),
              workbench.WorkbenchPanel("new", "n.html", lambda u: None)]  # nothing to show: left out
    monkeypatch.setattr(courses, "WORKBENCH_PANELS", panels)
    with app.test_request_context():
        sections = {code: [p.template for p, _ in shown] for code, _, shown in workbench.sections(people.citizen)}
    assert seen == ["early", "late"]
    assert [t for t in sections["mine"] if t in ("x.html", "y.html", "z.html")] == ["y.html", "x.html"]
    assert "n.html" not in sections.get("new", [])


def test_the_notices_card_lists_the_unread_ones_newest_first(client, auth, people):
    from eduplatform.core import notices
    from eduplatform.core.extensions import db

    notices.notify("courses", "completed", "课程已完成：旧通知", users=[people.teacher_a1])
    notices.notify("courses", "completed", "课程已完成：新通知", users=[people.teacher_a1])
    db.session.flush()
    first = db.session.scalars(notices.inbox_query(people.teacher_a1)).all()[-1]  # the older one
    notices.mark_one_read(people.teacher_a1, first)
    notices.notify("courses", "returned", "作业被退回：第二课", users=[people.teacher_a1])
    db.session.commit()
    auth.login(people.teacher_a1)
    card = client.get("/").get_data(as_text=True).split('id="home-notices"')[1]
    assert "未读通知（2）" in card
    assert card.index("作业被退回：第二课") < card.index("课程已完成：新通知")
    assert "旧通知" not in card
