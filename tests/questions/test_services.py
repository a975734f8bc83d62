"""Questions: validation, versions on edit, sharing scopes, browsing filters and full-text search."""

from __future__ import annotations

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.search import registry
from eduplatform.core.text.richtext import clean_html
from eduplatform.questions import papers, permissions, services
from eduplatform.questions.models import Question, QuestionVersion
from tests.questions.conftest import sample


def test_create_question_writes_version_one_and_an_audit_entry(people, make_question, kp_tree):
    q = make_question(people.teacher_a1, "fill_blank", kps=[kp_tree["linear"]])
    assert q.version == 1 and q.org_id == people.teacher_a1.org_id
    assert [v.number for v in q.versions] == [1]
    assert q.versions[0].meta["knowledge_points"] == ["一元一次方程"]
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "question.created")) is not None


def test_invalid_questions_are_refused_with_chinese_field_errors(people):
    with pytest.raises(ValidationFailed) as exc:
        services.create_question(people.teacher_a1, sample("single", stem=" ", difficulty=7, score=-1,
                                                           data={"options": ["a"], "answer": 0}))
    assert set(exc.value.fields) >= {"stem", "difficulty", "score", "data"}
    assert "题干不能为空" in exc.value.message
    with pytest.raises(ValidationFailed, match="空位标记"):
        services.create_question(people.teacher_a1, sample("fill_blank", stem="只有 [[1]] 和 [[3]]"))
    assert db.session.scalar(db.select(db.func.count()).select_from(Question)) == 0


def test_stems_are_sanitised_but_keep_formulas_and_local_images():
    dirty = ('<p onclick="x()">解 $x^2$ <script>alert(1)</script><img src="/questions/media/3">'
             '<img src="http://evil.example/t.png"></p>')
    clean = clean_html(dirty)
    assert "script" not in clean and "onclick" not in clean and "evil" not in clean
    assert "$x^2$" in clean and '<img src="/questions/media/3">' in clean
    assert clean_html("a < b & c") == "a &lt; b &amp; c"


def test_edit_keeps_old_versions_for_papers_already_built(people, make_question):
    teacher = people.teacher_a1
    q = make_question(teacher, "single")
    paper = papers.create_paper(teacher, {"title": "第一次测验", "subject": "math"},
                                [{"title": "一、选择题", "items": [{"question_id": q.id}]}])
    db.session.commit()
    services.update_question(teacher, q, {"stem": "方程 $2x+5=9$ 的解是", "data": {"options": ["1", "2"], "answer": 1}})
    db.session.commit()
    assert q.version == 2
    item = paper.items[0]
    assert item.version.number == 1 and "2x+3=7" in item.version.stem
    assert len(item.version.data["options"]) == 4
    assert db.session.scalar(db.select(db.func.count()).select_from(QuestionVersion)
                             .where(QuestionVersion.question_id == q.id)) == 2
    # An edit that changes nothing writes no version.
    services.update_question(teacher, q, {"stem": q.stem})
    assert q.version == 2


def test_sharing_scopes(people, tree, make_question, create_user):
    a1, b1 = people.teacher_a1, people.teacher_b1
    colleague = create_user("a1colleague", org=tree.school_a1)
    neighbour = create_user("a2teacher", org=tree.school_a2)  # same district as a1
    private = make_question(a1, sharing="private")
    org = make_question(a1, sharing="org")
    district = make_question(a1, sharing="district")
    city = make_question(a1, sharing="city")

    def sees(user, q):
        return permissions.can_view_question(user, q)

    assert [sees(colleague, q) for q in (private, org, district, city)] == [False, True, True, True]
    assert [sees(neighbour, q) for q in (private, org, district, city)] == [False, False, True, True]
    assert [sees(b1, q) for q in (private, org, district, city)] == [False, False, False, True]
    assert [sees(people.district_a_staff, q) for q in (private, org, district, city)] == [False, True, True, True]
    assert not sees(people.student_a1, org) and not sees(people.citizen, city)
    # The database query gives the same answers as the predicate.
    for user in (colleague, neighbour, b1, people.district_a_staff, people.student_a1):
        listed = set(db.session.scalars(services.visible_questions(user).with_only_columns(Question.id)))
        assert listed == {q.id for q in (private, org, district, city) if sees(user, q)}, user.username
    # Editing: the author and the managers above, not colleagues or other schools.
    assert permissions.can_edit_question(a1, org)
    assert permissions.can_edit_question(people.school_a1_admin, org)
    assert not permissions.can_edit_question(colleague, org)
    assert not permissions.can_edit_question(people.school_b1_admin, city)


def test_filters_by_type_difficulty_knowledge_point_tag_and_usage(people, make_question, kp_tree):
    t = people.teacher_a1
    q1 = make_question(t, "single", kps=[kp_tree["linear"]], difficulty=1, tags=["期中", "易错"])
    q2 = make_question(t, "multiple", kps=[kp_tree["triangle"]], difficulty=2)
    q3 = make_question(t, "essay", kps=[kp_tree["system"]], difficulty=4)
    papers.create_paper(t, {"title": "卷一", "subject": "math"}, [{"title": "一", "items": [{"question_id": q3.id}]}])
    db.session.commit()

    def ids(**kwargs):
        f = services.QuestionFilters(**kwargs)
        return [q.id for q in db.session.scalars(services.filter_query(t, f))]

    assert ids(type="multiple") == [q2.id]
    assert ids(difficulty=4) == [q3.id]
    assert ids(knowledge_point=kp_tree["equations"].id) == [q3.id, q1.id]  # the subtree counts
    assert ids(tag="易错") == [q1.id]
    assert ids(usage="1-4") == [q3.id]
    assert ids(usage="0") == [q2.id, q1.id]
    assert ids(sort="usage")[0] == q3.id


def test_full_text_search_in_chinese_with_facets_and_acl(people, make_question, kp_tree):
    a1, b1 = people.teacher_a1, people.teacher_b1
    q = make_question(a1, "single", kps=[kp_tree["linear"]], stem="一元一次方程的应用：行程问题")
    make_question(a1, "essay", stem="三角形内角和定理的证明")
    make_question(a1, "single", stem="行程问题中的相遇", sharing="private")
    found, results = services.search_questions(a1, services.QuestionFilters(text="行程"), 1, 20)
    assert len(found) == 2
    assert dict(results.facet_counts["type"]) == {"single": 2}
    found, _ = services.search_questions(a1, services.QuestionFilters(text="方程", knowledge_point=kp_tree["algebra"].id), 1, 20)
    assert [x.id for x in found] == [q.id]
    # Another school sees neither the unit-only nor the private questions.
    found, _ = services.search_questions(b1, services.QuestionFilters(text="行程"), 1, 20)
    assert found == []
    # Deleting removes it from the index after commit.
    services.delete_question(a1, q)
    db.session.commit()
    found, _ = services.search_questions(a1, services.QuestionFilters(text="应用"), 1, 20)
    assert found == []


def test_reindex_rebuilds_question_documents_with_their_knowledge_points(people, make_question, kp_tree, search):
    a1 = people.teacher_a1
    q = make_question(a1, "single", kps=[kp_tree["linear"]], stem="一元一次方程的应用：行程问题")
    search.clear()
    assert services.search_questions(a1, services.QuestionFilters(text="行程"), 1, 20)[0] == []
    registry.reindex()
    # The knowledge-point facet holds every ancestor: loaded in batches for the whole kind.
    found, _ = services.search_questions(a1, services.QuestionFilters(text="方程", knowledge_point=kp_tree["algebra"].id), 1, 20)
    assert [x.id for x in found] == [q.id]
    found, _ = services.search_questions(a1, services.QuestionFilters(text="行程", knowledge_point=kp_tree["triangle"].id), 1, 20)
    assert found == []


def test_usage_counts_reach_the_search_index(people, make_question):
    t = people.teacher_a1
    q = make_question(t, stem="工程问题：甲乙合作")
    papers.create_paper(t, {"title": "卷", "subject": "math"}, [{"title": "一", "items": [{"question_id": q.id}]}])
    db.session.commit()
    found, _ = services.search_questions(t, services.QuestionFilters(text="工程", usage="1-4"), 1, 20)
    assert [x.id for x in found] == [q.id]
    found, _ = services.search_questions(t, services.QuestionFilters(text="工程", usage="0"), 1, 20)
    assert found == []
