"""Question bank figures: rule-based assembly on a 100,000-question bank, importing 10,000 GIFT questions.

    python bench/bench_questions.py [--questions 100000] [--runs 30] [--gift 10000] [--database-url URL]

1. Builds a bank of N questions (7 types, difficulty 1–5, each on one of 60 knowledge points) with
   their version rows, in a fresh SQLite database under a temporary directory (or the database named
   by ``--database-url``; it must be empty — the script migrates it).
2. Assembly with 10 rules: six sections (单选 10, 多选 5, 判断 5, 填空 5 of one knowledge point, 数值 2,
   简答 3), a difficulty mix 3:5:2, two knowledge points to cover, and the questions of the last 3
   papers excluded (3 papers are assembled first). Each run uses another seed. Reported: the selection
   alone (``assembly.select_questions``) and the whole ``assemble_paper`` (selection + writing the
   paper, rolled back after each run), p50 / p95 / max.
3. Import of a 10,000-question GIFT file (all seven types, categories): parse + validate (the preview),
   confirm (creating the questions, versions, knowledge points) and commit, each timed; then the
   full-text indexing (jieba) that a large import leaves to the background indexer after its commit,
   timed until the questions are searchable.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.core.extensions import db

TYPES = ["single", "multiple", "true_false", "fill_blank", "numerical", "matching", "essay"]
WEIGHTS = [35, 15, 15, 15, 5, 5, 10]
WORDS = ["一元一次方程", "行程问题", "工程问题", "有理数", "整式的加减", "三角形内角和", "平行线", "函数图像",
         "概率初步", "数据的收集", "相遇问题", "利润问题", "几何证明", "因式分解", "不等式"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figures(name, seconds):
    ms = [s * 1000 for s in seconds]
    print(f"  {name:<44} p50 {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   "
          f"max {max(ms):7.1f} ms   (n={len(ms)})")


def setup(database_url, data_dir):
    app = create_app({"ENV_NAME": "testing", "TESTING": False, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": database_url})
    ctx = app.app_context()
    ctx.push()
    flask_migrate.upgrade()
    from eduplatform.accounts.models import Role
    from eduplatform.accounts.services import create_user
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit

    city = create_org_unit(None, code="B0", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
    district = create_org_unit(None, code="B1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
    school = create_org_unit(None, code="B2", name="东湖区第一中学", type=OrgType.SCHOOL, parent=district,
                             stages=[Stage.JUNIOR])
    teacher, _ = create_user(None, username="benchteacher", display_name="张老师", roles={Role.TEACHER}, org=school,
                             password="Bench#Pass2026", must_change_password=False)
    db.session.commit()
    return app, ctx, teacher


def build_bank(teacher, n):
    from eduplatform.questions import knowledge
    from eduplatform.questions.models import Question, QuestionVersion, question_kp_links

    kps = []
    for a in range(6):
        parent = knowledge.create_knowledge_point(teacher, subject="math", name=f"单元{a + 1}", audit=False)
        for b in range(10):
            kps.append(knowledge.create_knowledge_point(teacher, subject="math", name=f"知识点{a + 1}-{b + 1}",
                                                        parent=parent, audit=False))
    db.session.commit()
    rng = random.Random(1)
    data_by_type = {
        "single": {"options": ["甲", "乙", "丙", "丁"], "answer": 0},
        "multiple": {"options": ["甲", "乙", "丙", "丁"], "answer": [0, 2]},
        "true_false": {"answer": True}, "fill_blank": {"blanks": [["2"]], "case_sensitive": False},
        "numerical": {"answer": 2.5, "tolerance": 0.0}, "essay": {"reference": "要点"},
        "matching": {"pairs": [["甲", "一"], ["乙", "二"]], "distractors": []},
    }
    start = time.perf_counter()
    batch = 5000
    for offset in range(0, n, batch):
        rows, versions, links = [], [], []
        for i in range(offset, min(n, offset + batch)):
            qtype = rng.choices(TYPES, WEIGHTS)[0]
            stem = f"第{i}题：{rng.choice(WORDS)}与{rng.choice(WORDS)}" + (" [[1]]" if qtype == "fill_blank" else "")
            rows.append({"id": i + 1, "type": qtype, "stem": stem, "data": data_by_type[qtype], "analysis": "",
                         "score": 2.0, "difficulty": rng.randint(1, 5), "subject": "math", "stage": "junior",
                         "grade": "g7", "tags": [], "tags_text": "", "source": "", "org_id": teacher.org_id,
                         "created_by_id": teacher.id, "sharing": "org", "version": 1, "usage_count": 0})
            versions.append({"question_id": i + 1, "number": 1, "type": qtype, "stem": stem,
                             "data": data_by_type[qtype], "analysis": "", "score": 2.0,
                             "difficulty": rows[-1]["difficulty"], "meta": {}, "created_by_id": teacher.id})
            links.append({"question_id": i + 1, "knowledge_point_id": kps[rng.randrange(len(kps))].id})
        now = sa.func.now()
        db.session.execute(sa.insert(Question).values(created_at=now, updated_at=now), rows)
        db.session.execute(sa.insert(QuestionVersion).values(created_at=now), versions)
        db.session.execute(question_kp_links.insert(), links)
        db.session.commit()
    print(f"  bank of {n:,} questions built in {time.perf_counter() - start:.1f} s")
    return kps


def rules_for(kps, seed):
    from eduplatform.questions.assembly import parse_rules

    return parse_rules({
        "subject": "math", "seed": seed,
        "sections": [{"type": "single", "count": 10, "score": 3}, {"type": "multiple", "count": 5, "score": 4},
                     {"type": "true_false", "count": 5, "score": 2},
                     {"type": "fill_blank", "count": 5, "score": 3, "knowledge_points": [kps[0].id]},
                     {"type": "numerical", "count": 2, "score": 4}, {"type": "essay", "count": 3, "score": 10}],
        "difficulty_mix": {"easy": 3, "medium": 5, "hard": 2},
        "cover_knowledge_points": [kps[5].id, kps[17].id],
        "exclude_recent_papers": 3,
    })


def bench_assembly(teacher, kps, runs):
    from eduplatform.questions import assembly

    for seed in range(3):  # the "last 3 papers" the rules exclude
        assembly.assemble_paper(teacher, {"title": f"往期试卷 {seed}"}, rules_for(kps, 1000 + seed))
    db.session.commit()
    select_times, full_times = [], []
    assembly.select_questions(teacher, rules_for(kps, 0))  # warm the caches once
    for seed in range(1, runs + 1):
        rules = rules_for(kps, seed)
        start = time.perf_counter()
        chosen = assembly.select_questions(teacher, rules)
        select_times.append(time.perf_counter() - start)
        assert sum(len(c) for c in chosen) == 30
        start = time.perf_counter()
        paper = assembly.assemble_paper(teacher, {"title": "基准测试卷"}, rules)
        db.session.flush()
        full_times.append(time.perf_counter() - start)
        assert len(paper.items) == 30
        db.session.rollback()
    figures("select_questions (10 rules)", select_times)
    figures("assemble_paper (selection + writing the paper)", full_times)


def gift_text(n):
    rng = random.Random(2)
    parts = ["// 10,000 道基准测试题"]
    for i in range(n):
        if i % 500 == 0:
            parts.append(f"$CATEGORY: $course$/top/基准/单元{i // 500 + 1}")
        word = rng.choice(WORDS)
        kind = i % 7
        if kind == 0:
            parts.append(f"::Q{i}:: 关于{word}，下列说法正确的是 {{=正确说法 ~错误说法一 ~错误说法二 ~错误说法三 ####解析{i}}}")
        elif kind == 1:
            parts.append(f"::Q{i}:: 关于{word}，正确的有 {{~%50%甲 ~%50%乙 ~%-100%丙 ~%-100%丁}}")
        elif kind == 2:
            parts.append(f"::Q{i}:: {word}是初中数学的内容。{{T}}")
        elif kind == 3:
            parts.append(f"::Q{i}:: {word}中，$2x=4$ 的解是 $x\\=${{=2 =二}}。")
        elif kind == 4:
            parts.append(f"::Q{i}:: {word}：$120\\div48$ 等于 {{#2.5:0.01}}")
        elif kind == 5:
            parts.append(f"::Q{i}:: {word}：连线 {{=甲 -> 一 =乙 -> 二 =丙 -> 三}}")
        else:
            parts.append(f"::Q{i}:: 请简述{word}的解题思路。{{}}")
        parts.append("")
    return "\n".join(parts).encode("utf-8")


def bench_import(teacher, n):
    from eduplatform.core.search.registry import wait_for_indexing
    from eduplatform.questions import transfer
    from eduplatform.questions.formats import get_format

    raw = gift_text(n)
    start = time.perf_counter()
    parsed = get_format("gift").parse(raw)
    parse_s = time.perf_counter() - start
    assert len(parsed.items) == n and not parsed.problems, parsed.problems[:3]
    start = time.perf_counter()
    batch = transfer.preview_import(teacher, fmt="gift", filename="bench.gift", raw=raw,
                                    options={"subject": "math", "category_as": "knowledge_point"})
    db.session.commit()
    preview_s = time.perf_counter() - start
    assert not batch.problems and len(batch.items) == n
    start = time.perf_counter()
    transfer.confirm_import(teacher, batch)
    db.session.flush()
    confirm_s = time.perf_counter() - start
    start = time.perf_counter()
    db.session.commit()  # a large import's full-text indexing starts in the background here
    commit_s = time.perf_counter() - start
    start = time.perf_counter()
    wait_for_indexing()
    index_s = time.perf_counter() - start
    from eduplatform.questions.services import QuestionFilters, search_questions

    _, results = search_questions(teacher, QuestionFilters(text="行程问题"), 1, 20)
    print(f"  GIFT file: {len(raw) / 1024:.0f} KiB, {n:,} questions")
    print(f"  parse only                                         {parse_s:6.2f} s")
    print(f"  preview (parse + validate every question + store)  {preview_s:6.2f} s")
    print(f"  confirm (insert questions, versions, knowledge points) {confirm_s:6.2f} s")
    print(f"  commit                                             {commit_s:6.2f} s")
    print(f"  = import (upload → saved, listed, filterable)      {preview_s + confirm_s + commit_s:6.2f} s")
    print(f"  full-text indexing in the background afterwards   {index_s:6.2f} s "
          f"({n / index_s:.0f} questions/s; a search for 行程问题 then finds {results.total:,})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--gift", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-questions-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"database: {url.split('@')[-1]}")
        _app, ctx, teacher = setup(url, Path(tmp))
        print("1. bank")
        kps = build_bank(teacher, args.questions)
        print(f"2. rule-based assembly, {args.runs} runs (target p95 ≤ 200 ms)")
        bench_assembly(teacher, kps, args.runs)
        print(f"3. importing {args.gift:,} GIFT questions (target ≤ 10 s)")
        bench_import(teacher, args.gift)
        db.session.remove()
        db.engine.dispose()
        ctx.pop()


if __name__ == "__main__":
    main()
