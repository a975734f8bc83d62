"""The child page: other domains' panels appear where registered (the place for 错题本 / 学情), and
homework of another 分层 group than the child's is not listed; homework older than two weeks is not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform import families as families_domain
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.families import ChildPanel, register_child_panel
from eduplatform.learning import services as learning
from eduplatform.learning.models import Level


@pytest.fixture
def panel(app, tmp_path):
    loader = app.jinja_loader
    from jinja2 import ChoiceLoader, DictLoader

    app.jinja_loader = ChoiceLoader([DictLoader({"test/_panel.html": '<p class="probe">{{ ctx.text }}</p>'}), loader])
    app.jinja_env.loader = app.jinja_loader
    seen = []
    register_child_panel(ChildPanel("probe", "测试面板", "test/_panel.html",
                                    lambda student, parent: seen.append((student.id, parent.id)) or {"text": f"{student.name}的摘要"}))
    yield seen
    families_domain.CHILD_PANELS.pop("probe", None)
    app.jinja_env.loader = loader


def test_a_registered_panel_shows_on_the_child_page(client, auth, families, panel):
    kid = families.kids_a[0]
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid.id}").get_data(as_text=True)
    assert f'<p class="probe">{kid.name}的摘要</p>' in page and 'id="panel-probe"' in page
    assert panel == [(kid.id, families.parent_a.id)]


def test_no_panel_is_faked_when_none_is_registered(client, auth, families, monkeypatch):
    monkeypatch.setattr(families_domain, "CHILD_PANELS", {})
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{families.kids_a[0].id}").get_data(as_text=True)
    assert 'class="mb-3 child-panel"' not in page and "错题本" not in page


def _wrong_homework_answers(families, *kids):
    """A 数学 bank question on 一元一次方程 set as homework for class A, answered wrong by ``kids``."""
    from eduplatform.learning.models import ItemKind
    from eduplatform.questions import knowledge
    from eduplatform.questions import services as question_services
    from tests.questions.conftest import sample

    a = families.a
    t = a.teachers["数学"]
    kp = knowledge.create_knowledge_point(None, subject="math", name="一元一次方程")
    question = question_services.create_question(t, sample("single"), knowledge_points=[kp])
    h = learning.create_homework(t, a.school_class, {"subject": "数学", "title": "方程练习", "level": None,
                                                     "load_date": learning.local_today(),
                                                     "due_at": utcnow() + timedelta(days=1)})
    learning.add_item(t, h, {"kind": ItemKind.QUESTION, "minutes": 5, "question_id": question.id})
    learning.publish(t, h)
    for kid in kids:
        learning.submit_answer(kid.user, h.items[0], response=0)  # wrong: the answer is option 1
    db.session.commit()
    return question


def test_the_childs_mastery_and_term_report_for_the_parent_only(client, auth, families):
    """The 学情 panel: the child's weak knowledge point from a wrong marked answer, and the term report
    PDF, which the parent may open for their own child and not for a classmate."""
    kid0, kid1 = families.kids_a[:2]
    _wrong_homework_answers(families, kid0)
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid0.id}").get_data(as_text=True)
    panel = page[page.index('id="panel-mastery"'):]
    panel = panel[:panel.index("</section>")]
    assert "已评估 1 个知识点" in panel and "一元一次方程" in panel
    report = client.get(f"/learning/mastery/students/{kid0.id}/report.pdf")
    assert report.status_code == 200 and report.data.startswith(b"%PDF")
    assert client.get(f"/learning/mastery/students/{kid1.id}/report.pdf").status_code in (403, 404)


def test_the_childs_mistakes_book_in_numbers_and_nothing_of_a_classmates(client, auth, families):
    """The 错题本 panel: the child's own wrong homework answers (待巩固, the knowledge point), not a
    classmate's, and no question text (the parent sees the summary, the child the book)."""
    kid0, kid1 = families.kids_a[:2]
    question = _wrong_homework_answers(families, kid0, kid1)

    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid0.id}").get_data(as_text=True)
    panel = page[page.index('id="panel-mistakes"'):]
    panel = panel[:panel.index("</section>")]
    assert 'class="mistakes-pending">1<' in panel and 'class="mistakes-mastered">0<' in panel
    assert "一元一次方程（1 次）" in panel
    assert question.stem not in page

    auth.logout()
    auth.login(families.parent_b)
    other = client.get(f"/families/children/{kid1.id}").get_data(as_text=True)
    assert 'class="mistakes-pending">1<' in other
    empty_kid = families.kids_a[2]
    assert client.get(f"/families/children/{empty_kid.id}").status_code == 404


def test_other_groups_and_old_homework_are_not_listed(client, auth, families, set_homework):
    a, kid0 = families.a, families.kids_a[0]
    t = a.teachers["数学"]
    learning.set_groups(t, a.school_class, "数学", {kid0.id: Level.BASIC, families.kids_a[1].id: Level.ADVANCED})
    mine = set_homework(t, a.school_class, "数学", (10,), level=Level.BASIC, title="基础组练习", written=False)
    theirs = set_homework(t, a.school_class, "数学", (10,), level=Level.ADVANCED, title="提高组练习", written=False)
    old = set_homework(t, a.school_class, "数学", (10,), title="上个月的作业", written=False)
    for hw in (mine, theirs, old):
        learning.publish(t, hw)
    old.load_date = learning.local_today() - timedelta(days=30)
    db.session.commit()
    auth.login(families.parent_a)
    page = client.get(f"/families/children/{kid0.id}").get_data(as_text=True)
    assert "基础组练习" in page and "提高组练习" not in page and "上个月的作业" not in page
