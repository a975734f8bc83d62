"""Search service figures: indexing rate, query latency against bare Whoosh, index size.

    python bench/bench_search.py [--docs 100000] [--compare-docs 5000] [--runs 40] [--rebuild]

1. Builds (or reuses, under ``bench/out/search-<N>/``) an index of N procedurally generated
   Chinese education resources: titles like '人教版七年级数学上册 第三章 一元一次方程 教学课件',
   a description, a few hundred characters of "extracted text", keywords; facets
   type/stage/subject/grade/format/org; ACL ~70 % public, the rest ``org:N``. One writer
   (``procs=1``, ``limitmb=256``), one commit.
2. Indexing rate on the first ``--compare-docs`` documents: ``WhooshSearch.index`` (jieba
   analyzer) vs a bare Whoosh index of the same texts with the ``StandardAnalyzer``.
3. Query latency p50/p95 for common and rare terms: ``WhooshSearch.search`` with 5 facet counts,
   an ACL filter and page 1 (20 hits, highlights) vs a bare ``searcher.search_page(q, 1,
   pagelen=20)`` on the same index with the same parsed query (a searcher opened once and reused;
   no facets/filters). Runs alternate between the two. The first query of each term is reported
   separately ("cold": it builds that term's bitmaps).
4. Index size on disk and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eduplatform.search.base import SearchDocument, SearchQuery  # noqa: E402
from eduplatform.search.whoosh_backend import WhooshSearch  # noqa: E402

GENERATOR_VERSION = 1
OUT_DIR = ROOT / "bench" / "out"
FACETS = ["type", "stage", "subject", "grade", "format"]

# -- vocabulary --------------------------------------------------------------------------------
PUBLISHERS = ["人教版", "北师大版", "苏教版", "沪教版", "部编版", "湘教版", "外研版", "浙教版"]
STAGES = {
    "primary": ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
    "junior": ["七年级", "八年级", "九年级"],
    "senior": ["高一", "高二", "高三"],
}
GRADE_CODES = {g: f"g{i + 1}" for i, g in enumerate(sum(STAGES.values(), []))}
SUBJECTS = {
    "chinese": ("语文", ["古诗词鉴赏", "文言文阅读", "现代文阅读", "作文指导", "《背影》", "《岳阳楼记》",
                         "修辞手法", "病句修改", "名著导读", "《桃花源记》"]),
    "math": ("数学", ["一元一次方程", "二次函数", "勾股定理", "相似三角形", "概率初步", "有理数",
                      "整式的加减", "平面直角坐标系", "三角函数", "数列", "立体几何", "导数", "一次函数",
                      "反比例函数", "分数的加减法", "圆的面积"]),
    "english": ("英语", ["一般现在时", "定语从句", "阅读理解", "完形填空", "书面表达", "被动语态",
                         "Unit 3 My friends", "Reading Strategies"]),
    "physics": ("物理", ["牛顿第一定律", "浮力", "压强", "欧姆定律", "电功率", "光的折射", "机械能",
                         "电磁感应"]),
    "chemistry": ("化学", ["化学方程式", "酸碱盐", "氧化还原反应", "元素周期表", "质量守恒定律",
                           "溶液的配制"]),
    "biology": ("生物", ["光合作用", "细胞的结构", "遗传与变异", "生态系统", "人体的呼吸"]),
    "history": ("历史", ["辛亥革命", "秦统一中国", "丝绸之路", "改革开放", "工业革命"]),
    "geography": ("地理", ["地球的运动", "气候类型", "人口分布", "河流与湖泊", "地图的阅读"]),
    "politics": ("道德与法治", ["宪法知识", "友谊的天空", "责任与角色", "法律与生活"]),
    "it": ("信息技术", ["Python编程基础", "算法与程序设计", "网络安全", "数据处理"]),
}
SUBJECT_WEIGHTS = {"chinese": 14, "math": 16, "english": 12, "physics": 8, "chemistry": 6,
                   "biology": 6, "history": 6, "geography": 6, "politics": 5, "it": 3}
TYPES = [  # (facet value, title word, format choices, weight)
    ("courseware", "教学课件", ["pptx"], 30),
    ("lesson_plan", "教学设计", ["docx", "pdf"], 20),
    ("exercise", "同步练习", ["docx", "pdf"], 20),
    ("exam", "单元测试卷", ["docx", "pdf"], 10),
    ("video", "微课视频", ["mp4"], 10),
    ("guide", "导学案", ["docx"], 6),
    ("summary", "知识点总结", ["pdf", "docx"], 4),
]
VERBS = ["理解", "掌握", "探究", "分析", "归纳", "运用", "体会", "比较", "梳理", "巩固", "拓展", "总结"]
NOUNS = ["概念", "性质", "图像", "公式", "例题", "方法", "规律", "思路", "步骤", "情境", "模型", "结论",
         "易错点", "重难点", "变式训练", "典型例题", "思维导图", "课堂小结"]
CONNECT = ["通过", "借助", "结合", "围绕", "利用", "依托"]
ACTIVITIES = ["小组合作", "自主学习", "实验演示", "问题驱动", "情境导入", "课堂练习", "互动讨论",
              "信息技术融合"]
RARE_POINTS = ["洛必达法则", "黎曼猜想", "量子纠缠"]  # ~0.1 % of the documents each
ORG_COUNT = 300
CHAPTERS = ["第一章", "第二章", "第三章", "第四章", "第五章", "第六章", "第七章", "第八章"]
UNITS = ["第一单元", "第二单元", "第三单元", "第四单元", "第五单元", "第六单元"]


def generate_docs(n: int, seed: int = 2024):
    rng = random.Random(seed)
    subjects = list(SUBJECT_WEIGHTS)
    subject_weights = [SUBJECT_WEIGHTS[s] for s in subjects]
    type_weights = [t[3] for t in TYPES]
    orgs = [f"{110000 + i * 7:06d}" for i in range(ORG_COUNT)]
    org_weights = [1 / (i + 1) ** 0.8 for i in range(ORG_COUNT)]
    start = datetime(2022, 1, 1)
    for i in range(n):
        stage = rng.choices(["primary", "junior", "senior"], [4, 4, 3])[0]
        grade = rng.choice(STAGES[stage])
        subject = rng.choices(subjects, subject_weights)[0]
        subject_name, points = SUBJECTS[subject]
        point = rng.choice(points)
        if rng.random() < 0.003:
            point = rng.choice(RARE_POINTS)
        type_value, type_word, formats, _ = rng.choices(TYPES, type_weights)[0]
        publisher = rng.choice(PUBLISHERS)
        volume = rng.choice(["上册", "下册"])
        section = rng.choice(CHAPTERS if stage != "primary" else UNITS)
        title = f"{publisher}{grade}{subject_name}{volume} {section} {point} {type_word}"
        summary = (
            f"本资源为{publisher}{grade}{subject_name}{volume}{section}《{point}》的{type_word}，"
            f"{rng.choice(CONNECT)}{rng.choice(ACTIVITIES)}帮助学生{rng.choice(VERBS)}{point}的"
            f"{rng.choice(NOUNS)}，{rng.choice(VERBS)}{rng.choice(NOUNS)}。"
        )
        sentences = []
        for _ in range(rng.randint(8, 16)):
            other = rng.choice(points)
            sentences.append(
                f"{rng.choice(CONNECT)}{rng.choice(ACTIVITIES)}，学生{rng.choice(VERBS)}{other}的"
                f"{rng.choice(NOUNS)}和{rng.choice(NOUNS)}，{rng.choice(VERBS)}{rng.choice(NOUNS)}"
            )
        content = "。".join(sentences) + "。"
        org = rng.choices(orgs, org_weights)[0]
        acl = ["public"] if rng.random() < 0.7 else [f"org:{org}"]
        yield SearchDocument(
            kind="resource",
            object_id=i + 1,
            title=title,
            summary=summary,
            content=content,
            keywords=[subject_name, point, type_word],
            facets={
                "type": type_value,
                "stage": stage,
                "subject": subject,
                "grade": GRADE_CODES[grade],
                "format": rng.choice(formats),
                "org": org,
            },
            acl=acl,
            created=start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)),
            popularity=int(rng.paretovariate(1.5) * 10),
            rating=round(rng.uniform(2.5, 5.0), 1),
        )


# -- helpers ------------------------------------------------------------------------------------


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f}"


def build_or_reuse(n: int, rebuild: bool) -> tuple[WhooshSearch, Path]:
    base = OUT_DIR / f"search-{n}"
    index_dir = base / "index"
    meta_file = base / "meta.json"
    meta = {"docs": n, "generator": GENERATOR_VERSION}
    if not rebuild and meta_file.exists() and json.loads(meta_file.read_text()) == meta:
        backend = WhooshSearch(index_dir)
        if backend.doc_count() == n:
            print(f"reusing the index in {index_dir} ({n:,} docs); --rebuild to rebuild it")
            return backend, index_dir
        backend.close()
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    t0 = time.perf_counter()
    docs = list(generate_docs(n))
    t1 = time.perf_counter()
    print(f"generated {n:,} documents in {t1 - t0:.1f} s; indexing (one writer, limitmb=256, one commit)…")
    backend = WhooshSearch(index_dir, limitmb=256)
    backend.check()
    t2 = time.perf_counter()
    backend.index(docs)
    t3 = time.perf_counter()
    print(f"indexed {n:,} docs in {t3 - t2:.1f} s = {n / (t3 - t2):,.0f} docs/s (jieba analyzer)")
    meta_file.write_text(json.dumps(meta))
    return backend, index_dir


def compare_indexing(n: int) -> None:
    from whoosh import fields, index as whoosh_index
    from whoosh.analysis import StandardAnalyzer

    docs = list(generate_docs(n, seed=99))
    work = OUT_DIR / "tmp-indexing"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        platform = WhooshSearch(work / "platform", limitmb=256)
        platform.check()
        t0 = time.perf_counter()
        platform.index(docs)
        platform_s = time.perf_counter() - t0
        platform.close()

        std = StandardAnalyzer()
        schema = fields.Schema(
            uid=fields.ID(unique=True, stored=True), kind=fields.ID(stored=True),
            title=fields.TEXT(analyzer=std, stored=True), summary=fields.TEXT(analyzer=std, stored=True),
            content=fields.TEXT(analyzer=std), keywords=fields.TEXT(analyzer=std),
        )
        (work / "bare").mkdir()
        ix = whoosh_index.create_in(str(work / "bare"), schema)
        t0 = time.perf_counter()
        writer = ix.writer(procs=1, limitmb=256)
        for d in docs:
            writer.add_document(uid=d.uid, kind=d.kind, title=d.title, summary=d.summary,
                                content=d.content, keywords=" ".join(d.keywords))
        writer.commit()
        bare_s = time.perf_counter() - t0
        print(f"\n== indexing rate, {n:,} docs ==")
        print(f"  WhooshSearch.index (jieba)      {n / platform_s:8,.0f} docs/s   ({platform_s:.1f} s)"
              f"   index {dir_size(work / 'platform') / 1e6:.1f} MB")
        print(f"  bare Whoosh (StandardAnalyzer)  {n / bare_s:8,.0f} docs/s   ({bare_s:.1f} s)"
              f"   index {dir_size(work / 'bare') / 1e6:.1f} MB")
        print(f"  ratio jieba/standard time: {platform_s / bare_s:.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def measure_queries(backend: WhooshSearch, index_dir: Path, runs: int) -> None:
    from whoosh import index as whoosh_index

    common = ["函数", "课件", "数学", "教学设计", "二次函数 图像", "学生"]
    rare = ["洛必达法则", "黎曼猜想", "岳阳楼记", "欧姆定律 电功率", "Python"]
    acl = ["public", "org:110000"]

    def platform(text: str, **kw):
        return backend.search(SearchQuery(text=text, acl=acl, facets=FACETS, page=1, per_page=20, **kw))

    ix = whoosh_index.open_dir(str(index_dir), indexname="MAIN")
    bare_searcher = ix.searcher()  # opened once, reused ("fresh but cached")

    def bare(q, fields_too=False):
        page = bare_searcher.search_page(q, 1, pagelen=20)
        total = page.total
        if fields_too:
            for hit in page:
                hit.fields()
        return total

    t0 = time.perf_counter()
    platform("")
    first = time.perf_counter() - t0
    print("\n== query latency (ms) ==")
    print(f"  first query after opening (opens the searcher, builds ACL + 5 facet bitmaps): {first * 1000:.0f} ms")
    print(f"  platform = WhooshSearch.search: text + ACL {acl} + 5 facet counts + page 1 of 20 + highlights")
    print("  bare     = searcher.search_page(same query, 1, pagelen=20), no filters/facets"
          " (+fields = also reads the 20 hits' stored fields)")
    header = (f"  {'query':<16} {'hits':>7} {'cold':>7} | {'plat p50':>8} {'p95':>7} | {'bare p50':>8} {'p95':>7}"
              f" | {'+fields p95':>11} | {'ratio p50':>9} {'p95':>5}")
    all_platform: list[float] = []
    all_bare: list[float] = []
    for label, terms in (("common", common), ("rare", rare)):
        print(f"\n  -- {label} terms --")
        print(header)
        for text in terms:
            q = backend.build_query(text)
            t0 = time.perf_counter()
            res = platform(text)
            cold = time.perf_counter() - t0
            bare(q)
            p_times, b_times, bf_times = [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                platform(text)
                t1 = time.perf_counter()
                bare(q)
                t2 = time.perf_counter()
                bare(q, fields_too=True)
                t3 = time.perf_counter()
                p_times.append(t1 - t0)
                b_times.append(t2 - t1)
                bf_times.append(t3 - t2)
            all_platform += p_times
            all_bare += b_times
            pp50, pp95 = statistics.median(p_times), pct(p_times, 0.95)
            bp50, bp95 = statistics.median(b_times), pct(b_times, 0.95)
            print(f"  {text:<16} {res.total:>7,} {ms(cold)} | {ms(pp50)}  {ms(pp95)} | {ms(bp50)}  {ms(bp95)}"
                  f" | {ms(pct(bf_times, 0.95)):>11} | {pp50 / bp50:9.2f} {pp95 / bp95:5.2f}")
    print(f"\n  all queries: platform p50 {ms(statistics.median(all_platform)).strip()} ms,"
          f" p95 {ms(pct(all_platform, 0.95)).strip()} ms;"
          f" bare p50 {ms(statistics.median(all_bare)).strip()} ms, p95 {ms(pct(all_bare, 0.95)).strip()} ms;"
          f" ratio of p95s {pct(all_platform, 0.95) / pct(all_bare, 0.95):.2f}")

    print("\n  -- other platform queries (same ACL + 5 facets) --")
    for label, kwargs in (
        ("browse, newest", dict(text="")),
        ("'函数', newest", dict(text="函数", sort="newest")),
        ("'课件', popularity", dict(text="课件", sort="popularity")),
        ("'函数' + subject=math,physics", dict(text="函数", filters={"subject": ["math", "physics"]})),
        ("'数学' + org filter", dict(text="数学", filters={"org": "110014"})),
        ("'课件', page 50", dict(text="课件", page=50)),
    ):
        backend.search(SearchQuery(acl=acl, facets=FACETS, **kwargs))
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            res = backend.search(SearchQuery(acl=acl, facets=FACETS, **kwargs))
            times.append(time.perf_counter() - t0)
        print(f"  {label:<30} hits {res.total:>7,}   p50 {ms(statistics.median(times))}   p95 {ms(pct(times, 0.95))}")
    bare_searcher.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--compare-docs", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=40, help="timed runs per query")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even if it exists")
    args = parser.parse_args()

    started = time.perf_counter()
    print(f"search benchmark: {args.docs:,} docs, python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    backend, index_dir = build_or_reuse(args.docs, args.rebuild)
    size = dir_size(index_dir)
    print(f"index size on disk: {size / 1e6:.1f} MB ({size / args.docs:,.0f} bytes/doc)")
    if args.compare_docs:
        compare_indexing(min(args.compare_docs, args.docs))
    measure_queries(backend, index_dir, args.runs)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss_mb:.0f} MB; total bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
