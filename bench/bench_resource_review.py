"""Resource review on the process engine: submit / approve latency, the reviewer's queue and the
detail page's review block with many reviews pending, and the migration of legacy review steps.

    python bench/bench_resource_review.py [--resources 2000] [--legacy 5000]

Runs on throw-away SQLite files (set EDU_BENCH_DATABASE_URL for PostgreSQL; each part then uses a
schema of its own). Resources are rows with a stand-in stored file (no upload work is measured).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit

PREVIOUS = "ca761ccd303b"  # the head before the resource review moved onto the engine


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p50_p95(samples: list[float]) -> str:
    return f"p50 {ms(statistics.median(samples))}, p95 {ms(statistics.quantiles(samples, n=20)[18])}"


def make_app(tmp: Path, name: str):
    url = os.environ.get("EDU_BENCH_DATABASE_URL")
    if url and url.startswith("postgresql"):
        schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
        with sa.create_engine(url).begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp / f'{name}.db'}"
    return create_app({"ENV_NAME": "testing", "DATA_DIR": str(tmp / name), "SQLALCHEMY_DATABASE_URI": url,
                       "SECRET_KEY": "bench"})


def people():
    city = create_org_unit(None, code="B0", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
    district = create_org_unit(None, code="B1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
    school = create_org_unit(None, code="B2", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district)
    made = {}
    for name, role, org in (("teacher", Role.TEACHER, school), ("admin", Role.SCHOOL_ADMIN, school),
                            ("district", Role.BUREAU_STAFF, district), ("city", Role.BUREAU_STAFF, city)):
        made[name], _ = create_user(None, username=f"bench_{name}", display_name=name, roles={role}, org=org,
                                    password="Bench#Pass2026", must_change_password=False)
    db.session.commit()
    return made


class NoSearch:
    """Stands in for the search index: re-indexing after each commit is measured by bench_search."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def engine_figures(tmp: Path, n: int, with_search: bool) -> None:
    from eduplatform.core.storage.models import StoredFile
    from eduplatform.resources import review
    from eduplatform.resources.models import ProcessingState, Resource, ResourceVersion, ReviewState

    app = make_app(tmp, "engine")
    if not with_search:
        app.extensions["edu_search"] = NoSearch()
    with app.app_context():
        flask_migrate.upgrade()
        print(f"database: {db.engine.dialect.name}; search index after commit: {'on' if with_search else 'off'}")
        who = people()
        teacher = who["teacher"]
        stored = StoredFile(backend="file", key="bench/stand-in.pptx", filename="课件.pptx",
                            content_type="application/octet-stream", size=1, sha256="0" * 64)
        db.session.add(stored)
        db.session.flush()
        ids = []
        for i in range(n):
            resource = Resource(type="courseware", title=f"课件{i}", description="", stage="junior", subject="math",
                                format="pptx", owner_id=teacher.id, org_id=teacher.org_id,
                                district_id=teacher.org.parent_id, state=ReviewState.DRAFT)
            db.session.add(resource)
            db.session.flush()
            db.session.add(ResourceVersion(resource=resource, number=1, file_id=stored.id, format="pptx",
                                           sha256="0" * 64, size=1, media_info={}, conformance=[],
                                           conformance_status="pass", processing_state=ProcessingState.DONE))
            ids.append(resource.id)
        db.session.commit()

        def timed(action, resources, user) -> list[float]:
            samples = []
            for rid in resources:
                db.session.expire_all()
                t0 = time.perf_counter()
                action(db.session.get(Resource, rid), user)
                db.session.commit()
                samples.append(time.perf_counter() - t0)
            return samples

        print(f"submit (starts the review) + commit ({n}): {p50_p95(timed(review.submit, ids, teacher))}")
        half = ids[: n // 2]
        print(f"school approve + commit ({len(half)}): {p50_p95(timed(review.approve, half, who['admin']))}")
        quarter = half[: n // 4]
        print(f"district approve + commit ({len(quarter)}): "
              f"{p50_p95(timed(review.approve, quarter, who['district']))}")

        for name in ("admin", "district", "city"):
            user = who[name]
            samples = []
            for _ in range(20):
                db.session.expire_all()
                t0 = time.perf_counter()
                page = db.paginate(review.queue(user), page=1, per_page=20, error_out=False)
                review.queue_tasks(user, page.items)
                samples.append(time.perf_counter() - t0)
            print(f"queue page 1 of {page.total} for {name}: p50 {ms(statistics.median(samples))}")
        samples = []
        for rid in ids[n // 2: n // 2 + 50]:
            db.session.expire_all()
            resource = db.session.get(Resource, rid)
            t0 = time.perf_counter()
            review.available_actions(who["admin"], resource)
            review.review_token(resource)
            review.history(resource)
            samples.append(time.perf_counter() - t0)
        print(f"detail page review block (actions + token + history): {p50_p95(samples)}")


def migration_figures(tmp: Path, n: int) -> None:
    app = make_app(tmp, "migration")
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS)
        who = people()
        t0 = datetime(2026, 11, 2, 1, 0)
        conn = db.session.connection()
        meta = sa.MetaData()
        resources = sa.Table("resources", meta, autoload_with=conn)
        steps = sa.Table("resource_review_steps", meta, autoload_with=conn)
        teacher = who["teacher"]
        common = {"type": "courseware", "description": "", "stage": "junior", "subject": "math",
                  "knowledge_points": [], "keywords": [], "extra": {}, "format": "pptx", "visibility": "platform",
                  "owner_id": teacher.id, "org_id": teacher.org_id, "district_id": teacher.org.parent_id,
                  "current_version": 1, "download_count": 0, "favourite_count": 0, "rating_count": 0,
                  "rating_sum": 0, "comment_count": 0, "index_stale": False, "created_at": t0, "updated_at": t0}
        states = ["published", "submitted", "district_review", "returned"]
        conn.execute(resources.insert(), [{**common, "uid": f"u{i}", "title": f"旧课件{i}", "state": states[i % 4]}
                                          for i in range(n)])
        rows = conn.execute(sa.select(resources.c.id, resources.c.state).order_by(resources.c.id)).all()
        history = {"published": [("submit", "draft", "submitted", "teacher"),
                                 ("approve_school", "submitted", "district_review", "admin"),
                                 ("approve_district", "district_review", "published", "district")],
                   "submitted": [("submit", "draft", "submitted", "teacher")],
                   "district_review": [("submit", "draft", "submitted", "teacher"),
                                       ("approve_school", "submitted", "district_review", "admin")],
                   "returned": [("submit", "draft", "submitted", "teacher"),
                                ("return", "submitted", "returned", "admin")]}
        values = [{"resource_id": rid, "action": a, "from_state": f, "to_state": t, "actor_id": who[u].id,
                       "reason": "理由" if a == "return" else None, "created_at": t0 + timedelta(minutes=k)}
                  for rid, state in rows for k, (a, f, t, u) in enumerate(history[state])]
        conn.execute(steps.insert(), values)
        db.session.commit()
        db.session.remove()
        start = time.perf_counter()
        flask_migrate.upgrade()
        spent = time.perf_counter() - start
        print(f"migration of {len(values)} review steps of {n} resources onto the engine: {spent:.1f} s "
              f"({len(values) / spent:.0f} steps/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--legacy", type=int, default=5000)
    parser.add_argument("--with-search", action="store_true", help="re-index each resource after its commit")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-review-"))
    engine_figures(tmp, args.resources, args.with_search)
    migration_figures(tmp, args.legacy)


if __name__ == "__main__":
    main()
