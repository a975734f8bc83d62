"""The school's 数据填报 notices are part of the one 通知: top-bar count, home cards and the 通知 page."""

from __future__ import annotations

import re

from eduplatform.core.extensions import db
from eduplatform.reporting.services import notices, reminders


def _top_bar_count(page: str) -> int:
    match = re.search(r'id="nav-notices"[^>]*>通知(?: <span class="badge[^"]*">(\d+)</span>)?', page)
    assert match, "the 通知 button is in the top bar"
    return int(match.group(1) or 0)


def test_a_schools_report_notices_show_in_the_top_bar_home_and_notice_page(client, auth, task, tree, people):
    reminders.remind_late(people.city_staff, task, scope=tree.city)
    db.session.commit()
    admin = people.school_a1_admin
    assert notices.unread_count(admin) == 2  # the task and the 催报, both for the whole school

    auth.login(admin)
    home = client.get("/").get_data(as_text=True)
    assert _top_bar_count(home) == 2
    assert task.title in home  # the newest notices card

    page = client.get("/notices").get_data(as_text=True)
    assert re.search(r'data-realm="reporting"[^>]*>数据填报 <span class="badge[^"]*">2</span>', page)
    assert task.title in page

    school_home = client.get(f"/schools/{tree.school_a1.code}/").get_data(as_text=True)
    assert task.title in school_home

    # read in the reporting inbox: the one count follows
    for notice in db.session.scalars(notices.inbox_query(admin)).all():
        client.post(f"/reporting/inbox/{notice.id}/read")
    assert _top_bar_count(client.get("/").get_data(as_text=True)) == 0


def test_another_schools_notices_never_show(client, auth, task, tree, people):
    auth.login(people.school_b1_admin)
    reminders.remind_late(people.district_a_staff, task, scope=tree.district_a)
    db.session.commit()
    page = client.get("/notices").get_data(as_text=True)
    # its own task notice; district A's 催报 went to A's schools
    assert re.search(r'data-realm="reporting"[^>]*>数据填报 <span class="badge[^"]*">1</span>', page)
    assert page.count('data-notice="') == 1
    assert _top_bar_count(page) == 1
    assert notices.unread_count(people.school_a1_admin) == 2
