"""What sealing the audit chain after commit costs a request, and how fast the chain verifies.

    python bench/bench_audit.py [--requests 300] [--entries 20000] [--database-url URL]

Default: SQLite (WAL) in a temporary directory, migrated. A teacher calls ``GET /api/v1/audit``
with a bearer token: refused (403), which writes and commits one audit entry (a security event) —
a request whose cost is mostly its audited write. Timed with after-commit sealing off and on
(interleaved in rounds, so machine noise hits both alike); then ``--entries`` entries are bulk
written, sealed by ``flask audit-seal`` and verified, and those two are timed.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATA_DIR": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": options.database_url or f"sqlite:///{tmp / 'bench.db'}"})
    from eduplatform.accounts.models import Role
    from eduplatform.accounts.services import create_user
    from eduplatform.audit import chain
    from eduplatform.audit.models import AuditEntry
    from eduplatform.orgs.models import OrgType
    from eduplatform.orgs.services import create_org_unit

    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="C1", name="测试市教育局", type=OrgType.CITY_BUREAU, parent=None, stages=[])
        district = create_org_unit(None, code="D1", name="测试区教育局", type=OrgType.DISTRICT_BUREAU, parent=city,
                                   stages=[])
        school = create_org_unit(None, code="B1", name="测试学校", type=OrgType.SCHOOL, parent=district, stages=[])
        create_user(None, username="teacher1", display_name="教师", roles={Role.TEACHER}, org=school,
                    password="Bench#2026pass", must_change_password=False)
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "teacher1", "password": "Bench#2026pass"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    times: dict[bool, list[float]] = {False: [], True: []}
    rounds = 10
    for _ in range(rounds):
        for sealing in (False, True):
            app.config["AUDIT_SEAL_AFTER_COMMIT"] = sealing
            for _ in range(options.requests // rounds):
                started = time.perf_counter()
                assert client.get("/api/v1/audit", headers=headers).status_code == 403
                times[sealing].append((time.perf_counter() - started) * 1000)
    with app.app_context():
        print(f"database: {db.engine.dialect.name}")
        for sealing, label in ((False, "sealing off"), (True, "sealing on ")):
            values = sorted(times[sealing])
            print(f"{label}: {len(values)} audited requests, mean {statistics.mean(values):.2f} ms, "
                  f"p50 {values[len(values) // 2]:.2f} ms, p95 {values[int(len(values) * 0.95)]:.2f} ms")
        db.session.execute(sa.insert(AuditEntry), [{"realm": "bench", "kind": "thing.done", "summary": f"第{i}条",
                                                    "data": {"i": i}} for i in range(options.entries)])
        db.session.commit()
        started = time.perf_counter()
        sealed = chain.seal(db.session.connection())
        db.session.commit()
        sealing_s = time.perf_counter() - started
        started = time.perf_counter()
        report = chain.verify(db.session.connection())
        verify_s = time.perf_counter() - started
        print(f"sealed a backlog of {sealed} entries in {sealing_s:.2f} s; verified {report.links} links "
              f"in {verify_s:.2f} s ({'ok' if report.ok else report.problems[0]}, unsealed {report.unsealed})")


if __name__ == "__main__":
    main()
