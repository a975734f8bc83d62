"""Process engine figures: definition loading, start/transition latency, to-do list query with many
open tasks, the cron tick over many tasks, BPMN generation.

    python bench/bench_workflow.py [--instances 2000]

Runs on a throw-away SQLite file (set EDU_BENCH_DATABASE_URL for PostgreSQL). Creates one city,
one district, one school, a teacher and a school administrator, then starts N resource reviews
and submits each (N open pooled tasks for the administrator).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate

from eduplatform import create_app, workflow
from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.orgs.services import create_org_unit
from eduplatform.workflow import registry
from eduplatform.workflow.bpmn import to_bpmn
from eduplatform.workflow.definitions import load_definition
from eduplatform.workflow.tasks import todo_query
from eduplatform.workflow.tick import run_tick


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=2000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-workflow-"))
    url = os.environ.get("EDU_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    app = create_app({"ENV_NAME": "testing", "DATA_DIR": str(tmp), "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench"})
    with app.app_context():
        flask_migrate.upgrade()
        print(f"database: {db.engine.dialect.name}")
        sources = [p.source for p in registry.all_processes()]
        start = time.perf_counter()
        for _ in range(50):
            for source in sources:
                load_definition(source)
        print(f"load + validate a definition: {ms((time.perf_counter() - start) / (50 * len(sources)))}")
        start = time.perf_counter()
        for p in registry.all_processes():
            to_bpmn(p)
        print(f"BPMN with layout, {len(sources)} processes: {ms(time.perf_counter() - start)}")

        city = create_org_unit(None, code="B0", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="B1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="B2", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district)
        teacher, _ = create_user(None, username="bench_teacher", display_name="教师", roles={Role.TEACHER},
                                 org=school, password="Bench#Pass2026", must_change_password=False)
        admin, _ = create_user(None, username="bench_admin", display_name="管理员", roles={Role.SCHOOL_ADMIN},
                               org=school, password="Bench#Pass2026", must_change_password=False)
        db.session.commit()

        starts, submits = [], []
        for n in range(args.instances):
            t0 = time.perf_counter()
            instance = workflow.start("resource_review", org=school, actor=teacher, title=f"课件{n}",
                                      data={"title": f"课件{n}"})
            db.session.commit()
            t1 = time.perf_counter()
            workflow.perform(instance, "submit", actor=teacher)
            db.session.commit()
            t2 = time.perf_counter()
            starts.append(t1 - t0)
            submits.append(t2 - t1)
        q = statistics.quantiles
        print(f"start + commit ({args.instances}): p50 {ms(statistics.median(starts))}, "
              f"p95 {ms(q(starts, n=20)[18])}")
        print(f"transition + commit: p50 {ms(statistics.median(submits))}, p95 {ms(q(submits, n=20)[18])}")

        times = []
        for _ in range(20):
            db.session.expire_all()
            t0 = time.perf_counter()
            page = db.paginate(todo_query(admin), page=1, per_page=20, error_out=False)
            _ = [t.instance.title for t in page.items]
            times.append(time.perf_counter() - t0)
        print(f"to-do list page 1 of {page.total} open tasks: p50 {ms(statistics.median(times))}")

        t0 = time.perf_counter()
        report = run_tick(utcnow() + timedelta(days=30))
        db.session.commit()
        print(f"tick over {args.instances} overdue tasks: {ms(time.perf_counter() - t0)} "
              f"({report.reminded} reminders, {report.overdue} overdue, {report.escalated} escalated)")
        t0 = time.perf_counter()
        again = run_tick(utcnow() + timedelta(days=30))
        db.session.commit()
        print(f"second tick (idempotent, nothing to do): {ms(time.perf_counter() - t0)} "
              f"({again.reminded + again.overdue + again.escalated} actions)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
