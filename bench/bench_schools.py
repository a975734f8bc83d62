"""School portal figures: roster import speed and memory, city indicator dashboard latency.

    python bench/bench_schools.py [--students 3000] [--schools 1000] [--per-school 400] [--runs 7]
                                  [--database-url postgresql+psycopg://…]

Everything runs in a throw-away database (a temp SQLite file unless --database-url is given; the
PostgreSQL database is emptied first) with a temp data dir.

1. Roster import: a junior school with 60 classes; an .xlsx of N students (valid ID numbers,
   guardians, phones) made with openpyxl; then the two steps a school admin takes — upload +
   preview (store, read in read-only mode, check every row, plan) and confirm (read again, check
   again, upsert, audit) — each timed, and the process's peak-RSS growth over the import. The same
   again with 10,000 rows (the per-file maximum) shows the bound on memory.
2. City dashboard: 1,000 schools in 10 districts with ~400 students, ~35 teachers, 6 ledger
   lines, a profile and network access each; then the city report (service call) and the full
   page GET /indicators for a city staff user, median and max of --runs warm runs.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Peak RSS of the process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


class RssSampler:
    """Samples the current RSS every 5 ms in a thread: peak during a block minus RSS before it."""

    def __enter__(self):
        import threading

        self.baseline = current_rss_mb()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, current_rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mb())

    @property
    def growth(self) -> float:
        return self.peak - self.baseline


def make_app(database_url: str | None, data_dir: str):
    import flask_migrate
    import sqlalchemy as sa

    from eduplatform import create_app
    from eduplatform.core.extensions import db

    url = database_url or f"sqlite:///{data_dir}/bench.db"
    app = create_app({"ENV_NAME": "testing", "DATA_DIR": data_dir, "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
    return app


def roster_workbook(students: int, rng: random.Random) -> bytes:
    from openpyxl import Workbook

    from eduplatform.schools.personal import check_digit
    from eduplatform.schools.roster_import import STUDENT_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学生名册")
    sheet.append([c.header for c in STUDENT_COLUMNS])
    grades = ["七年级", "八年级", "九年级"]
    for n in range(students):
        birth = date(2011 + n % 3, rng.randint(1, 12), rng.randint(1, 28))
        male = n % 2 == 0
        # region digits and sequence together encode n, so every ID number in the file is different
        first17 = f"33{n // 1000:02d}{n % 1000 // 10:02d}{birth:%Y%m%d}{n % 10}0{1 if male else 2}"
        sheet.append([f"2025{n:05d}", "学生" + str(n), "男" if male else "女", grades[n % 3], str(n % 20 + 1),
                      first17 + check_digit(first17), None, "家长" + str(n), f"138{n:08d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bench_import(app, students: int) -> dict:
    from eduplatform.accounts.models import Role
    from eduplatform.accounts.services import create_user
    from eduplatform.core.extensions import db
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.schools import roster_import, services

    rng = random.Random(students)
    data = roster_workbook(students, rng)
    with app.app_context():
        suffix = str(students)
        city = create_org_unit(None, code=f"BC{suffix}", name="基准市", type=OrgType.CITY_BUREAU, parent=None)
        school = create_org_unit(None, code=f"BS{suffix}", name="基准初级中学", type=OrgType.SCHOOL, parent=city,
                                 stages=[Stage.JUNIOR])
        admin, _ = create_user(None, username=f"benchadmin{suffix}", display_name="管理员", roles={Role.SCHOOL_ADMIN},
                               org=school, password="Bench#Pass2026", must_change_password=False)
        for grade in (7, 8, 9):
            for number in range(1, 21):
                services.create_class(admin, school, grade=grade, number=number)
        db.session.commit()
        with RssSampler() as memory:
            started = time.perf_counter()
            run = roster_import.preview_import(admin, school, "students", io.BytesIO(data), "名册.xlsx", None)
            db.session.commit()
            previewed = time.perf_counter()
            assert run.status == "ready", run.problems[:5]
            roster_import.apply_import(admin, run)
            db.session.commit()
            applied = time.perf_counter()
        count = len(db.session.scalars(services.class_students(services.current_classes(school)[0])).all())
        db.session.remove()
    return {"rows": students, "file_kb": len(data) / 1024, "preview_s": previewed - started,
            "confirm_s": applied - previewed, "total_s": applied - started,
            "rss_growth_mb": memory.growth, "first_class_students": count}


def populate_city(app, schools: int, per_school: int) -> None:
    import sqlalchemy as sa

    from eduplatform.accounts.models import Role
    from eduplatform.accounts.services import create_user
    from eduplatform.core.extensions import db
    from eduplatform.orgs.models import OrgType, OrgUnit
    from eduplatform.orgs.services import create_org_unit
    from eduplatform.schools.models import (
        Equipment,
        NetworkAccess,
        SchoolProfile,
        StudentProfile,
        TeacherProfile,
    )

    rng = random.Random(7)
    with app.app_context():
        city = create_org_unit(None, code="CITY", name="千校市教育局", type=OrgType.CITY_BUREAU, parent=None)
        dept = create_org_unit(None, code="CITY-D", name="基础教育处", type=OrgType.DEPARTMENT, parent=city)
        create_user(None, username="citybench", display_name="市局", roles={Role.BUREAU_STAFF}, org=dept,
                    password="Bench#Pass2026", must_change_password=False)
        districts = [create_org_unit(None, code=f"D{d:02d}", name=f"第{d + 1}区教育局", type=OrgType.DISTRICT_BUREAU,
                                     parent=city) for d in range(10)]
        db.session.commit()
        now = date.today()
        for s in range(schools):
            district = districts[s % 10]
            db.session.execute(sa.insert(OrgUnit).values(
                code=f"S{s:05d}", name=f"第{s + 1}学校", type=OrgType.SCHOOL, parent_id=district.id,
                path="", stages=["primary"], is_active=True))
        parent_path = {d.id: d.path for d in districts}
        rows = db.session.execute(sa.select(OrgUnit.id, OrgUnit.parent_id).where(
            OrgUnit.type == OrgType.SCHOOL, OrgUnit.parent_id.in_(list(parent_path)))).all()
        db.session.execute(sa.update(OrgUnit), [{"id": i, "path": f"{parent_path[p]}{i}/"} for i, p in rows])
        school_ids = [i for i, _ in rows]
        db.session.commit()
        students, teachers, equipment, profiles, networks = [], [], [], [], []
        categories = ["student_computer", "teacher_computer", "multimedia_classroom", "interactive_whiteboard",
                      "server", "network_device"]
        for school_id in school_ids:
            size = rng.randint(per_school // 2, per_school * 3 // 2)
            students.extend({"school_id": school_id, "student_no": f"{n:06d}", "name": "学生", "gender": "male",
                             "status": "enrolled" if n % 20 else "graduated", "created_at": now, "updated_at": now}
                            for n in range(size))
            teachers.extend({"school_id": school_id, "teacher_no": f"T{n:04d}", "name": "教师", "subjects": [],
                             "status": "active", "created_at": now, "updated_at": now}
                            for n in range(size // 12))
            equipment.extend({"school_id": school_id, "asset_no": f"A{n}", "category": c, "name": "设备",
                              "quantity": rng.randint(1, 60), "state": "in_use", "created_at": now, "updated_at": now}
                             for n, c in enumerate(categories))
            profiles.append({"org_id": school_id, "classroom_count": rng.randint(6, 40), "created_at": now,
                             "updated_at": now})
            online = rng.random() < 0.93
            networks.append({"school_id": school_id, "access_type": rng.choice(["fiber", "dsl"]) if online else "none",
                             "bandwidth_mbps": rng.choice([50, 100, 200, 500, 1000]) if online else 0,
                             "has_campus_network": online, "wifi_coverage": "partial", "created_at": now,
                             "updated_at": now})
            if len(students) > 50_000:
                db.session.execute(sa.insert(StudentProfile.__table__), students)
                students.clear()
        for table, batch in ((StudentProfile, students), (TeacherProfile, teachers), (Equipment, equipment),
                             (SchoolProfile, profiles), (NetworkAccess, networks)):
            if batch:
                db.session.execute(sa.insert(table.__table__), batch)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def bench_dashboard(app, runs: int) -> dict:
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.orgs.services import find_org
    from eduplatform.schools import indicators
    from eduplatform.schools.models import StudentProfile

    with app.app_context():
        city = find_org("CITY")
        students = db.session.scalar(sa.select(sa.func.count()).select_from(StudentProfile))
        service_times = []
        for _ in range(runs):
            started = time.perf_counter()
            report = indicators.indicator_report(city)
            service_times.append(time.perf_counter() - started)
            db.session.remove()
        schools = int(report.total.figures["schools"])
    client = app.test_client()
    response = client.post("/login", data={"username": "citybench", "password": "Bench#Pass2026"})
    assert response.status_code == 302, response.status_code
    started = time.perf_counter()
    assert client.get("/indicators?org=CITY").status_code == 200
    first_page = time.perf_counter() - started  # compiles the templates
    page_times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/indicators?org=CITY")
        page_times.append(time.perf_counter() - started)
        assert response.status_code == 200
    api_times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/api/v1/indicators?org=CITY")
        api_times.append(time.perf_counter() - started)
        assert response.status_code == 200
    district = client.get("/indicators?org=D00")
    assert district.status_code == 200
    return {"schools": schools, "students": students, "service": service_times, "page": page_times, "first_page": first_page,
            "api": api_times}


def ms(values) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--per-school", type=int, default=400)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("EDU_BENCH_DATABASE_URL"))
    parser.add_argument("--skip-max", action="store_true", help="skip the 10,000-row memory-bound run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-schools-") as data_dir:
        app = make_app(args.database_url, data_dir)
        with app.app_context():
            from eduplatform.core.extensions import db

            dialect = db.engine.dialect.name
        print(f"database: {dialect}")
        print(f"== roster import ({args.students} students) ==")
        result = bench_import(app, args.students)
        print(f"  file {result['file_kb']:.0f} KB; preview {result['preview_s']:.2f} s + confirm "
              f"{result['confirm_s']:.2f} s = {result['total_s']:.2f} s (target ≤ 10 s); "
              f"peak RSS growth {result['rss_growth_mb']:.1f} MB; first class has {result['first_class_students']}")
        if not args.skip_max:
            result = bench_import(app, 10_000)
            print(f"  max file (10,000 rows): total {result['total_s']:.2f} s; peak RSS growth "
                  f"{result['rss_growth_mb']:.1f} MB (a file holds at most 10,000 rows: this is the bound)")
        print(f"== city indicator dashboard ({args.schools} schools) ==")
        started = time.perf_counter()
        populate_city(app, args.schools, args.per_school)
        print(f"  generated in {time.perf_counter() - started:.1f} s")
        result = bench_dashboard(app, args.runs)
        print(f"  {result['schools']} schools, {result['students']} student rows")
        print(f"  indicator_report(city): {ms(result['service'])}")
        print(f"  GET /indicators page:   {ms(result['page'])} (target ≤ 300 ms); first request "
              f"{result['first_page'] * 1000:.0f} ms (compiles the templates)")
        print(f"  GET /api/v1/indicators: {ms(result['api'])}")
        print(f"  process peak RSS {rss_mb():.0f} MB")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
