"""Reporting at city scale: a 200-field template issued to 5,000 schools.

    python bench/bench_reporting.py [--schools 5000] [--fields 200] [--database-url URL] [--keep]

Targets (issue 8): issuing ≤ 5 s, completeness dashboard ≤ 300 ms, full aggregation ≤ 1 s,
Excel export of all submissions ≤ 30 s with bounded memory (issue 18: 20,000 schools ≤ 20 s, streamed:
the first rows leave before the last school is read).

The org tree (1 city, 20 districts, N schools) is bulk-inserted; the task is issued through the
real service; every school's values are then written straight into the storage (document and
packed numbers, as ``save_values`` writes them) and approved, so the dashboard, aggregation and
export read a full task. The dashboard and aggregate are also timed through the JSON API.
Exports run in a fresh subprocess each so their peak RSS is their own; the export is run for
N/5 and for N schools to show that memory does not grow with the number of schools.
Default database: a temporary SQLite file; pass a PostgreSQL URL (or set EDU_BENCH_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build_definition(n_fields: int) -> dict:
    """n fields: mostly numbers (as statistical forms are), some text/choices/dates, one table, formulas."""
    fields = []
    table = {"code": "grades", "label": "分年级学生数", "type": "table",
             "rows": [{"code": f"g{i}", "label": f"{i}年级"} for i in range(1, 7)],
             "columns": [{"code": "boys", "label": "男", "type": "integer", "min": 0},
                         {"code": "girls", "label": "女", "type": "integer", "min": 0},
                         {"code": "total", "label": "合计", "type": "integer", "formula": "boys + girls"}]}
    fields.append(table)
    fields.append({"code": "students", "label": "学生总数", "type": "integer", "formula": "sum(grades.total)"})
    fields.append({"code": "kind", "label": "办学性质", "type": "select", "required": True,
                   "options": [{"value": "1", "label": "公办"}, {"value": "2", "label": "民办"}]})
    fields.append({"code": "principal", "label": "校长", "type": "text"})
    fields.append({"code": "built", "label": "建校日期", "type": "date"})
    i = 0
    while len(fields) < n_fields - 1:
        i += 1
        kind = "decimal" if i % 6 == 0 else "integer"
        fields.append({"code": f"n{i:03d}", "label": f"指标{i:03d}", "type": kind, "min": 0, "unit": "个"})
    fields.append({"code": "sum_all", "label": "指标合计", "type": "integer",
                   "formula": " + ".join(f"n{j:03d}" for j in range(1, 11))})
    sections = [{"title": f"第{k + 1}部分", "fields": fields[k * 50:(k + 1) * 50]}
                for k in range((len(fields) + 49) // 50)]
    return {"sections": sections,
            "rules": [{"expression": "n002 <= n001 + 1000", "message": "指标002 不超过 指标001 + 1000"}]}


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return result, times


def make_app(url: str, data_dir: str):
    from eduplatform import create_app

    return create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "bench",
                       "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": data_dir, "WTF_CSRF_ENABLED": False,
                       "PASSWORD_MAX_AGE_DAYS": 0})


def build_tree(n_schools: int) -> dict:
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.orgs.models import OrgType, OrgUnit, Stage
    from eduplatform.orgs.services import create_org_unit

    city = create_org_unit(None, code="B000000", name="基准市教育局", type=OrgType.CITY_BUREAU, parent=None)
    districts = [create_org_unit(None, code=f"B{d:02d}0000", name=f"第{d}区教育局", type=OrgType.DISTRICT_BUREAU,
                                 parent=city) for d in range(1, 21)]
    db.session.flush()
    stage_sets = [[Stage.PRIMARY.value], [Stage.JUNIOR.value], [Stage.SENIOR.value],
                  [Stage.PRIMARY.value, Stage.JUNIOR.value]]
    table = OrgUnit.__table__
    next_id = db.session.scalar(sa.select(sa.func.max(OrgUnit.id))) + 1
    rows = []
    for n in range(n_schools):
        district = districts[n % len(districts)]
        school_id = next_id + n
        rows.append({"id": school_id, "code": f"S{n:07d}", "name": f"第{n}学校", "type": OrgType.SCHOOL.value,
                     "parent_id": district.id, "path": f"{district.path}{school_id}/", "stages": stage_sets[n % 4],
                     "is_active": True, "created_at": city.created_at, "updated_at": city.created_at})
    for start in range(0, len(rows), 1000):
        db.session.execute(table.insert(), rows[start:start + 1000])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('org_units','id'), "
                                   "(SELECT max(id) FROM org_units))"))
    db.session.commit()
    return {"city": city, "districts": districts}


def fill_all(task, spec, seed=7) -> int:
    """Give every submission a full, valid, approved form (what save_values + review would leave)."""
    import sqlalchemy as sa

    from eduplatform.core.db import utcnow
    from eduplatform.core.extensions import db
    from eduplatform.reporting.models import Submission

    rnd = random.Random(seed)
    now = utcnow()
    ids = list(db.session.scalars(sa.select(Submission.id).where(Submission.task_id == task.id)))
    sub_table = Submission.__table__
    numeric = [(code, f) for code, f in spec.fields.items() if f["type"] in ("integer", "decimal")
               and not spec.is_computed(code)]
    for start in range(0, len(ids), 500):
        doc_rows = []
        for sid in ids[start:start + 500]:
            data = {code: (rnd.randint(0, 500) if f["type"] == "integer" else round(rnd.uniform(0, 100), 2))
                    for code, f in numeric}
            data.update({"kind": rnd.choice("12"), "principal": "张校长", "built": "1990-09-01",
                         "grades": {f"g{i}": {"boys": rnd.randint(20, 200), "girls": rnd.randint(20, 200)}
                                    for i in range(1, 7)}})
            spec.compute(data)
            doc_rows.append({"b_id": sid, "data": data, "numbers": spec.pack_numbers(data), "status": "approved",
                             "on_time": rnd.random() < 0.8, "first_submitted_at": now, "submitted_at": now,
                             "approved_at": now})
        db.session.execute(sub_table.update().where(sub_table.c.id == sa.bindparam("b_id")).values(
            data=sa.bindparam("data"), numbers=sa.bindparam("numbers"), status=sa.bindparam("status"), on_time=sa.bindparam("on_time"),
            first_submitted_at=sa.bindparam("first_submitted_at"), submitted_at=sa.bindparam("submitted_at"),
            approved_at=sa.bindparam("approved_at"), version=2), doc_rows)
        db.session.commit()
    return len(ids)


def export_in_subprocess(url: str, data_dir: str, task_id: int, limit_schools: int | None) -> dict:
    """Run one export in a fresh interpreter; returns its seconds and peak RSS."""
    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
sys.path.insert(0, {str(ROOT / 'bench')!r})
from bench_reporting import make_app
app = make_app({url!r}, {data_dir!r})
with app.app_context():
    from eduplatform.core.extensions import db
    from eduplatform.orgs.models import OrgUnit
    from eduplatform.reporting.models.tasks import ReportTask
    from eduplatform.reporting.services import excel
    import sqlalchemy as sa
    task = db.session.get(ReportTask, {task_id})
    scope = task.issuer_org
    statuses = None
    def status(name):
        for line in open("/proc/self/status"):
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    try:  # reset the high-water mark so that the peak below is the export's own
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    base = status("VmRSS")
    path = excel.temp_path()
    start = time.perf_counter()
    cpu_start = time.process_time()
    if {limit_schools!r}:
        # the first districts only: same code path, fewer schools
        import eduplatform.reporting.services.excel as ex
        original = ex._stream_submissions
        def limited(task, scope, statuses):
            for n, row in enumerate(original(task, scope, statuses)):
                if n >= {limit_schools!r}:
                    return
                yield row
        ex._stream_submissions = limited
    counter, first_row_at = [0], None
    with open(path, "wb") as out:
        for chunk in excel.export_submissions_stream(task.id, scope.id, counter=counter):
            if first_row_at is None and counter[0]:
                first_row_at = time.perf_counter() - start  # the first chunk holding school rows
            out.write(chunk)
    count = counter[0]
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    import os
    size = os.path.getsize(path)
    os.unlink(path)
    print(json.dumps({{"rows": count, "seconds": seconds, "first_rows_s": first_row_at, "cpu_s": cpu, "base_rss_mb": base,
                      "peak_rss_mb": status("VmHWM"), "file_mb": size / 1024 / 1024}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--fields", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("EDU_BENCH_DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args()
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores; the export has no external reference:"
          " its target is absolute (issue 18: ≤ 20 s for 20,000 schools × 200 fields)")

    data_dir = tempfile.mkdtemp(prefix="edu-bench-reporting-")
    url = args.database_url or f"sqlite:///{data_dir}/bench.db"
    app = make_app(url, data_dir)
    import flask_migrate
    import sqlalchemy as sa

    from eduplatform.core.extensions import db

    figures = {}
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        from eduplatform.accounts.models import Role
        from eduplatform.accounts.services import create_user
        from eduplatform.core.db import utcnow
        from eduplatform.reporting.services import aggregation, completeness
        from eduplatform.reporting.services import submissions as submission_services
        from eduplatform.reporting.services import tasks as task_services
        from eduplatform.reporting.services import templates as template_services
        from eduplatform.reporting.spec import spec_for

        print(f"database: {db.engine.dialect.name}; {args.schools} schools; {args.fields}-field template")
        orgs = build_tree(args.schools)
        city = orgs["city"]
        staff, _ = create_user(None, username="bench_city", display_name="基准市科员", roles={Role.BUREAU_STAFF},
                               org=city, password="Bench#Pass2026", must_change_password=False)
        template = template_services.create_template(staff, owner_org=city, code="bench", name="基准统计表",
                                                     definition=build_definition(args.fields))
        version = template_services.publish_draft(staff, template)
        db.session.commit()
        spec = spec_for(version)
        print(f"template: {len(spec.fields)} fields, {len(spec.numeric_keys())} aggregatable numbers")

        def issue():
            task = task_services.issue_task(staff, issuer=city, version=version, title="基准填报任务", period="2026",
                                            due_at=utcnow() + timedelta(days=7), lock_at=utcnow() + timedelta(days=9),
                                            targets={"subtrees": [city.code]})
            db.session.commit()
            return task

        task, t = timed(issue)
        figures["issue_s"] = t[0]
        print(f"issue to {task.target_count} schools: {t[0]:.2f} s  (target ≤ 5 s)")

        # One real autosave of a full 200-field form (parse, compute, history, numbers, version bump).
        from eduplatform.reporting.models import Submission

        one = db.session.scalar(sa.select(Submission).where(Submission.task_id == task.id).limit(1))
        school_admin, _ = create_user(None, username="bench_school", display_name="基准学校", roles={Role.SCHOOL_ADMIN},
                                      org=one.school, password="Bench#Pass2026", must_change_password=False)
        form = {code: 1 for code, f in spec.fields.items() if f["type"] == "integer" and not spec.is_computed(code)}
        _, t = timed(lambda: (submission_services.save_values(one, school_admin, form), db.session.commit()))
        _, t2 = timed(lambda: (submission_services.save_values(one, school_admin, {"n001": 2}), db.session.commit()),
                      repeat=5)
        print(f"autosave of a full form (first save): {t[0] * 1000:.0f} ms; a one-field change: "
              f"{statistics.median(t2) * 1000:.0f} ms")

        filled, t = timed(lambda: fill_all(task, spec))
        print(f"(setup) filled and approved {filled} submissions in {t[0]:.1f} s")

        _, times = timed(lambda: completeness.summary(task, city), repeat=7)
        figures["completeness_ms"] = statistics.median(times) * 1000
        print(f"completeness dashboard (city, per district): median {figures['completeness_ms']:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms  (target ≤ 300 ms)")
        district = orgs["districts"][0]
        _, times = timed(lambda: completeness.schools(task, city, district=str(district.id)), repeat=5)
        print(f"drill-down to one district's {args.schools // 20} schools: median {statistics.median(times) * 1000:.0f} ms")

        for by in ("district", "stage", "none"):
            result, times = timed(lambda by=by: aggregation.aggregate(task, city, by=by), repeat=5)
            figures[f"aggregate_{by}_ms"] = statistics.median(times) * 1000
            print(f"aggregation by {by:<8}: median {statistics.median(times) * 1000:.0f} ms, max "
                  f"{max(times) * 1000:.0f} ms over {result['schools']} schools × {len(result['fields'])} numbers "
                  f"(target ≤ 1 s)")

        task_id = task.id
        db.session.remove()
        db.engine.dispose()

    # Through the API, each request in its own app context as under a real server.
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "bench_city", "password": "Bench#Pass2026"})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"} if token.status_code == 201 else None
    if headers and "reporting_api.completeness_view" in app.view_functions:
        for endpoint, label in ((f"/api/v1/report-tasks/{task_id}/completeness", "GET /completeness"),
                                (f"/api/v1/report-tasks/{task_id}/aggregate?by=district",
                                 "GET /aggregate?by=district")):
            response, times = timed(lambda endpoint=endpoint: client.get(endpoint, headers=headers), repeat=5)
            if response.status_code != 200:
                print(response.get_json())
            print(f"{label} through the API (test client, HTTP {response.status_code}): "
                  f"median {statistics.median(times) * 1000:.0f} ms")

    for limit in (args.schools // 5, None):
        result = export_in_subprocess(url, data_dir, task_id, limit)
        label = f"{result['rows']} schools"
        print(f"Excel export of {label} (streamed; {os.getloadavg()[0]:.2f} load): {result['seconds']:.1f} s "
              f"({result['cpu_s']:.1f} s CPU: the time on an idle core), "
              f"first rows out after {result['first_rows_s'] or 0:.2f} s, file {result['file_mb']:.1f} MB, "
              f"RSS {result['base_rss_mb']:.0f} MB before → peak {result['peak_rss_mb']:.0f} MB during the export"
              + ("  (target ≤ 20 s)" if limit is None else ""))
    print(f"bench process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if not args.keep:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
