"""Search service figures: indexing rate, query latency against bare Whoosh, index size.

    python bench/bench_search.py [--docs 100000] [--compare-docs 3000] [--batch 500] [--runs 40]
                                 [--rebuild] [--out-dir DIR] [--baseline OLD_whoosh_backend.py]
                                 [--memory-queries 600] [--memory-only]

1. Builds (or reuses, under ``--out-dir``, default ``bench/out/`` or $EDU_BENCH_OUT:
   ``search-<N>/``) an index of N procedurally generated Chinese education resources: titles like
   '人教版七年级数学上册 第三章 一元一次方程 教学课件', a description, a few hundred characters of
   "extracted text", keywords; facets type/stage/subject/grade/format/org; ACL ~70 % public, the
   rest ``org:N``. One writer (``procs=1``, ``limitmb=256``), one commit. Building takes many
   minutes on a busy machine: the index is kept and reused until ``--rebuild``.
2. Indexing rate on ``--compare-docs`` other documents, committed ``--batch`` at a time (the
   after-commit / ``flask reindex`` path), each backend in its own fresh process: documents per
   second of wall time and per CPU second (the machine is shared: CPU time is the steadier
   figure); bare Whoosh with the ``StandardAnalyzer`` for scale.
3. Query latency p50/p95 for common and rare terms: ``WhooshSearch.search`` with 5 facet counts,
   an ACL filter and page 1 (20 hits, highlights), result cache off (every search computed) vs
   a bare ``searcher.search_page(q, 1, pagelen=20)`` on the same index with the same query (a
   searcher opened once and reused; no facets/filters). Runs alternate. The first query of each
   term is reported separately ("cold": it reads that term's postings and bitmaps).
   With ``--baseline`` (an older ``whoosh_backend.py`` from when the backend was one module, before
   analysis/schema/query/bitsets/caches/ranking were split off, e.g. ``git show
   REV:eduplatform/core/search/whoosh_backend.py > /tmp/old.py``) the old backend runs on the same
   index in the same loop — before and after in one run — with the overlap of the two top-20s.
4. Other platform queries: sorts, the common words without ACL/facets/filters and with facet
   filters, a deep page — each with bare Whoosh for the same text in the same loop.
5. Cache memory (``--memory-queries``, ``--memory-only`` for just this): a fresh backend with its
   default caches runs many different searches; RSS before/after and the caches' fill levels.
6. Index size on disk, the load average while measuring, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from eduplatform.core.search.base import SearchDocument, SearchQuery

GENERATOR_VERSION = 1
#: Where built indexes are cached between runs (``--out-dir`` or $EDU_BENCH_OUT overrides).
OUT_DIR = Path(os.environ.get("EDU_BENCH_OUT") or ROOT / "bench" / "out")
FACETS = ["type", "stage", "subject", "grade", "format"]
COMMON = ["函数", "课件", "数学", "教学设计", "二次函数 图像", "学生"]
RARE = ["洛必达法则", "黎曼猜想", "岳阳楼记", "欧姆定律 电功率", "Python"]
ACL = ["public", "org:110000"]

# -- vocabulary --------------------------------------------------------------------------------
PUBLISHERS = ["人教版", "北师大版", "苏教版", "沪教版", "部编版", "湘教版", "外研版", "浙教版"]
STAGES = {
    "primary": ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"],
    "junior": ["七年级", "八年级", "九年级"],
    "senior": ["高一", "高二", "高三"],
}
GRADE_CODES = {g: f"g{i + 1}" for i, g in enumerate(g for grades in STAGES.values() for g in grades)}
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


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cpus"


def backend_module(path: str | None = None):
    """The platform's ``whoosh_backend`` module, or an older copy of it loaded from ``path``."""
    if path is None:
        from eduplatform.core.search import whoosh_backend

        return whoosh_backend
    spec = importlib.util.spec_from_file_location("eduplatform.core.search._baseline_backend", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build_or_reuse(n: int, rebuild: bool):
    WhooshSearch = backend_module().WhooshSearch
    base = OUT_DIR / f"search-{n}"
    index_dir = base / "index"
    meta_file = base / "meta.json"
    meta = {"docs": n, "generator": GENERATOR_VERSION}
    if not rebuild and meta_file.exists() and json.loads(meta_file.read_text()) == meta:
        backend = WhooshSearch(index_dir, result_cache_size=0)
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
    backend = WhooshSearch(index_dir, limitmb=256, result_cache_size=0)
    backend.check()
    t2 = time.perf_counter()
    backend.index(docs)
    t3 = time.perf_counter()
    print(f"indexed {n:,} docs in {t3 - t2:.1f} s = {n / (t3 - t2):,.0f} docs/s (jieba analyzer)")
    meta_file.write_text(json.dumps(meta))
    return backend, index_dir


# -- indexing rate ----------------------------------------------------------------------------


def index_rate_child(n: int, batch: int, module: str | None, bare: bool) -> None:
    """(own process) Index ``n`` fresh documents ``batch`` at a time; print wall/CPU seconds as JSON."""
    docs = list(generate_docs(n, seed=99))
    work = Path(OUT_DIR) / f"tmp-indexing-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        if bare:
            from whoosh import fields
            from whoosh import index as whoosh_index
            from whoosh.analysis import StandardAnalyzer

            std = StandardAnalyzer()
            schema = fields.Schema(
                uid=fields.ID(unique=True, stored=True), kind=fields.ID(stored=True),
                title=fields.TEXT(analyzer=std, stored=True), summary=fields.TEXT(analyzer=std, stored=True),
                content=fields.TEXT(analyzer=std), keywords=fields.TEXT(analyzer=std),
            )
            ix = whoosh_index.create_in(str(work), schema)
            t0, c0 = time.perf_counter(), time.process_time()
            for start in range(0, n, batch):
                writer = ix.writer(procs=1)
                for d in docs[start:start + batch]:
                    writer.update_document(uid=d.uid, kind=d.kind, title=d.title, summary=d.summary,
                                           content=d.content, keywords=" ".join(d.keywords))
                writer.commit()
        else:
            backend = backend_module(module).WhooshSearch(work / "index")
            backend.check()  # opens the index and loads jieba: not part of the rate
            t0, c0 = time.perf_counter(), time.process_time()
            for start in range(0, n, batch):
                backend.index(docs[start:start + batch])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"wall": wall, "cpu": cpu, "size": dir_size(work)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compare_indexing(n: int, batch: int, baseline: str | None) -> None:
    rows = [("WhooshSearch.index (jieba)", [])]
    if baseline:
        rows.append((f"baseline {Path(baseline).name}", ["--module", baseline]))
    rows.append(("bare Whoosh (StandardAnalyzer)", ["--bare"]))
    print(f"\n== indexing rate: {n:,} new docs, committed {batch} at a time, each in a fresh process "
          f"({load()}) ==")
    for label, extra in rows:
        out = subprocess.run([sys.executable, __file__, "--index-rate-child", str(n), "--batch", str(batch), *extra],
                             capture_output=True, text=True, check=True, env={**os.environ, "EDU_BENCH_OUT": str(OUT_DIR)})
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"  {label:<34} {n / r['wall']:7,.0f} docs/s wall ({r['wall']:6.1f} s)   {n / r['cpu']:7,.0f} docs per "
              f"CPU-second   index {r['size'] / 1e6:5.1f} MB")


# -- query latency ----------------------------------------------------------------------------


def measure_queries(backend, index_dir: Path, runs: int, baseline: str | None) -> None:
    from whoosh import index as whoosh_index

    old = None
    if baseline:
        old_module = backend_module(baseline)
        old = old_module.WhooshSearch(index_dir, result_cache_size=0)  # like the platform row: every search computed

    def query(text: str, **kw) -> SearchQuery:
        return SearchQuery(text=text, acl=ACL, facets=FACETS, page=1, per_page=20, **kw)

    ix = whoosh_index.open_dir(str(index_dir), indexname="MAIN")
    bare_searcher = ix.searcher()  # opened once, reused ("fresh but cached")

    def bare(q):
        return bare_searcher.search_page(q, 1, pagelen=20).total

    def timed(fn, *args):
        t0 = time.perf_counter()
        fn(*args)
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    backend.search(query(""))
    first = time.perf_counter() - t0
    if old is not None:
        old.search(query(""))
    print(f"\n== query latency (ms), {backend.doc_count():,} docs ==")
    print(f"  first query after opening (opens the searcher, builds ACL + 5 facet bitmaps): {first * 1000:.0f} ms")
    print(f"  platform = WhooshSearch.search: text + ACL {ACL} + 5 facet counts + page 1 of 20 + highlights;"
          " result cache off")
    print("  bare     = searcher.search_page(same query, 1, pagelen=20), no filters/facets")
    if old is not None:
        print(f"  before   = the same search with {baseline} (its own query), and bare Whoosh for its query;"
              " top20 = hits shared by the two first pages")
    header = f"  {'query':<16} {'hits':>7} {'cold':>7} | {'plat p50':>8} {'p95':>7} | {'bare p50':>8} {'p95':>7}"
    if old is not None:
        header += f" | {'before p50':>10} {'p95':>7} | {'bare(before) p95':>16} | top20"
    header += f" | {'plat/bare p95':>13}"
    series: dict[str, list[float]] = {"plat": [], "bare": [], "old": [], "old_bare": []}
    for label, terms in (("common", COMMON), ("rare", RARE)):
        print(f"\n  -- {label} terms ({load()}) --")
        print(header)
        for text in terms:
            q = backend.build_query(text)
            t0 = time.perf_counter()
            res = backend.search(query(text))
            cold = time.perf_counter() - t0
            bare(q)
            times: dict[str, list[float]] = {k: [] for k in series}
            if old is not None:
                old_q = old.build_query(text)
                old_res = old.search(query(text))
                bare(old_q)
            for _ in range(runs):
                times["plat"].append(timed(backend.search, query(text)))
                times["bare"].append(timed(bare, q))
                if old is not None:
                    times["old"].append(timed(old.search, query(text)))
                    times["old_bare"].append(timed(bare, old_q))
            for k, v in times.items():
                series[k] += v
            p = {k: (statistics.median(v), pct(v, 0.95)) for k, v in times.items() if v}
            line = (f"  {text:<16} {res.total:>7,} {ms(cold)} | {ms(p['plat'][0])}  {ms(p['plat'][1])} | "
                    f"{ms(p['bare'][0])}  {ms(p['bare'][1])}")
            if old is not None:
                shared = len({h.uid for h in res.hits} & {h.uid for h in old_res.hits})
                line += (f" | {ms(p['old'][0])}    {ms(p['old'][1])} | {ms(p['old_bare'][1]):>16} | "
                         f"{shared:>2}/{len(res.hits):<2}")
                if old_res.total != res.total:
                    line += f" (before: {old_res.total:,} hits)"
            line += f" | {p['plat'][1] / p['bare'][1]:13.2f}"
            print(line)
    plat, bare_all = series["plat"], series["bare"]
    p95p, p95b = pct(plat, 0.95), pct(bare_all, 0.95)
    print(f"\n  all queries: platform p50 {ms(statistics.median(plat)).strip()} ms, p95 {ms(p95p).strip()} ms;"
          f" bare p50 {ms(statistics.median(bare_all)).strip()} ms, p95 {ms(p95b).strip()} ms;"
          f" ratio of p95s {p95p / p95b:.2f}")
    if old is not None:
        p95o = pct(series["old"], 0.95)
        print(f"  before:      platform p50 {ms(statistics.median(series['old'])).strip()} ms, p95 {ms(p95o).strip()} ms;"
              f" bare p95 {ms(pct(series['old_bare'], 0.95)).strip()} ms;"
              f" ratio of p95s {p95o / pct(series['old_bare'], 0.95):.2f}")
    print(f"  targets: platform/bare ≤ 1.5 → {'met' if p95p / p95b <= 1.5 else 'MISSED'};"
          f" p95 ≤ 50 ms → {'met' if p95p <= 0.05 else 'MISSED'} ({load()})")

    cached = []
    for text in COMMON:
        backend.result_cache_size = 256
        backend._gc = None  # a fresh generation cache with the result cache on
        backend.search(query(text))
        for _ in range(runs):
            cached.append(timed(backend.search, query(text)))
        backend.result_cache_size = 0
        backend._gc = None
    print(f"  the same common queries repeated with the result cache on (until the index changes):"
          f" p50 {ms(statistics.median(cached)).strip()} ms, p95 {ms(pct(cached, 0.95)).strip()} ms")

    print(f"\n  -- other platform queries (ACL + 5 facets unless said, result cache off; {load()}) --")
    print("     bare p95 = searcher.search_page of the same text in the same loop (relevance rows)")
    no_filters = {"acl": None, "facets": []}
    for label, kwargs in (
        ("browse, newest", {"text": ""}),
        ("'函数', newest", {"text": "函数", "sort": "newest"}),
        ("'课件', popularity", {"text": "课件", "sort": "popularity"}),
        ("'学生', no ACL/facets/filters", {"text": "学生", **no_filters}),
        ("'教学设计', no ACL/facets/filters", {"text": "教学设计", **no_filters}),
        ("'数学', no ACL/facets/filters", {"text": "数学", **no_filters}),
        ("'学生' + stage=junior", {"text": "学生", "filters": {"stage": "junior"}}),
        ("'教学设计' + subject=math", {"text": "教学设计", "filters": {"subject": "math"}}),
        ("'数学' + grade=g7,g8", {"text": "数学", "filters": {"grade": ["g7", "g8"]}}),
        ("'函数' + subject=math,physics", {"text": "函数", "filters": {"subject": ["math", "physics"]}}),
        ("'数学' + org filter", {"text": "数学", "filters": {"org": "110014"}}),
        ("'洛必达法则' + stage=senior", {"text": "洛必达法则", "filters": {"stage": "senior"}}),
        ("'课件', page 50", {"text": "课件", "page": 50}),
    ):
        kwargs = {"acl": ACL, "facets": FACETS, **kwargs}
        relevance = bool(kwargs["text"]) and "sort" not in kwargs
        bq = backend.build_query(kwargs["text"]) if relevance else None
        backend.search(SearchQuery(**kwargs))
        times, bare_times = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            res = backend.search(SearchQuery(**kwargs))
            times.append(time.perf_counter() - t0)
            if bq is not None:
                bare_times.append(timed(bare, bq))
        line = f"  {label:<34} hits {res.total:>7,}   p50 {ms(statistics.median(times))}   p95 {ms(pct(times, 0.95))}"
        if bare_times:
            line += f"   bare p95 {ms(pct(bare_times, 0.95))}  ratio {pct(times, 0.95) / pct(bare_times, 0.95):5.2f}"
        if old is not None:
            old_times = []
            for _ in range(max(3, runs // 4)):
                t0 = time.perf_counter()
                old.search(SearchQuery(**kwargs))
                old_times.append(time.perf_counter() - t0)
            line += f"   | before p50 {ms(statistics.median(old_times))}"
        print(line)
    bare_searcher.close()


def rss_mb() -> float:
    """Resident set size of this process now (MB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_cache_memory(index_dir: Path, queries: int) -> None:
    """RSS growth of a fresh backend (result cache on, the defaults) over many different searches."""
    from eduplatform.core.search.whoosh_backend import WhooshSearch

    rng = random.Random(7)
    backend = WhooshSearch(index_dir)
    before = rss_mb()
    backend.search(SearchQuery(text="", acl=ACL, facets=FACETS))
    opened = rss_mb()
    words = COMMON + RARE + ["教学", "设计", "图像", "方程", "几何", "实验", "阅读", "作文", "复习", "练习", "单元",
                             "光合作用", "勾股定理", "化学方程式", "英语", "物理", "历史", "地理", "生物", "音乐"]
    t0 = time.perf_counter()
    for i in range(queries):
        text = " ".join(rng.sample(words, rng.randint(1, 3))) if i % 4 else f"{rng.choice(words)} 词{i}"
        filters = {"stage": rng.choice(["primary", "junior", "senior"])} if i % 3 == 0 else {}
        backend.search(SearchQuery(text=text, acl=ACL, facets=FACETS, filters=filters,
                                   page=rng.randint(1, 5), per_page=rng.choice([20, 50, 200])))
    after = rss_mb()
    _, gc = backend._current()
    print(f"\n== cache memory: {queries:,} different searches (random 1–3 words, filters, pages 1–5 of 20/50/200)"
          f" on a fresh backend, result cache on; {load()} ==")
    print(f"  RSS {before:.0f} MB before opening, {opened:.0f} MB after the first search, {after:.0f} MB after"
          f" the {queries:,} searches ({(after - opened):+.0f} MB; {1000 * (time.perf_counter() - t0) / queries:.1f} ms"
          " per search)")
    print(f"  caches: postings {backend._postings.bytes / 1e6:.1f} MB of {backend._postings.max_bytes / 1e6:.0f} MB;"
          f" result pages {len(gc.results)} holding {gc.results.weight - len(gc.results)} hits"
          f" (≤ {gc.results.maxsize} pages, ≤ {gc.results.max_weight} hits); selections {len(gc.selections)}"
          f" (≤ {gc.selections.maxsize}); term bitmaps {len(gc._terms)} (≤ {gc._terms.maxsize})")
    backend.close()


def main() -> None:
    global OUT_DIR
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--compare-docs", type=int, default=3_000, help="documents for the indexing rate (0: skip)")
    parser.add_argument("--batch", type=int, default=500, help="documents per commit for the indexing rate")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per query")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even if it exists")
    parser.add_argument("--out-dir", help="where indexes are built and kept (default bench/out or $EDU_BENCH_OUT)")
    parser.add_argument("--baseline", help="an older whoosh_backend.py to measure in the same run")
    parser.add_argument("--memory-queries", type=int, default=600,
                        help="different searches for the cache memory figure (0: skip)")
    parser.add_argument("--memory-only", action="store_true", help="only the cache memory figure")
    parser.add_argument("--index-rate-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--module", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.out_dir:
        OUT_DIR = Path(args.out_dir)
    if args.index_rate_child:
        index_rate_child(args.index_rate_child, args.batch, args.module, args.bare)
        return

    started = time.perf_counter()
    print(f"search benchmark: {args.docs:,} docs, python {sys.version.split()[0]}; {load()}")
    backend, index_dir = build_or_reuse(args.docs, args.rebuild)
    size = dir_size(index_dir)
    print(f"index size on disk: {size / 1e6:.1f} MB ({size / args.docs:,.0f} bytes/doc)")
    if args.memory_only:
        backend.close()
        measure_cache_memory(index_dir, args.memory_queries)
        return
    if args.compare_docs:
        compare_indexing(args.compare_docs, args.batch, args.baseline)
    measure_queries(backend, index_dir, args.runs, args.baseline)
    if args.memory_queries:
        backend.close()
        measure_cache_memory(index_dir, args.memory_queries)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {rss_mb:.0f} MB; total bench time {time.perf_counter() - started:.0f} s; {load()}")


if __name__ == "__main__":
    main()
