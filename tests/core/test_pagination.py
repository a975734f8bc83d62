"""Every list page's page links: page 2 answers, keeps its filters and never repeats ``page``."""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db


def _links(html: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(r'class="page-link" href="([^"#]+)"', html)]


def test_the_helper_drops_a_page_passed_with_the_request_arguments(app):
    from flask import render_template_string

    class Page:
        pages, page, has_prev, has_next, prev_num, next_num, total = 3, 2, True, True, 1, 3, 60

        def iter_pages(self):
            return [1, 2, 3]

    with app.test_request_context("/audit?page=2&kind=login&kind=logout"):
        from flask import request

        html = render_template_string(
            '{% from "_macros.html" import pagination %}{{ pagination(page, "audit.audit_log", **args) }}',
            page=Page(), args=request.args)
    links = _links(html)
    assert "/audit?page=3&kind=login&kind=logout" in links
    assert all(link.count("page=") == 1 for link in links)


def test_audit_log_page_two(client, auth, people):
    rows = [{"created_at": datetime(2026, 1, 1), "realm": "test", "kind": "thing.done", "summary": f"第{i}条",
             "data": {}} for i in range(120)]
    db.session.execute(sa.insert(AuditEntry), rows)
    db.session.commit()
    auth.login(people.auditor)
    first = client.get("/audit?realm=test")
    assert first.status_code == 200
    links = _links(first.get_data(as_text=True))
    assert "/audit?realm=test&page=2" in links or "/audit?page=2&realm=test" in links
    second = client.get("/audit?realm=test&page=2")
    assert second.status_code == 200, second.get_data(as_text=True)[:300]
    html = second.get_data(as_text=True)
    assert "第69条" in html and all(link.count("page=") == 1 for link in _links(html))


def test_user_list_page_two_keeps_the_search(client, auth, people, create_user):
    for i in range(25):
        create_user(f"pageuser{i:02d}", roles=[Role.TEACHER], org=people.teacher_a1.org)
    auth.login(people.sysadmin)
    first = client.get("/users?q=pageuser")
    assert first.status_code == 200
    links = _links(first.get_data(as_text=True))
    assert any("page=2" in link and "q=pageuser" in link for link in links), links
    assert client.get("/users?q=pageuser&page=2").status_code == 200
