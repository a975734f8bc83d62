"""An empty 流转记录 of a form not yet handed in reads 暂无记录 — not a numbered "1. 暂无" (issue 14)."""

from __future__ import annotations

import re


def test_an_empty_history_is_one_plain_line_not_a_numbered_item(client, auth, people, tree, task, sub_of):
    sub = sub_of(task, tree.school_a1)
    auth.login(people.school_a1_admin)
    page = client.get(f"/reporting/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="events-empty">暂无记录</p>' in page
    events = page.split('id="events">')[1].split("</ol>")[0]
    assert "<li" not in events  # nothing numbered
    assert not re.search(r"<li[^>]*>\s*暂无\s*</li>", page)
    assert "暂无记录" in page.split('id="history"')[1].split("</table>")[0]  # the value history too
