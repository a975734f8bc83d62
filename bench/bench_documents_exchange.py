"""公文交换 and 发文字号 figures: issuing one document to every school of the city, 签收, and 50 clerks
registering at once.

    python bench/bench_documents_exchange.py [--schools 2000] [--clerks 50]

Runs on a throw-away SQLite file; set EDU_BENCH_DATABASE_URL to a PostgreSQL URL for the figures
that matter in production (the concurrent numbering needs PostgreSQL's row lock to be meaningful).

* 核发 to N schools: the 核发 step of the engine with "所辖全部学校" = the city — the subtree walk,
  one delivery row and one inbox notice per school, the audit entry, the commit. Target ≤ 5 s at 2,000.
  Reference, same run, same database: the same N delivery rows and N notice rows written by a bare
  ``executemany`` INSERT through the driver and committed — the floor of writing that data at all.
* 签收: one school's 收发员 signs (the 收文 is made, its flow started at 登记); median of 50.
* 50 concurrent 登记: threads with their own sessions assign 发文字号 at one barrier.
  Reference: 50 threads taking ``nextval`` of a PostgreSQL sequence at one barrier (the database's
  own counter, which may leave gaps; ours may not). On SQLite the reference is skipped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.accounts.models import Role, User
from eduplatform.accounts.services import create_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.documents.models import Delivery, Document
from eduplatform.documents.sealing.dev import ensure_dev_unit
from eduplatform.documents.services import exchange, outgoing
from eduplatform.documents.services.numbering import assign_number
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.orgs.services import create_org_unit

PASSWORD = "Bench#Pass2026"


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value >= 1 else f"{value * 1000:.1f} ms"


def build_city(schools: int):
    city = create_org_unit(None, code="3399000000", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
    office = create_org_unit(None, code="3399000001", name="市教育局办公室", type=OrgType.DEPARTMENT, parent=city)
    districts = [create_org_unit(None, code=f"33990{d:02d}000", name=f"第{d}区教育局", type=OrgType.DISTRICT_BUREAU,
                                 parent=city) for d in range(1, 21)]
    made = []
    for n in range(schools):
        district = districts[n % len(districts)]
        made.append(create_org_unit(None, code=f"21{n:08d}", name=f"第{n + 1}学校", type=OrgType.SCHOOL,
                                    parent=district))
    clerk, _ = create_user(None, username="bench_office", display_name="周秘书", roles={Role.BUREAU_STAFF},
                           org=office, password=PASSWORD, must_change_password=False)
    basic = create_org_unit(None, code="3399000002", name="市教育局基础教育处", type=OrgType.DEPARTMENT, parent=city)
    for username, name, role, org in (("bench_drafter", "李科员", Role.BUREAU_STAFF, basic),
                                      ("bench_head", "陈处长", Role.BUREAU_STAFF, basic),
                                      ("bench_leader", "王局长", Role.BUREAU_LEADER, city)):
        create_user(None, username=username, display_name=name, roles={role}, org=org, password=PASSWORD,
                    must_change_password=False)
    admins = []
    for school in made[:50]:
        admin, _ = create_user(None, username=f"admin_{school.code}", display_name="管理员", roles={Role.SCHOOL_ADMIN},
                               org=school, password=PASSWORD, must_change_password=False)
        admins.append(admin)
    db.session.commit()
    return city, clerk, made, admins


def document_at_dispatch(city, clerk, n: int) -> Document:
    """A 发文 taken through its flow up to 核发 (those steps are not what is measured)."""
    people = {u.username: u for u in db.session.scalars(sa.select(User).where(
        User.username.in_(["bench_drafter", "bench_head", "bench_leader"])))}
    document = outgoing.draft(people["bench_drafter"], elements={
        "doctype": "notice", "title": f"关于做好寒假安全工作的通知{n}", "agency_code": "示教发",
        "main_recipients": "各区县教育局，各学校"}, body="各区县教育局，各学校：\n请做好寒假安全工作。",
        flow={"reviewer": people["bench_head"].id})
    for key, actor, data in (("submit", people["bench_drafter"], None), ("review_ok", people["bench_head"], None),
                             ("sign", people["bench_leader"], {"signer_opinion": "同意"}), ("recheck_ok", clerk, None),
                             ("register", clerk, None), ("printed", clerk, {"copies": 1}), ("sealed", clerk, None)):
        outgoing.act(document, key, actor=actor, data=data)
    db.session.commit()
    return document


def bench_dispatch(city, clerk, schools) -> tuple[float, float, int]:
    document = document_at_dispatch(city, clerk, 1)
    t0 = time.perf_counter()
    outgoing.act(document, "dispatch", actor=clerk, data={"main_recipient_schools_of": [city.id]})
    db.session.commit()
    ours = time.perf_counter() - t0
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(Delivery.document_id == document.id))

    # the floor: the same rows through the driver's executemany, in one transaction
    other = Document(org_id=city.id, created_by_id=clerk.id, doctype="notice", title="参照", agency_code="示教发")
    db.session.add(other)
    db.session.commit()
    now = utcnow()
    deliveries = [{"document_id": other.id, "recipient_org_id": s.id, "kind": "main", "status": "pending",
                   "sent_at": now, "sent_by_id": clerk.id, "chase_count": 0} for s in schools]
    notices = [{"realm": "documents", "kind": "delivered", "org_id": s.id, "title": "来文待签收", "body": "",
                "link": "", "object_type": "document_exchange", "object_id": other.id, "created_at": now}
               for s in schools]
    t0 = time.perf_counter()
    with db.engine.begin() as connection:
        connection.execute(sa.text(
            "insert into document_deliveries (document_id, recipient_org_id, kind, status, sent_at, sent_by_id, "
            "chase_count) values (:document_id, :recipient_org_id, :kind, :status, :sent_at, :sent_by_id, "
            ":chase_count)"), deliveries)
        connection.execute(sa.text(
            "insert into notices (realm, kind, org_id, title, body, link, object_type, object_id, created_at) "
            "values (:realm, :kind, :org_id, :title, :body, :link, :object_type, :object_id, :created_at)"), notices)
    floor = time.perf_counter() - t0
    return ours, floor, sent


def bench_sign(document_id: int, admins) -> float:
    times = []
    for admin in admins:
        delivery = db.session.scalar(sa.select(Delivery).where(Delivery.document_id == document_id,
                                                               Delivery.recipient_org_id == admin.org_id))
        t0 = time.perf_counter()
        exchange.sign_for(delivery.id, actor=admin)
        db.session.commit()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def race(app, count: int, work) -> float:
    barrier = threading.Barrier(count, timeout=60)
    errors: list[BaseException] = []

    def run(n):
        try:
            with app.app_context():
                barrier.wait()
                work(n)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return time.perf_counter() - t0


def bench_numbering(app, city, clerks: int) -> tuple[float, float | None, list[int]]:
    ids = []
    for n in range(clerks):
        document = Document(org_id=city.id, doctype="notice", title=f"并发登记{n}", agency_code="示教函")
        db.session.add(document)
        db.session.flush()
        ids.append(document.id)
    db.session.commit()

    def register(n):
        document = db.session.get(Document, ids[n])
        assign_number(document, year=2026)
        db.session.commit()

    ours = race(app, clerks, register)
    seqs = sorted(db.session.scalars(sa.select(Document.doc_seq).where(Document.agency_code == "示教函")))
    floor = None
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("create sequence if not exists bench_doc_seq"))

        def nextval(n):
            db.session.execute(sa.text("select nextval('bench_doc_seq')"))
            db.session.commit()

        floor = race(app, clerks, nextval)
    return ours, floor, seqs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--clerks", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-exchange-"))
    url = os.environ.get("EDU_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    certs = {"DOC_CERT_DIR": str(tmp / "certs"), "DOC_TRUST_ROOTS": str(tmp / "roots"), "DOC_CERT_PASSWORD": "bench"}
    app = create_app({"ENV_NAME": "testing", "DATA_DIR": str(tmp), "SQLALCHEMY_DATABASE_URI": url,
                      "SECRET_KEY": "bench", **certs})
    with app.app_context():
        flask_migrate.upgrade()
        print(f"database: {db.engine.dialect.name}")
        ensure_dev_unit(certs["DOC_TRUST_ROOTS"], certs["DOC_CERT_DIR"], "3399000000", "示范市教育局", password="bench")
        city, clerk, schools, admins = build_city(args.schools)
        ours, floor, sent = bench_dispatch(city, clerk, schools)
        print(f"核发 to every school of the city ({sent} units): {seconds(ours)}  (target ≤ 5 s)")
        print(f"  reference, bare executemany of the same {sent} deliveries + {sent} notices: {seconds(floor)}"
              f"  → ratio {ours / floor:.2f}")
        document_id = db.session.scalar(sa.select(Delivery.document_id).order_by(Delivery.id).limit(1))
        print(f"签收 (the 收文 made, its flow at 登记), median of {len(admins)}: {seconds(bench_sign(document_id, admins))}")
        schools_count = db.session.scalar(sa.select(sa.func.count()).select_from(OrgUnit).where(
            OrgUnit.type == OrgType.SCHOOL))
        assert schools_count == args.schools
        ours, floor, seqs = bench_numbering(app, city, args.clerks)
        consecutive = seqs == list(range(1, args.clerks + 1))
        print(f"{args.clerks} clerks registering at once: {seconds(ours)}; numbers 1…{args.clerks} with no gap or "
              f"repeat: {'yes' if consecutive else 'NO ' + str(seqs)}")
        if floor is not None:
            print(f"  reference, {args.clerks} concurrent nextval of a PostgreSQL sequence: {seconds(floor)}"
                  f"  → ratio {ours / floor:.2f}")
        else:
            print("  (SQLite serialises writers: run with EDU_BENCH_DATABASE_URL=postgresql://… for the race)")


if __name__ == "__main__":
    main()
