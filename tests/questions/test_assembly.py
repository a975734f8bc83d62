"""组卷 by rules: sections, difficulty mix, knowledge points to cover, recent papers excluded, seeds,
and messages that say which rule failed and by how much."""

from __future__ import annotations

import pytest

from eduplatform.core.extensions import db
from eduplatform.questions import assembly, papers
from eduplatform.questions.assembly import RulesInfeasible, band_quotas, parse_rules


@pytest.fixture
def bank(people, make_question, kp_tree):
    """12 single (difficulty 1..3 each ×4; 3 on 一元一次方程), 6 true/false, 2 essays."""
    t = people.teacher_a1
    singles = []
    for n in range(12):
        kps = [kp_tree["linear"]] if n < 3 else [kp_tree["triangle"]]
        singles.append(make_question(t, "single", kps=kps, difficulty=n % 3 + 1, stem=f"单选题 {n}", commit=False))
    tfs = [make_question(t, "true_false", kps=[kp_tree["system"]], difficulty=2, stem=f"判断题 {n}", commit=False)
           for n in range(6)]
    essays = [make_question(t, "essay", difficulty=4, stem=f"简答题 {n}", commit=False) for n in range(2)]
    db.session.commit()
    return {"single": singles, "tf": tfs, "essay": essays}


def rules(**overrides):
    data = {"subject": "math", "seed": 7, "sections": [
        {"type": "single", "count": 4, "score": 3},
        {"type": "true_false", "count": 3, "score": 2},
        {"type": "essay", "count": 1, "score": 10}]}
    data.update(overrides)
    return parse_rules(data)


def test_assembles_sections_with_counts_and_scores(people, bank):
    paper = assembly.assemble_paper(people.teacher_a1, {"title": "七年级数学周测"}, rules())
    db.session.commit()
    assert [len(s.items) for s in paper.sections] == [4, 3, 1]
    assert [s.title for s in paper.sections] == ["一、单选题", "二、判断题", "三、简答题"]
    assert paper.total_score == 4 * 3 + 3 * 2 + 10
    assert {i.question.type for i in paper.sections[0].items} == {"single"}
    assert paper.mode == "rules" and paper.rules["seed"] == 7
    assert all(i.question.usage_count == 1 for i in paper.items)


def test_same_seed_same_paper_other_seed_other_paper(people, bank):
    first = assembly.select_questions(people.teacher_a1, rules())
    assert assembly.select_questions(people.teacher_a1, rules()) == first
    others = {tuple(assembly.select_questions(people.teacher_a1, rules(seed=s))[0]) for s in range(1, 8)}
    assert len(others) > 1


def test_difficulty_mix_is_respected(people, bank):
    chosen = assembly.select_questions(people.teacher_a1, rules(
        sections=[{"type": "single", "count": 6, "score": 3}], difficulty_mix={"easy": 4, "medium": 2, "hard": 0}))
    by_id = {q.id: q.difficulty for q in bank["single"]}
    levels = sorted(by_id[q] for q in chosen[0])
    assert sum(1 for d in levels if d in (1, 2)) == 4 and levels.count(3) == 2


def test_band_quotas_use_largest_remainder():
    assert band_quotas(10, {"easy": 0.3, "medium": 0.5, "hard": 0.2}) == {"easy": 3, "medium": 5, "hard": 2}
    assert band_quotas(4, {"easy": 1, "medium": 1, "hard": 1}) == {"easy": 2, "medium": 1, "hard": 1}
    assert band_quotas(5, None) == {None: 5}


def test_knowledge_points_to_cover_are_covered(people, bank, kp_tree):
    linear_ids = {q.id for q in bank["single"][:3]}
    for seed in range(10):
        chosen = assembly.select_questions(people.teacher_a1, rules(
            seed=seed, sections=[{"type": "single", "count": 2, "score": 3}],
            cover_knowledge_points=[kp_tree["linear"].id]))
        assert linear_ids & set(chosen[0]), seed


def test_section_restricted_to_a_knowledge_point_reports_the_shortfall(people, bank, kp_tree):
    with pytest.raises(RulesInfeasible) as exc:
        assembly.select_questions(people.teacher_a1, rules(sections=[
            {"type": "single", "count": 5, "score": 3, "knowledge_points": [kp_tree["linear"].id]}]))
    assert exc.value.problems == ["第 1 大题：知识点“一元一次方程”的单选题只有 3 道，需要 5 道（差 2 道）"]
    assert exc.value.status == 422 and exc.value.code == "rules_infeasible"


def test_every_unmet_rule_is_reported(people, bank, kp_tree):
    with pytest.raises(RulesInfeasible) as exc:
        assembly.select_questions(people.teacher_a1, rules(
            sections=[{"type": "true_false", "count": 8, "score": 2},
                      {"type": "single", "count": 4, "score": 3}],
            difficulty_mix={"easy": 0, "medium": 1, "hard": 1}))
    problems = exc.value.problems
    assert "第 1 大题：困难难度判断题只有 0 道，需要 4 道（差 4 道）" in problems
    assert "第 1 大题：中等难度判断题只有 0 道，需要 4 道（差 4 道）" in problems
    assert "第 2 大题：困难难度单选题只有 0 道，需要 2 道（差 2 道）" in problems


def test_two_sections_of_one_type_add_up(people, bank):
    with pytest.raises(RulesInfeasible, match="判断题共需要 8 道，只有 6 道（差 2 道）"):
        assembly.select_questions(people.teacher_a1, rules(sections=[
            {"type": "true_false", "count": 4, "score": 2}, {"type": "true_false", "count": 4, "score": 2}]))


def test_uncoverable_knowledge_point_is_named(people, bank, kp_tree):
    with pytest.raises(RulesInfeasible, match="知识点“二元一次方程”没有可用的单选题"):
        assembly.select_questions(people.teacher_a1, rules(
            sections=[{"type": "single", "count": 2, "score": 3}], cover_knowledge_points=[kp_tree["system"].id]))


def test_questions_of_the_last_n_papers_are_excluded(people, bank):
    t = people.teacher_a1
    first = assembly.assemble_paper(t, {"title": "卷一"}, rules(sections=[{"type": "true_false", "count": 3, "score": 2}]))
    db.session.commit()
    used = {i.question_id for i in first.items}
    second = assembly.select_questions(t, rules(sections=[{"type": "true_false", "count": 3, "score": 2}],
                                                exclude_recent_papers=1))
    assert not used & set(second[0])
    with pytest.raises(RulesInfeasible, match="已排除最近 1 份试卷用过的 3 道题"):
        assembly.select_questions(t, rules(sections=[{"type": "true_false", "count": 4, "score": 2}],
                                           exclude_recent_papers=1))
    # Deleting the paper frees its questions again.
    papers.delete_paper(t, first)
    assembly.select_questions(t, rules(sections=[{"type": "true_false", "count": 6, "score": 2}],
                                       exclude_recent_papers=1))


def test_only_questions_the_teacher_may_see_are_drawn(people, bank):
    with pytest.raises(RulesInfeasible, match="单选题只有 0 道"):
        assembly.select_questions(people.teacher_b1, rules(sections=[{"type": "single", "count": 1, "score": 3}]))


def test_bad_rules_are_refused_in_chinese():
    with pytest.raises(Exception) as exc:
        parse_rules({"subject": "math", "sections": [{"type": "single", "count": 0, "score": 3},
                                                     {"type": "x", "count": 1, "score": 1}]})
    assert "第 1 大题：题数须为 1–200" in str(exc.value) and "第 2 大题：请选择题型" in str(exc.value)
