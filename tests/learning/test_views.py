"""The HTML pages: a teacher sets, is refused over budget (flashed, nothing published), the 班主任's day,
分层 groups, the marking stack, the student's list and hand-in page, the school's week and budgets."""

from __future__ import annotations

import io

from eduplatform.core.extensions import db
from eduplatform.learning import services
from eduplatform.learning.models import Homework, HomeworkStatus, ItemKind, Level
from tests.assertions import count
from tests.learning.conftest import PNG


def _flashes(client):
    with client.session_transaction() as session:
        return " ".join(m for _, m in session.pop("_flashes", []))


def test_teacher_pages_and_over_budget_refusal(client, auth, junior, set_homework):
    c, t = junior.school_class, junior.teachers["数学"]
    services.publish(junior.teachers["语文"], set_homework(junior.teachers["语文"], c, "语文", (80,)))
    db.session.commit()
    auth.login(t)
    assert "布置作业" in client.get("/learning/").get_data(as_text=True)
    form = client.get(f"/learning/classes/{c.id}/homework/new").get_data(as_text=True)
    assert "今天已发布书面作业 80 分钟" in form
    created = client.post(f"/learning/classes/{c.id}/homework", data={
        "subject": "数学", "title": "方程", "load_date": services.local_today().isoformat(),
        "due_at": f"{services.local_today().isoformat()} 23:00"})
    assert created.status_code == 302
    homework = db.session.query(Homework).filter_by(title="方程").one()
    client.post(f"/learning/homework/{homework.id}/items", data={"kind": "handin", "title": "练习", "minutes": "20"})
    page = client.get(f"/learning/homework/{homework.id}").get_data(as_text=True)
    assert '发布本作业后 <strong id="load-after">100</strong>' in page and "提交班主任审批" in page
    client.post(f"/learning/homework/{homework.id}/publish")
    assert "超过双减预算 90 分钟" in _flashes(client)
    assert db.session.get(Homework, homework.id).status == HomeworkStatus.DRAFT
    day = client.get(f"/learning/classes/{c.id}/day").get_data(as_text=True)
    assert "各学科书面作业合计 <strong>80</strong> 分钟" in day
    groups = client.get(f"/learning/classes/{c.id}/groups").get_data(as_text=True)
    assert junior.school_class.students[0].name in groups
    first = junior.school_class.students[0]
    client.post(f"/learning/classes/{c.id}/groups", data={"subject": "数学", f"level_{first.id}": "advanced"})
    from eduplatform.learning.audience import group_of

    assert group_of(first, "数学") == Level.ADVANCED


def test_student_hand_in_and_teacher_marking_pages(client, auth, junior, set_homework):
    c, t = junior.school_class, junior.teachers["数学"]
    h = set_homework(t, c, "数学", (20, 10), kinds=[ItemKind.HANDIN, ItemKind.READING])
    services.publish(t, h)
    db.session.commit()
    student = junior.students[0]
    auth.login(student)
    today = client.get("/learning/today").get_data(as_text=True)
    assert "数学 · 数学作业" in today and "预计 30 分钟" in today
    assert 'capture="environment"' in client.get(f"/learning/homework/{h.id}/do").get_data(as_text=True)
    item = h.items[0]
    client.post(f"/learning/items/{item.id}/answer", data={"file": (io.BytesIO(PNG), "p.png")},
                content_type="multipart/form-data")
    assert "已提交" in _flashes(client)
    assert client.get(f"/learning/items/{item.id}/marking").status_code == 403
    auth.logout()
    auth.login(t)
    marking = client.get(f"/learning/items/{item.id}/marking").get_data(as_text=True)
    assert "已交 1/3" in marking and "上交的照片" in marking
    answer_id = services.marking_stack(item)[0]["answer"].id
    assert client.get(f"/learning/answers/{answer_id}/file").status_code == 200
    client.post(f"/learning/answers/{answer_id}/mark", data={"score": "8", "comment": "好", "n": "0"})
    assert services.marking_stack(item)[0]["answer"].score == 8


def test_school_week_and_budget(client, auth, people, tree, make_class, set_homework):
    from eduplatform.learning import budget

    auth.login(people.school_a1_admin)
    primary = make_class(tree.school_a1, grade=3)
    services.publish(primary.teachers["数学"], set_homework(primary.teachers["数学"], primary.school_class, "数学", (40,)))
    db.session.commit()
    page = client.get("/learning/school").get_data(as_text=True)
    assert primary.school_class.name in page and "2021" in page
    client.post("/learning/school/budget", data={"grade": "3", "minutes": "45"})
    assert budget.rule_for(tree.school_a1.id, 3).minutes == 45
    client.post("/learning/school/budget", data={"grade": "3", "minutes": "900"})
    assert "0 到 300" in _flashes(client)
    assert budget.rule_for(tree.school_a1.id, 3).minutes == 45
    auth.logout()
    auth.login(primary.teachers["数学"])
    assert client.get("/learning/school").status_code == 403
    assert count(Homework) == 1


def test_workbench_cards(client, auth, junior, set_homework):
    c, t = junior.school_class, junior.teachers["数学"]
    services.publish(t, set_homework(t, c, "数学", (25,), title="工作台上的作业"))
    db.session.commit()
    auth.login(junior.students[0])
    home = client.get("/").get_data(as_text=True)
    assert "今日作业" in home and "工作台上的作业" in home and "25 分钟" in home
    auth.logout()
    auth.login(junior.head)
    home = client.get("/").get_data(as_text=True)
    assert "班级作业" in home and "今日书面作业 25/90 分钟" in home


def test_the_approval_path_from_the_pages_refuses_cleanly_and_then_acts(client, auth, junior, set_homework):
    """Over budget → 提交班主任审批; a return without an opinion is refused (nothing changes); the
    teacher withdraws, removes an item, publishes within budget."""
    c, maths, head = junior.school_class, junior.teachers["数学"], junior.teachers["语文"]
    homework = set_homework(maths, c, "数学", (60, 40))
    auth.login(maths)
    client.post(f"/learning/homework/{homework.id}/publish", data={"ask_head_teacher": "y"})
    assert "已提交班主任审批" in _flashes(client)
    assert db.session.get(Homework, homework.id).status == HomeworkStatus.PENDING
    auth.logout()
    auth.login(head)
    client.post(f"/learning/homework/{homework.id}/decide", data={"approve": "false", "opinion": ""})
    assert _flashes(client) and db.session.get(Homework, homework.id).status == HomeworkStatus.PENDING
    auth.logout()
    auth.login(maths)
    client.post(f"/learning/homework/{homework.id}/withdraw")
    assert "已撤回审批" in _flashes(client)
    assert db.session.get(Homework, homework.id).status == HomeworkStatus.DRAFT
    client.post(f"/learning/items/{homework.items[1].id}/delete")
    assert "已删除作业项目" in _flashes(client) and len(db.session.get(Homework, homework.id).items) == 1
    client.post(f"/learning/homework/{homework.id}/publish")
    assert "作业已发布" in _flashes(client)
    assert db.session.get(Homework, homework.id).status == HomeworkStatus.PUBLISHED
