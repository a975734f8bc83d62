"""组卷 by rules: per section a type, a count and a score; a difficulty mix; knowledge points to cover;
questions used in the last N papers excluded. The same rules and seed always give the same paper.

When the rules cannot be met, every unmet rule is reported with what is missing, e.g.
"第 1 大题：知识点“一元一次方程”的单选题只有 3 道，需要 5 道（差 2 道）".

The selection reads only (id, difficulty) tuples and knowledge-point links — never ORM objects — so
a 100,000-question bank is handled in tens of milliseconds (see bench/bench_questions.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.questions import knowledge
from eduplatform.questions.models import KnowledgePoint, Paper, PaperItem, Question, question_kp_links
from eduplatform.questions.permissions import visible_shared
from eduplatform.questions.types import QUESTION_TYPES
from eduplatform.questions.vocab import BAND_LABELS, DIFFICULTY_BANDS, SUBJECTS

MAX_SECTIONS = 20
MAX_COUNT = 200
CHINESE_NUMERALS = "一二三四五六七八九十"


class RulesInfeasible(ValidationFailed):
    """The bank cannot satisfy the rules; ``problems`` says which rule and by how much."""

    code = "rules_infeasible"

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("无法按规则组卷：" + "；".join(problems), fields={"rules": problems})


@dataclass
class SectionRule:
    type: str
    count: int
    score: float
    title: str = ""
    knowledge_points: list[int] = field(default_factory=list)


@dataclass
class Rules:
    subject: str
    sections: list[SectionRule]
    stage: str | None = None
    grade: str | None = None
    #: Share of each band ("easy", "medium", "hard"); None = any difficulty.
    difficulty_mix: dict[str, float] | None = None
    cover_knowledge_points: list[int] = field(default_factory=list)
    exclude_recent_papers: int = 0
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "stage": self.stage, "grade": self.grade,
                "sections": [vars(s).copy() for s in self.sections],
                "difficulty_mix": self.difficulty_mix,
                "cover_knowledge_points": list(self.cover_knowledge_points),
                "exclude_recent_papers": self.exclude_recent_papers, "seed": self.seed}


def parse_rules(data: dict[str, Any]) -> Rules:
    """Rules from JSON-like input; errors are Chinese and name the rule."""
    problems: list[str] = []
    subject = data.get("subject")
    if subject not in SUBJECTS:
        problems.append("请选择学科")
    sections = []
    raw_sections = data.get("sections") or []
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append("至少要有一个大题规则")
        raw_sections = []
    if len(raw_sections) > MAX_SECTIONS:
        problems.append(f"大题不能超过 {MAX_SECTIONS} 个")
    for n, raw in enumerate(raw_sections[:MAX_SECTIONS], 1):
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            problems.append(f"第 {n} 大题：请选择题型")
            continue
        try:
            count = int(raw.get("count"))
            score = round(float(raw.get("score")), 2)
        except (TypeError, ValueError):
            problems.append(f"第 {n} 大题：题数和每题分值须为数字")
            continue
        if not 1 <= count <= MAX_COUNT or not 0 < score <= 1000:
            problems.append(f"第 {n} 大题：题数须为 1–{MAX_COUNT}，每题分值须大于 0")
            continue
        kps = [int(k) for k in raw.get("knowledge_points") or []]
        title = str(raw.get("title") or "").strip()[:200] or \
            f"{CHINESE_NUMERALS[(n - 1) % 10]}、{QUESTION_TYPES[qtype].label}"
        sections.append(SectionRule(qtype, count, score, title, kps))
    mix = data.get("difficulty_mix") or None
    if mix:
        try:
            mix = {band: float(mix.get(band) or 0) for band in DIFFICULTY_BANDS}
        except (TypeError, ValueError, AttributeError):
            problems.append("难度比例须为数字")
            mix = None
        else:
            if any(v < 0 for v in mix.values()) or sum(mix.values()) <= 0:
                problems.append("难度比例须为非负数，且不能全为 0")
                mix = None
    try:
        exclude = int(data.get("exclude_recent_papers") or 0)
        seed = int(data.get("seed") or 0)
    except (TypeError, ValueError):
        problems.append("排除最近试卷数和随机种子须为整数")
        exclude, seed = 0, 0
    if not 0 <= exclude <= 100:
        problems.append("排除最近试卷数须为 0–100")
    cover = [int(k) for k in data.get("cover_knowledge_points") or []]
    if problems:
        raise ValidationFailed("组卷规则有误：" + "；".join(problems), fields={"rules": problems})
    rules = Rules(subject=subject, sections=sections, stage=data.get("stage") or None,
                  grade=data.get("grade") or None, difficulty_mix=mix, cover_knowledge_points=cover,
                  exclude_recent_papers=exclude, seed=seed)
    all_kps = set(cover) | {k for s in sections for k in s.knowledge_points}
    knowledge.load_knowledge_points(all_kps, subject)  # unknown or foreign ids are refused here
    return rules


def band_quotas(count: int, mix: dict[str, float] | None) -> dict[str | None, int]:
    """Split ``count`` over the bands by the mix (largest remainder; ties go to the easier band)."""
    if not mix:
        return {None: count}
    total = sum(mix.values())
    exact = {band: count * share / total for band, share in mix.items()}
    quotas = {band: int(value) for band, value in exact.items()}
    order = sorted(mix, key=lambda b: (-(exact[b] - quotas[b]), list(DIFFICULTY_BANDS).index(b)))
    for band in order[: count - sum(quotas.values())]:
        quotas[band] += 1
    return {band: n for band, n in quotas.items() if n}


@dataclass
class _Slot:
    section: int
    band: str | None
    need: int
    candidates: list[int]
    picked: list[int] = field(default_factory=list)


def recent_question_ids(actor, n: int) -> set[int]:
    """Questions used in the last ``n`` papers of the actor's unit."""
    if n <= 0:
        return set()
    recent = (sa.select(Paper.id).where(Paper.org_id == actor.scope_root.id, Paper.deleted_at.is_(None))
              .order_by(Paper.created_at.desc(), Paper.id.desc()).limit(n)).subquery()
    return set(db.session.scalars(sa.select(PaperItem.question_id).where(PaperItem.paper_id.in_(sa.select(recent.c.id)))))


def _plain_rows(statement) -> list[tuple]:
    """Run a SELECT on the DB-API cursor: plain tuples, without SQLAlchemy's per-row objects (the
    candidate query returns up to one row per question of the bank)."""
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    if compiled.positiontup is not None:
        params = tuple(compiled.params[name] for name in compiled.positiontup)
    else:
        params = compiled.params
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _kp_question_ids(kp: KnowledgePoint) -> set[int]:
    return {row[0] for row in _plain_rows(sa.select(question_kp_links.c.question_id).where(
        question_kp_links.c.knowledge_point_id.in_(knowledge.subtree_ids(kp))))}


def select_questions(actor, rules: Rules) -> list[list[int]]:
    """The chosen question ids per section, or :class:`RulesInfeasible`."""
    base = [Question.deleted_at.is_(None), Question.subject == rules.subject]
    if rules.stage:
        base.append(Question.stage == rules.stage)
    if rules.grade:
        base.append(Question.grade == rules.grade)
    excluded = recent_question_ids(actor, rules.exclude_recent_papers)
    kps = {kp.id: kp for kp in knowledge.load_knowledge_points(
        set(rules.cover_knowledge_points) | {k for s in rules.sections for k in s.knowledge_points})}
    kp_members = {kp_id: _kp_question_ids(kp) for kp_id, kp in kps.items()}

    # One grouped query for all the sections' types: per (type, difficulty) the ids as one
    # comma-separated string, split at C speed — no Python work per question of the bank.
    types = list({s.type for s in rules.sections})
    band_of_level = {level: band for band, levels in DIFFICULTY_BANDS.items() for level in levels}
    if db.session.get_bind().dialect.name == "postgresql":
        id_list = sa.func.string_agg(sa.cast(Question.id, sa.String), sa.literal_column("','"))
    else:
        id_list = sa.func.group_concat(Question.id)
    query = visible_shared(actor, sa.select(Question.type, Question.difficulty, id_list)
                           .where(*base, Question.type.in_(types)).group_by(Question.type, Question.difficulty),
                           Question)
    if excluded:
        query = query.where(Question.id.not_in(sorted(excluded)))
    by_band: dict[tuple[str, str | None], list[int]] = {}
    for qtype, diff, ids in _plain_rows(query):
        numbers = list(map(int, ids.split(",")))
        by_band.setdefault((qtype, None), []).extend(numbers)
        by_band.setdefault((qtype, band_of_level[diff]), []).extend(numbers)
    for numbers in by_band.values():
        numbers.sort()  # by id: only the seed decides, whatever order the database gives

    problems: list[str] = []
    slots: list[_Slot] = []
    for n, section in enumerate(rules.sections, 1):
        label = QUESTION_TYPES[section.type].label
        where, allowed = "", None
        if section.knowledge_points:
            allowed = set().union(*(kp_members[k] for k in section.knowledge_points))
            where = "知识点“" + "、".join(kps[k].name for k in section.knowledge_points) + "”的"
        for band, need in band_quotas(section.count, rules.difficulty_mix).items():
            candidates = by_band.get((section.type, band), [])
            if allowed is not None:
                candidates = [qid for qid in candidates if qid in allowed]
            if len(candidates) < need:
                band_text = f"{BAND_LABELS[band]}难度" if band else ""
                problems.append(f"第 {n} 大题：{where}{band_text}{label}只有 {len(candidates)} 道，"
                                f"需要 {need} 道（差 {need - len(candidates)} 道）")
            slots.append(_Slot(n - 1, band, need, candidates))
    if excluded and problems:
        problems.append(f"（已排除最近 {rules.exclude_recent_papers} 份试卷用过的 {len(excluded)} 道题）")
    # Sections of one type draw from the same questions: their needs add up.
    shared: dict[tuple, list[_Slot]] = {}
    for slot in slots:
        shared.setdefault((rules.sections[slot.section].type, slot.band), []).append(slot)
    for (qtype, band), group in shared.items():
        need = sum(s.need for s in group)
        union = set().union(*(s.candidates for s in group))
        if len(group) > 1 and len(union) < need and all(len(s.candidates) >= s.need for s in group):
            band_text = f"{BAND_LABELS[band]}难度" if band else ""
            problems.append(f"{band_text}{QUESTION_TYPES[qtype].label}共需要 {need} 道，只有 {len(union)} 道"
                            f"（差 {need - len(union)} 道）")
    if problems:
        raise RulesInfeasible(problems)

    rng = random.Random(rules.seed)
    chosen: set[int] = set()
    for kp_id in rules.cover_knowledge_points:
        members = kp_members[kp_id]
        if chosen & members:
            continue
        for slot in slots:
            if len(slot.picked) >= slot.need:
                continue
            options = [qid for qid in slot.candidates if qid in members and qid not in chosen]
            if options:
                pick = rng.choice(options)
                slot.picked.append(pick)
                chosen.add(pick)
                break
        else:
            types = "、".join(dict.fromkeys(QUESTION_TYPES[s.type].label for s in rules.sections))
            problems.append(f"知识点“{kps[kp_id].name}”没有可用的{types}（在所选题型、难度和剩余题量内）")
    for slot in slots:
        missing = slot.need - len(slot.picked)
        if missing <= 0:
            continue
        rest = [qid for qid in slot.candidates if qid not in chosen]
        if len(rest) < missing:
            section = rules.sections[slot.section]
            problems.append(f"第 {slot.section + 1} 大题：{QUESTION_TYPES[section.type].label}在满足其他规则后"
                            f"只剩 {len(rest)} 道，需要 {missing} 道（差 {missing - len(rest)} 道）")
            continue
        picks = rng.sample(rest, missing)
        slot.picked.extend(picks)
        chosen.update(picks)
    if problems:
        raise RulesInfeasible(problems)

    result: list[list[int]] = [[] for _ in rules.sections]
    for slot in slots:
        result[slot.section].extend(slot.picked)
    # Within a section: easier questions first, then by id (stable for the seed).
    picked = [qid for ids in result for qid in ids]
    difficulty = dict(_plain_rows(sa.select(Question.id, Question.difficulty).where(Question.id.in_(picked))))
    return [sorted(ids, key=lambda q: (difficulty[q], q)) for ids in result]


def assemble_paper(actor, header: dict[str, Any], rules: Rules) -> Paper:
    """Select the questions and save the paper (mode "rules", with the rules and seed kept)."""
    from eduplatform.questions.papers import create_paper

    chosen = select_questions(actor, rules)
    sections = [{"title": rule.title, "items": [{"question_id": qid, "score": rule.score} for qid in ids]}
                for rule, ids in zip(rules.sections, chosen, strict=True)]
    header = {**header, "subject": rules.subject, "stage": rules.stage or header.get("stage"),
              "grade": rules.grade or header.get("grade")}
    return create_paper(actor, header, sections, mode="rules", rules=rules.as_dict())
