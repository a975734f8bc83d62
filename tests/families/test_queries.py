"""The 家校 pages run a fixed number of statements: five times the homework, notices, receipts, links and
messages cost no more queries than one of each (the caps on the demo are in tests/core/test_page_queries.py)."""

from __future__ import annotations

import sqlalchemy as sa

from eduplatform.core.extensions import db
from eduplatform.families import services
from eduplatform.learning import services as learning


def _count(client, path):
    statements = []
    engine = db.engine

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client.get(path)
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200, path
    return [" ".join(s.split())[:120] for s in statements]


def _add(families, set_homework, n, start=0):
    a, kid0 = families.a, families.kids_a[0]
    for k in range(start, start + n):
        hw = set_homework(a.teachers["数学"], a.school_class, "数学", (10, 5), title=f"作业{k}", written=False, commit=False)
        learning.publish(a.teachers["数学"], hw)
        learning.submit_answer(a.students[0], hw.items[0], text="做完")
        notice = services.post_notice(a.head, a.school_class, title=f"通知{k}", body="", needs_receipt=True)
        services.acknowledge(families.parent_a if k % 2 else families.parent_b, notice,
                             kid0 if k % 2 else families.kids_a[1])
        services.write_to_head_teacher(families.parent_a, kid0, f"留言{k}")
        services.write_to_head_teacher(families.parent_b, families.kids_a[1], f"留言{k}")
    db.session.commit()


def test_pages_cost_the_same_with_more_rows(client, auth, families, set_homework):
    kid0, class_id = families.kids_a[0], families.a.school_class.id
    _add(families, set_homework, 2)  # one of each kind of row (a 回执 of each parent)
    pages = {families.parent_a: [f"/families/children/{kid0.id}", "/"],
             families.a.head: [f"/families/classes/{class_id}"], families.admin: ["/families/school"]}
    before = {}
    for user, paths in pages.items():
        auth.login(user)
        for path in paths:
            before[path] = _count(client, path)
        auth.logout()
    _add(families, set_homework, 8, start=2)
    for user, paths in pages.items():
        auth.login(user)
        for path in paths:
            after = _count(client, path)
            assert len(after) <= len(before[path]), (path, [x for x in after if after.count(x) > before[path].count(x)])
        auth.logout()
    assert len(services.notices_for_class(class_id)) == 10
