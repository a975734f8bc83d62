"""公文 on the 工作台: a 来文 waits on each recipient 收发员's to-do list until 签收, and nobody else's."""

from __future__ import annotations

from eduplatform.core.extensions import db
from eduplatform.documents.services import exchange
from tests.documents.flow.test_exchange import _delivery, _dispatch, receivers  # noqa: F401  (receivers: the fixture)


def _todos(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return page.split('id="home-todos"')[1].split("</ol>")[0] if 'id="home-todos"' in page else ""


def test_a_delivery_waits_on_the_clerks_workbench_until_signed(client, auth, bureau, receivers):  # noqa: F811
    document = _dispatch(bureau, receivers)
    auth.login(receivers.admin_a)
    todos = _todos(client)
    assert document.title in todos and "来文" in todos and "待签收" in todos
    assert 'href="/documents/exchange?status=pending"' in todos
    auth.logout()
    auth.login(receivers.teacher_a)  # a teacher of the same school is not its 收发员
    assert document.title not in client.get("/").get_data(as_text=True)
    auth.logout()
    exchange.sign_for(_delivery(document, receivers.school_a).id, actor=receivers.admin_a)
    db.session.commit()
    auth.login(receivers.admin_a)
    assert "待签收" not in _todos(client)
