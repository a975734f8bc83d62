"""公文 search figures: query latency at 100,000 documents within a bureau staffer's 知悉范围.

    python bench/bench_documents_search.py [--docs 100000] [--queries 200] [--runs 3] [--rebuild]

    EDU_BENCH_DOCS=5000 python bench/bench_documents_search.py      # a quick run

1. Builds (or reuses, under ``bench/out/documents-search-<N>/`` or $EDU_BENCH_OUT) a platform
   database (SQLite) with a city bureau and its 科室, three district bureaus, and N 公文 inserted in
   bulk: titles and a 300–600 character 正文 made from a small word list of education-bureau
   vocabulary, 附注, 主送机关, 发文字号 for the numbered ones, 收文 with 来文机关 and 收文号; 45 % of
   the city bureau, the rest spread over the districts; 12 % classified (秘密/机密/绝密). The
   searcher is a staffer of one of the city's 科室 with 150 access grants and 50 传阅 on classified
   documents (the personal part of ``visible_ids``, read from the database at every search). The
   index is built through the platform's own ``document_document`` (``flask reindex``) and
   optimised.
2. ~``--queries`` queries (one and two common words, rare words, 发文字号 as typed, 来文机关), each
   run ``--runs`` times, interleaved, the search result cache off (every search computed):
   - ``service``  = ``search_documents(user, q)``: ACL tokens from the database (unit scope +
     personal ids), text + ACL + 3 facet counts + page 1 of 20, hits re-checked against
     ``visible_ids`` and 正文 snippets cut from the database;
   - ``backend``  = ``WhooshSearch.search`` with the same ACL tokens (computed once) and facets;
   - ``bare``     = the reference: ``searcher.search_page(same query, 1, pagelen=20)`` on the same
     index without any visibility filter or facets (a searcher opened once and reused);
   - ``like``     = a second reference: SQLite ``LIKE '%word%'`` over title + current 正文 of the same
     rows, restricted by ``visible_ids`` (what a search without the index would do), page of 20.
   p50/p95 per kind of query and overall, and the ratios to ``bare`` (and ``like``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_search

OUT_DIR = bench_search.OUT_DIR
GENERATOR_VERSION = 1
PERSONAL_GRANTS = 150
PERSONAL_CIRCULATIONS = 50

# -- vocabulary --------------------------------------------------------------------------------
TOPICS = ["寒假", "暑假", "安全", "防溺水", "消防", "食品安全", "校园欺凌", "心理健康", "课后服务", "双减",
          "作业管理", "招生", "考试", "中考", "高考", "经费", "预算", "资助", "督导", "评估", "教师培训",
          "师德师风", "职称评审", "信息化", "体育", "美育", "劳动教育", "德育", "交通安全", "营养午餐",
          "控辍保学", "学前教育", "义务教育", "职业教育", "特殊教育", "校舍", "抗震加固", "疫情防控", "近视防控",
          "教材", "课程", "教研", "实验室", "图书馆", "语言文字", "科普", "研学", "家校共育", "校外培训"]
VERBS = ["加强", "做好", "落实", "开展", "推进", "规范", "完善", "深化", "组织", "部署", "抓好", "强化"]
NOUNS = ["工作", "检查", "排查", "宣传", "管理", "建设", "监督", "考核", "整治", "培训", "演练", "统计"]
SUBJECTS = ["各区县教育局", "各直属学校", "各中小学", "各幼儿园", "局机关各处室", "各民办学校"]
CONNECT = ["为", "根据", "按照", "围绕", "结合", "针对"]
ENDINGS = ["请认真贯彻执行。", "请结合实际抓好落实。", "特此通知。", "请于月底前报送。", "请遵照执行。"]
RARE = ["量子纠缠", "黎曼猜想", "洛必达法则"]  # each in ~0.1 % of the 正文
SENDERS = ["省教育厅", "市人民政府办公室", "市财政局", "市卫生健康委员会", "市应急管理局", "团市委"]
DOCTYPES = [("notice", 50), ("opinion", 10), ("report", 10), ("request", 8), ("reply", 6), ("letter", 8),
            ("bulletin", 5), ("minutes", 3)]
DOCTYPE_NAMES = {"notice": "通知", "opinion": "意见", "report": "报告", "request": "请示", "reply": "批复",
                 "letter": "函", "bulletin": "通报", "minutes": "纪要"}
SECRECY = [("", 88), ("秘密", 7), ("机密", 4), ("绝密", 1)]


def generate(n: int, org_ids: list[int], org_codes: dict[int, str], creator_ids: dict[int, int], seed: int = 2026):
    """(document row, body text) for N documents."""
    rng = random.Random(seed)
    doctypes, doctype_w = zip(*DOCTYPES, strict=True)
    secrecy, secrecy_w = zip(*SECRECY, strict=True)
    org_w = [45] + [55 / (len(org_ids) - 1)] * (len(org_ids) - 1)
    seqs: dict[tuple[str, int], int] = {}
    start = datetime(2023, 1, 1)
    for i in range(1, n + 1):
        org = rng.choices(org_ids, org_w)[0]
        doctype = rng.choices(doctypes, doctype_w)[0]
        topic, topic2 = rng.sample(TOPICS, 2)
        created = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        direction = "in" if rng.random() < 0.3 else "out"
        title = f"关于{rng.choice(VERBS)}{topic}{rng.choice(NOUNS)}的{DOCTYPE_NAMES[doctype]}"
        sentences = [f"{rng.choice(SUBJECTS)}："]
        for _ in range(rng.randint(6, 12)):
            sentences.append(f"{rng.choice(CONNECT)}{rng.choice(VERBS)}{rng.choice([topic, topic2, rng.choice(TOPICS)])}"
                             f"{rng.choice(NOUNS)}，{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(NOUNS)}，"
                             f"{rng.choice(VERBS)}{rng.choice(TOPICS)}{rng.choice(NOUNS)}。")
        if rng.random() < 0.003:
            sentences.append(f"附：{rng.choice(RARE)}相关材料。")
        sentences.append(rng.choice(ENDINGS))
        body = "\n".join(sentences)
        row = {"id": i, "org_id": org, "created_by_id": creator_ids[org], "doctype": doctype, "direction": direction,
               "state": rng.choice(["draft", "review", "sign_off", "dispatched", "done"]),
               "secrecy": rng.choices(secrecy, secrecy_w)[0] or None, "title": title, "agency_code": org_codes[org],
               "main_recipients": rng.choice(SUBJECTS), "remark": rng.choice([None, None, f"联系人：{topic}工作专班"]),
               "attachments": [], "created_at": created, "updated_at": created}
        year = created.year
        if direction == "out" and rng.random() < 0.6:
            key = (org_codes[org], year)
            seqs[key] = seqs.get(key, 0) + 1
            row.update(doc_year=year, doc_seq=seqs[key], doc_number=f"{key[0]}〔{year}〕{seqs[key]}号",
                       written_on=created.date())
        elif direction == "in":
            key = (f"收{org}", year)
            seqs[key] = seqs.get(key, 0) + 1
            row.update(source_org_name=rng.choice(SENDERS), source_doc_number=f"外发〔{year}〕{i}号",
                       receipt_number=f"收〔{year}〕{seqs[key]}号", received_on=created.date())
        yield row, body


# -- the database and index ----------------------------------------------------------------------

def make_app(data_dir: Path):
    from eduplatform import create_app

    return create_app({"ENV_NAME": "testing", "TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "bench"})


def build_database(app, n: int) -> None:
    import flask_migrate
    import sqlalchemy as sa

    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.core.extensions import db
    from eduplatform.documents.models import AccessGrant, BodyVersion, Circulation, Document
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit

    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="city", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        depts = [create_org_unit(None, code=f"city-{k}", name=f"市教育局{name}", type=OrgType.DEPARTMENT, parent=city)
                 for k, name in (("office", "办公室"), ("basic", "基础教育处"), ("finance", "财务处"))]
        districts = [create_org_unit(None, code=f"d{d}", name=f"第{d}区教育局", type=OrgType.DISTRICT_BUREAU,
                                     parent=city) for d in range(1, 4)]
        db.session.flush()

        def user(username, name, role, org):
            u = User(username=username, display_name=name, password_hash="!", org_id=org.id,
                     must_change_password=False)
            db.session.add(u)
            db.session.flush()
            db.session.add(UserRole(user_id=u.id, role=role))
            return u

        searcher = user("searcher", "李科员", Role.BUREAU_STAFF, depts[1])
        creators = {city.id: user("drafter-city", "拟稿人", Role.BUREAU_STAFF, depts[0]).id}
        for d in districts:
            creators[d.id] = user(f"drafter-{d.code}", f"{d.name}拟稿人", Role.BUREAU_STAFF, d).id
        db.session.commit()
        orgs = [city.id] + [d.id for d in districts]
        codes = {city.id: "示教发", **{d.id: f"{d.code}教发" for d in districts}}

        docs, bodies = [], []
        classified_city = []
        for row, body in generate(n, orgs, codes, creators):
            docs.append(row)
            bodies.append({"id": row["id"], "document_id": row["id"], "number": 1, "text": body,
                           "author_id": row["created_by_id"], "saved_at": row["created_at"], "is_final": False})
            if row["secrecy"] and row["org_id"] == city.id:
                classified_city.append(row["id"])
            if len(docs) >= 5000:
                db.session.execute(sa.insert(Document), docs)
                db.session.execute(sa.insert(BodyVersion), bodies)
                db.session.commit()
                docs, bodies = [], []
        if docs:
            db.session.execute(sa.insert(Document), docs)
            db.session.execute(sa.insert(BodyVersion), bodies)
        rng = random.Random(5)
        chosen = rng.sample(classified_city, min(len(classified_city), PERSONAL_GRANTS + PERSONAL_CIRCULATIONS))
        grants, circulated = chosen[:PERSONAL_GRANTS], chosen[PERSONAL_GRANTS:]
        if grants:
            db.session.execute(sa.insert(AccessGrant), [{"document_id": d, "user_id": searcher.id, "reason": "基准测试",
                                                         "granted_by_id": creators[city.id]} for d in grants])
        if circulated:
            db.session.execute(sa.insert(Circulation), [{"document_id": d, "reader_id": searcher.id,
                                                         "sent_by_id": creators[city.id]} for d in circulated])
        db.session.commit()


def build_or_reuse(n: int, rebuild: bool):
    base = OUT_DIR / f"documents-search-{n}"
    meta_file = base / "meta.json"
    meta = {"docs": n, "generator": GENERATOR_VERSION}
    if not rebuild and meta_file.exists() and json.loads(meta_file.read_text()) == meta:
        print(f"reusing the database and index in {base} ({n:,} documents); --rebuild to rebuild them")
        return make_app(base)
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    app = make_app(base)
    t0 = time.perf_counter()
    build_database(app, n)
    t1 = time.perf_counter()
    print(f"database: {n:,} documents with their 正文 inserted in {t1 - t0:.0f} s")
    from eduplatform.core.search import registry

    with app.app_context():
        indexed = registry.reindex(batch_size=2000)
        t2 = time.perf_counter()
        print(f"index: {indexed:,} entries through document_document in {t2 - t1:.0f} s "
              f"({indexed / (t2 - t1):,.0f} docs/s)")
        registry.get_search().optimize()
        print(f"index optimised (one segment) in {time.perf_counter() - t2:.0f} s")
    meta_file.write_text(json.dumps(meta))
    return app


# -- queries ----------------------------------------------------------------------------------------

def make_queries(app, count: int) -> list[tuple[str, str]]:
    """(kind, text): one common word, two words, rare words, a 发文字号 as typed, a sender."""
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.documents.models import Document

    rng = random.Random(11)
    with app.app_context():
        numbers = list(db.session.scalars(sa.select(Document.doc_number).where(Document.doc_number.is_not(None))
                                          .order_by(Document.id).limit(5000)))
    out = []
    for i in range(count):
        r = i % 10
        if r < 4:
            out.append(("one word", rng.choice(TOPICS)))
        elif r < 7:
            out.append(("two words", " ".join(rng.sample(TOPICS, 2))))
        elif r == 7:
            out.append(("rare", rng.choice(RARE)))
        elif r == 8 and numbers:
            out.append(("发文字号", rng.choice(numbers)))
        else:
            out.append(("来文机关", rng.choice(SENDERS)))
    return out


def like_search(user, text: str):
    """The reference without an index: LIKE over title + current 正文, within visibility, page 1."""
    import sqlalchemy as sa
    import sqlalchemy.orm

    from eduplatform.core.extensions import db
    from eduplatform.documents.models import BodyVersion, Document
    from eduplatform.documents.services import access

    conds = []
    for word in text.split():
        pattern = f"%{word}%"
        conds.append(sa.or_(Document.title.like(pattern), Document.doc_number.like(pattern),
                            Document.receipt_number.like(pattern), Document.source_org_name.like(pattern),
                            Document.main_recipients.like(pattern), Document.remark.like(pattern),
                            BodyVersion.text.like(pattern)))
    current = sa.orm.aliased(BodyVersion)
    latest = (sa.select(sa.func.max(current.id)).where(current.document_id == Document.id)
              .correlate(Document).scalar_subquery())
    base = (sa.select(Document.id).join(BodyVersion, BodyVersion.id == latest)
            .where(Document.id.in_(access.visible_ids(user)), sa.or_(*conds)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    ids = list(db.session.scalars(base.order_by(Document.id.desc()).limit(20)))
    return total, ids


def measure(app, n_queries: int, runs: int, with_like: bool) -> None:
    from whoosh import index as whoosh_index

    from eduplatform.accounts.models import User
    from eduplatform.core.extensions import db
    from eduplatform.core.search.base import SearchQuery
    from eduplatform.core.search.registry import get_search
    from eduplatform.documents.services.search import FACETS, KIND, search_documents, user_acl

    queries = make_queries(app, n_queries)
    with app.app_context():
        backend = get_search()
        backend.result_cache_size = 0  # every search computed
        backend._gc = None
        user = db.session.scalars(db.select(User).where(User.username == "searcher")).one()
        acl = user_acl(user)
        index_dir = Path(app.config["SEARCH_INDEX_DIR"])
        print(f"index {backend.doc_count():,} entries, {bench_search.dir_size(index_dir) / 1e6:.0f} MB; searcher "
              f"{user.display_name} ({user.org.name}), {len(acl)} ACL tokens; {bench_search.load()}")
        ix = whoosh_index.open_dir(str(index_dir), indexname="MAIN")
        bare_searcher = ix.searcher()

        def service(text):
            found = search_documents(user, text)
            db.session.rollback()  # end the read transaction, as a request does
            return found.total

        def backend_only(text):
            return backend.search(SearchQuery(text=text, kinds=[KIND], acl=acl, facets=FACETS, page=1,
                                              per_page=20)).total

        def bare(text):
            return bare_searcher.search_page(backend.build_query(text), 1, pagelen=20).total

        def like(text):
            total, _ = like_search(user, text)
            db.session.rollback()
            return total

        def timed(fn, text):
            t0 = time.perf_counter()
            fn(text)
            return time.perf_counter() - t0

        t0 = time.perf_counter()
        service("")
        print(f"first search (opens the searcher, builds the ACL and facet bitmaps): "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
        rows = [("service", service), ("backend", backend_only), ("bare", bare)] + ([("like", like)] if with_like else [])
        for _, fn in rows:  # warm every term once (postings, bitmaps), like a running server
            for _, text in queries:
                fn(text)
        times: dict[str, dict[str, list[float]]] = {name: {} for name, _ in rows}
        totals = {}
        for _ in range(runs):
            for kind, text in queries:
                for name, fn in rows:
                    times[name].setdefault(kind, []).append(timed(fn, text))
        for kind, text in queries[:10]:
            totals[text] = (service(text), bare(text))
        print(f"\n{len(queries)} queries × {runs} runs, interleaved; result cache off ({bench_search.load()})")
        print("  service = search_documents(): ACL from the DB + search + 3 facets + page of 20 re-checked + snippets")
        print("  backend = WhooshSearch.search with the same ACL tokens and facets")
        print("  bare    = searcher.search_page(same query, 1, pagelen=20), no visibility filter (the reference)")
        if with_like:
            print("  like    = SQLite LIKE over title, numbers, senders, recipients, 附注 and 正文 within visible_ids")
        kinds = list(dict.fromkeys(k for k, _ in queries))
        head = f"  {'queries':<10}" + "".join(f" | {name + ' p50':>12} {'p95':>7}" for name, _ in rows)
        head += " | service/bare p50  p95 | backend/bare p95"
        if with_like:
            head += " | service/like p95"
        print(head)

        def line(label, picked):
            stats = {name: (statistics.median(v), bench_search.pct(v, 0.95)) for name, v in picked.items()}
            out = f"  {label:<10}" + "".join(f" | {bench_search.ms(stats[name][0]):>12} {bench_search.ms(stats[name][1])}"
                                            for name, _ in rows)
            out += (f" | {stats['service'][0] / stats['bare'][0]:12.2f} {stats['service'][1] / stats['bare'][1]:5.2f}"
                    f" | {stats['backend'][1] / stats['bare'][1]:16.2f}")
            if with_like:
                out += f" | {stats['service'][1] / stats['like'][1]:16.3f}"
            print(out)

        for kind in kinds:
            line(kind, {name: times[name][kind] for name, _ in rows})
        line("all", {name: [t for v in times[name].values() for t in v] for name, _ in rows})
        print("\n  hits (within visibility / without any filter) for a few queries:")
        for text, (mine, everyone) in totals.items():
            print(f"    {text:<24} {mine:>7,} / {everyone:>7,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=int(os.environ.get("EDU_BENCH_DOCS") or 100_000))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-like", action="store_true", help="skip the SQLite LIKE reference (slow at 100k)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    app = build_or_reuse(args.docs, args.rebuild)
    measure(app, args.queries, args.runs, with_like=not args.no_like)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
