"""A real harvester (Sickle) harvests 5,000 public resources from /oai served on loopback: all of
them through resumption tokens with no loss or duplicate while resources are added mid-harvest,
then incrementally (from = the last datestamp) after inserts, edits, withdrawals and deletions."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sickle import Sickle
from werkzeug.serving import make_server

from eduplatform.accounts.models import Role, User
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType
from eduplatform.resources import publicity
from eduplatform.resources.models import OaiRecord, Resource, ReviewState, Visibility
from tests.fixtures.factories import make_org, make_user
from tests.resources.oai_helpers import add_public_resources, backdate

COUNT = 5000


@pytest.fixture
def served(separate_app):
    with separate_app.app_context():
        city = make_org(code="c1", name="示范市教育局", type=OrgType.CITY_BUREAU)
        school = make_org(code="s1", name="示范中学", parent=city)
        owner = make_user(username="uploader", roles=[Role.TEACHER], org=school)
        add_public_resources(owner, COUNT)
        backdate()
        db.session.commit()
        owner_id = owner.id
    server = make_server("127.0.0.1", 0, separate_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield separate_app, f"http://127.0.0.1:{server.server_port}/oai", owner_id
    finally:
        server.shutdown()
        thread.join(10)


def _truth(app) -> dict[str, str]:
    """identifier → title of every public resource, from the database."""
    with app.app_context():
        rows = db.session.execute(sa.select(Resource.uid, Resource.title).where(
            Resource.state == ReviewState.PUBLISHED, Resource.visibility == Visibility.PUBLIC)).all()
        return {f"oai:eduplatform.local:{uid}": title for uid, title in rows}


def test_sickle_harvests_everything_then_incrementally(served):
    app, url, owner_id = served
    sickle = Sickle(url, max_retries=0, timeout=60)
    harvested: dict[str, str] = {}
    datestamps: list[str] = []
    seen = 0
    for record in sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        seen += 1
        assert not record.header.deleted
        assert record.header.identifier not in harvested, "a record came twice"
        harvested[record.header.identifier] = record.metadata["title"][0]
        datestamps.append(record.header.datestamp)
        if seen == 150:  # resources published while the harvest runs come at its end
            with app.app_context():
                owner = db.session.get(User, owner_id)
                add_public_resources(owner, 20)
                db.session.commit()
    assert seen == COUNT + 20 and harvested == _truth(app)
    assert datestamps == sorted(datestamps)
    last = datestamps[-1]

    with app.app_context():
        owner = db.session.get(User, owner_id)
        rows = db.session.scalars(sa.select(Resource).order_by(Resource.id)).all()
        for resource in rows[:30]:
            resource.title += "（修订）"
        lowered = rows[100:125]
        for resource in lowered:
            publicity.change_visibility(owner, resource, Visibility.PLATFORM)
        removed_uids = [r.uid for r in rows[200:210]]
        for resource in rows[200:210]:
            db.session.delete(resource)
        add_public_resources(owner, 15)
        db.session.commit()
        stones = db.session.scalar(sa.select(sa.func.count()).where(OaiRecord.deleted))
    assert stones == 35

    changes = list(Sickle(url, max_retries=0, timeout=60, http_method="POST").ListRecords(
        **{"metadataPrefix": "oai_dc", "from": last, "ignore_deleted": False}))
    identifiers = [r.header.identifier for r in changes]
    assert len(identifiers) == len(set(identifiers))
    assert 30 + 25 + 10 + 15 <= len(changes) < 200  # the changes, and what shares the last second
    for record in changes:
        if record.header.deleted:
            harvested.pop(record.header.identifier, None)
        else:
            harvested[record.header.identifier] = record.metadata["title"][0]
    assert harvested == _truth(app)
    assert not {f"oai:eduplatform.local:{uid}" for uid in removed_uids} & harvested.keys()
    assert sum(r.header.deleted for r in changes) == 35

