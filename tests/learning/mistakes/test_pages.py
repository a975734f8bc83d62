"""The 错题本 pages render in Chinese and cost a fixed number of SQL statements however many entries,
students or items they show (caps measured when set: book 14, class 11, practice 7, redo 5 — the same with 1 or 20 rows)."""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.learning.mistakes import capture, services
from eduplatform.learning.mistakes.models import MistakeEntry, Source
from eduplatform.questions import services as question_services
from tests.questions.conftest import sample

# class +1 since the 家校沟通 menu entry of a 班主任 (one query on every teacher page)
CAPS = {"book": 14, "class": 12, "practice": 7, "redo": 5}


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split())[:160])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def capped(client, path, cap):
    client.get(path)
    with counted() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    listing = "\n".join(f"{n} × {s}" for s, n in Counter(statements).most_common())
    assert statements and len(statements) <= cap, f"{path}: {len(statements)} statements (cap {cap}):\n{listing}"
    return response.get_data(as_text=True)


@pytest.fixture
def full_book(junior, points):
    """Each of the class's three students has 20 wrong questions (single / true-false / fill-in, two
    knowledge points), and the bank has similar questions to practise."""
    t = junior.teachers["数学"]
    versions = []
    for n in range(20):
        qtype = ("single", "true_false", "fill_blank")[n % 3]
        kp = points.linear if n % 2 else points.triangle
        q = question_services.create_question(t, sample(qtype, stem=f"第 {n} 题"), knowledge_points=[kp])
        question_services.create_question(t, sample(qtype, stem=f"同类题 {n}"), knowledge_points=[kp])
        versions.append(question_services.current_version(q))
    rows = [capture.Graded(user_id=s.id, version=v, score=0, max_score=v.score, response=None,
                           source=Source.HOMEWORK, source_ref=f"{s.id}:{v.id}", label="作业：单元练习")
            for s in junior.students for v in versions]
    capture.capture(rows, actor=t)
    db.session.commit()
    return junior


def test_the_book_page_with_filters(full_book, client, auth, points):
    s = full_book.students[0]
    auth.login(s)
    html = capped(client, "/learning/mistakes/", CAPS["book"])
    assert "我的错题本" in html and "待巩固 <strong>20</strong> 道" in html and html.count('class="card mb-2 mistake"') == 20
    assert "一元一次方程" in html and "三角形" in html and "我的答案" in html
    filtered = capped(client, f"/learning/mistakes/?knowledge_point_id={points.linear.id}&subject=math&status=pending",
                      CAPS["book"])
    assert filtered.count('class="card mb-2 mistake"') == 10
    none = client.get("/learning/mistakes/?status=mastered").get_data(as_text=True)
    assert "还没有题目" in none


def test_the_redo_and_practice_pages(full_book, client, auth):
    s = full_book.students[0]
    auth.login(s)
    entry = db.session.scalars(sa.select(MistakeEntry).where(MistakeEntry.user_id == s.id)).first()
    html = capped(client, f"/learning/mistakes/{entry.id}/redo", CAPS["redo"])
    assert "提交，马上批改" in html
    response = client.post("/learning/mistakes/practice", data={"size": "20"})
    assert response.status_code == 302
    page = capped(client, response.headers["Location"], CAPS["practice"])
    assert len(re.findall(r'class="card mb-2 practice-item"', page)) == 20 and "同类题" in page


def test_the_class_page(full_book, client, auth):
    auth.login(full_book.head)
    html = capped(client, "/learning/mistakes/classes", CAPS["class"])
    assert "错得最多的知识点" in html and "3</strong> 名学生做错（100%）" in html
    assert services.class_mistakes(full_book.school_class, subjects=None)["size"] == 3


def test_the_student_workbench_card(full_book, client, auth):
    auth.login(full_book.students[0])
    html = client.get("/").get_data(as_text=True)
    assert 'id="wb-mistake-counts">待巩固 <strong>20</strong> 道' in html and "三角形 10" in html
    auth.logout()
    auth.login(full_book.head)
    assert "wb-mistake-counts" not in client.get("/").get_data(as_text=True)
