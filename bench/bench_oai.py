"""How long a real harvester (Sickle) takes to harvest N public resources from /oai, against plain lxml.

    python bench/bench_oai.py [--records 5000] [--page-size 100] [--database-url URL]

Default: SQLite (WAL) in a temporary directory, migrated, N published 向社会公开 resources (rows only),
the app served by werkzeug on loopback (threaded). Timed, in the same run:
  1. the full harvest: ``Sickle.ListRecords(metadataPrefix=…)`` through every resumption token, for
     ``oai_dc`` and ``lom``;
  2. the reference: the same N rows selected in one query and serialised as ``oai_dc`` with plain lxml
     (no HTTP, no paging, no protocol) — the floor the provider's own work sits on.
"""

from __future__ import annotations

import argparse
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
from lxml import etree
from sickle import Sickle
from werkzeug.serving import make_server

from eduplatform import create_app
from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.resources.models import Resource
from tests.fixtures.factories import make_org, make_user
from tests.resources.oai_helpers import add_public_resources, backdate

DC = "http://purl.org/dc/elements/1.1/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"


def plain_lxml(app) -> int:
    """Select the rows and write one oai_dc document per row, nothing else."""
    with app.app_context():
        rows = db.session.execute(sa.select(Resource.uid, Resource.title, Resource.description, Resource.subject,
                                            Resource.type, Resource.published_at).order_by(Resource.id)).all()
        size = 0
        for uid, title, description, subject, rtype, published in rows:
            root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC})
            for tag, value in (("title", title), ("description", description), ("subject", subject),
                               ("type", rtype), ("date", published.strftime("%Y-%m-%d")), ("identifier", uid)):
                etree.SubElement(root, f"{{{DC}}}{tag}").text = value
            size += len(etree.tostring(root))
        return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-oai-"))
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "SECRET_KEY": "bench", "DATA_DIR": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": options.database_url or f"sqlite:///{tmp / 'bench.db'}",
                      "OAI_PAGE_SIZE": options.page_size})
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        city = make_org(code="c1", name="示范市教育局", type=OrgType.CITY_BUREAU)
        school = make_org(code="s1", name="示范中学", parent=city)
        owner = make_user(username="uploader", roles=[Role.TEACHER], org=school)
        add_public_resources(owner, options.records)
        backdate()
        db.session.commit()
        print(f"made {options.records} public resources and their OAI records in {time.perf_counter() - started:.1f} s")
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/oai"
    try:
        for prefix in ("oai_dc", "lom"):
            started = time.perf_counter()
            ids = {r.header.identifier for r in Sickle(url, max_retries=0, timeout=120)
                   .ListRecords(metadataPrefix=prefix, ignore_deleted=False)}
            elapsed = time.perf_counter() - started
            assert len(ids) == options.records, (len(ids), options.records)
            print(f"Sickle ListRecords {prefix}: {len(ids)} records, "
                  f"{-(-options.records // options.page_size)} pages of {options.page_size}, "
                  f"{elapsed:.2f} s ({len(ids) / elapsed:.0f} records/s)")
    finally:
        server.shutdown()
        thread.join(10)

    started = time.perf_counter()
    count = plain_lxml(app)
    elapsed = time.perf_counter() - started
    print(f"reference, plain lxml select + serialise oai_dc: {count} records, {elapsed:.2f} s "
          f"({count / elapsed:.0f} records/s)")


if __name__ == "__main__":
    main()
