"""A city platform and a school node: two real HTTP servers on loopback, two databases, two data
dirs (``tests/portal/ferry_nodes``). Push → ``flask distribution sync`` (a real process, killed with
SIGKILL in the middle of a large throttled file) → resume by HTTP Range → search on the node →
receipts and local use back at the city; a corrupted transfer is caught by its SHA-256 and fetched
again; a retired item leaves the node."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.distribution import feed, node, services
from eduplatform.distribution.models import Delivery, DeliveryState, NodeItem, UsageReport
from eduplatform.orgs.models import OrgType, OrgUnit, Stage
from eduplatform.resources.models import Resource
from tests.distribution.helpers import make_resource, text_file
from tests.fixtures.factories import PASSWORD, make_org, make_user
from tests.portal.ferry_nodes import drop, make_node

ROOT = Path(__file__).resolve().parents[2]
BIG = 3 * 1024 * 1024
CAP_KBPS = 768  # the big file takes ~4 s: long enough to kill the sync in its middle


class WireTap:
    """WSGI middleware on the city: records each file request's Range, and flips one byte in the
    body of the next answer for the paths in ``corrupt`` (a chunk damaged on the wire)."""

    def __init__(self, app):
        self.app, self.requests, self.corrupt = app, [], set()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if "/distribution/node/files/" not in path:
            return self.app(environ, start_response)
        self.requests.append((path, environ.get("HTTP_RANGE")))
        body = self.app(environ, start_response)
        if path not in self.corrupt:
            return body
        self.corrupt.discard(path)

        def damaged():
            first = True
            for chunk in body:
                if first and chunk:
                    chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                    first = False
                yield chunk
            if hasattr(body, "close"):
                body.close()
        return damaged()


@pytest.fixture
def nodes(tmp_path):
    saved = db.session
    db.session = db._make_scoped_session({})
    dummy = tmp_path / "ferry"
    city = make_node(tmp_path, "city", "single", outbox=dummy / "o", inbox=dummy / "i")
    tap = WireTap(city.app.wsgi_app)
    city.app.wsgi_app = tap
    with city.app.app_context():
        bureau = make_org(code="3399000000", name="示范市教育局", type=OrgType.CITY_BUREAU)
        district = make_org(code="3399010000", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=bureau)
        school = make_org(code="3399010101", name="东湖区第一初级中学", parent=district, stages=[Stage.JUNIOR])
        make_org(code="3399010102", name="东湖区实验小学", parent=district, stages=[Stage.PRIMARY])
        staff = make_user(username="citystaff", roles=[Role.BUREAU_STAFF], org=bureau)
        teacher = make_user(username="author", roles=[Role.TEACHER], org=school)
        make_user(username="jxadmin", roles=[Role.SCHOOL_ADMIN], org=school)
        small = [make_resource(teacher, "勾股定理的证明"), make_resource(teacher, "相似三角形的判定")]
        big = make_resource(teacher, "函数图像大型资料包", text_file("函数图像", BIG))
        channel = services.create_channel(staff, {"name": "八年级数学同步课件"})
        services.add_items(staff, channel, [r.id for r in [*small, big]])
        _, plain = feed.issue_token(staff, school)
        ids = {"school": school.id, "channel": channel.id, "small": [r.id for r in small], "big": big.id,
               "big_uid": big.uid, "small_uids": [r.uid for r in small], "staff": staff.id}
        db.session.commit()
        db.session.remove()
    city.start()
    school_node = make_node(tmp_path, "school", "single", outbox=dummy / "o2", inbox=dummy / "i2",
                            EDU_NODE="school", EDU_NODE_CITY_URL=city.base, EDU_NODE_TOKEN=plain)
    school_node.start()
    try:
        yield city, school_node, tap, ids, tmp_path
    finally:
        drop(school_node)
        drop(city)
        db.session = saved


def _sync_process(school_node, tmp_path) -> subprocess.Popen:
    app = school_node.app
    env = dict(os.environ, EDU_ENV="testing", EDU_DATA_DIR=str(app.config["DATA_DIR"]),
               EDU_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], EDU_NODE="school",
               EDU_NODE_CITY_URL=app.config["EDU_NODE_CITY_URL"], EDU_NODE_TOKEN=app.config["EDU_NODE_TOKEN"])
    log = (tmp_path / "sync.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "eduplatform:create_app", "distribution", "sync"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _in(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def test_push_sync_kill_resume_search_and_report(nodes):
    city, school_node, tap, ids, tmp_path = nodes

    def plan():
        staff = db.session.get(services.User, ids["staff"])
        channel = services.get_channel(staff, ids["channel"])
        push = services.plan_push(staff, channel, {"target_kind": "stage", "stage": "junior", "follows": True,
                                                   "cap_kbps": CAP_KBPS})
        db.session.commit()
        return push.id, push.school_count
    push_id, schools = _in(city.app, plan)
    for token in ("", "node_wrong"):  # no valid token: nothing
        refused = requests.get(f"{city.base}/api/v1/distribution/node/feed", headers={feed.HEADER: token}, timeout=10)
        assert refused.status_code == 401
        assert refused.json()["error"]["message"] == "校园节点令牌无效或已吊销"
    assert schools == 1  # the 初中 only, not the 小学
    big_delivery = _in(city.app, lambda: db.session.scalar(sa.select(Delivery.id).where(
        Delivery.push_id == push_id, Delivery.resource_id == ids["big"])))
    small_delivery = _in(city.app, lambda: db.session.scalar(sa.select(Delivery.id).where(
        Delivery.push_id == push_id, Delivery.resource_id == ids["small"][0])))
    tap.corrupt.add(f"/api/v1/distribution/node/files/{small_delivery}")

    # 1. the sync process, killed with SIGKILL while the big file is half-way
    part = Path(school_node.app.config["DATA_DIR"]) / "distribution" / "parts" / f"{big_delivery}.part"
    process = _sync_process(school_node, tmp_path)
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size >= BIG // 3):
        assert process.poll() is None, (tmp_path / "sync.log").read_text()
        assert time.monotonic() < deadline, "the sync never got to the big file"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    have = part.stat().st_size
    assert 0 < have < BIG

    # nothing of the big file is visible on the node; the small ones are, the corrupted one re-fetched
    assert school_node.scalar(sa.select(Resource.id).where(Resource.uid == ids["big_uid"])) is None
    assert school_node.scalar(sa.select(sa.func.count()).select_from(Resource).where(
        Resource.uid.in_(ids["small_uids"]))) == 2
    small_path = f"/api/v1/distribution/node/files/{small_delivery}"
    assert [p for p, _ in tap.requests].count(small_path) == 2  # damaged once, fetched again
    _in(school_node.app, lambda: _assert_stored_checksums(ids["small_uids"]))

    # a teacher of the school signs in on the node: the big title is not found while it is a part file
    def teacher():
        org = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "3399010101"))
        make_user(username="nodeteacher", roles=[Role.TEACHER], org=org)
        db.session.commit()
    _in(school_node.app, teacher)
    school_node.login("nodeteacher", PASSWORD)
    found = school_node.get("/resources/search?q=勾股定理", who="nodeteacher")
    assert found.status_code == 200 and "勾股定理的证明" in found.text
    assert "函数图像大型资料包" not in school_node.get("/resources/search?q=函数图像", who="nodeteacher").text

    # 2. restart: it resumes with a Range from where it was (the cap on a controlled clock: no waiting)
    clock = [0.0]

    def resume():
        return node.sync(clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    result = _in(school_node.app, resume)
    big_path = f"/api/v1/distribution/node/files/{big_delivery}"
    assert (big_path, f"bytes={have}-") in tap.requests
    assert result.downloaded_bytes == BIG - have < BIG
    assert clock[0] >= (BIG - have) / (CAP_KBPS * 1024) * 0.9  # the cap held
    assert not part.exists()
    _in(school_node.app, lambda: _assert_stored_checksums([ids["big_uid"]]))
    found = school_node.get("/resources/search?q=函数图像", who="nodeteacher")
    assert "函数图像大型资料包" in found.text

    # 3. the city knows: every delivery 已接收 (checksum verified)
    def states():
        return dict(db.session.execute(sa.select(Delivery.resource_id, Delivery.state)
                                       .where(Delivery.push_id == push_id)).all())
    assert set(_in(city.app, states).values()) == {DeliveryState.RECEIVED}

    # 4. local use goes back to the city
    local_id = school_node.scalar(sa.select(Resource.id).where(Resource.uid == ids["small_uids"][0]))
    assert school_node.get(f"/resources/{local_id}", who="nodeteacher").status_code == 200
    assert school_node.get(f"/resources/{local_id}/file", who="nodeteacher").status_code == 200
    _in(school_node.app, node.sync)
    usage = _in(city.app, lambda: [(u.school_id, u.resource_id, u.views, u.downloads)
                                   for u in db.session.scalars(sa.select(UsageReport))])
    assert usage == [(ids["school"], ids["small"][0], 1, 1)]

    # 5. the city retires an item: it leaves the node
    def retire():
        staff = db.session.get(services.User, ids["staff"])
        services.retire_items(staff, services.get_channel(staff, ids["channel"]), [ids["small"][1]])
        db.session.commit()
    _in(city.app, retire)
    result = _in(school_node.app, node.sync)
    assert result.retired == 1
    assert school_node.scalar(sa.select(Resource.id).where(Resource.uid == ids["small_uids"][1])) is None
    assert school_node.scalar(sa.select(sa.func.count()).select_from(NodeItem).where(NodeItem.state == "done")) == 2
    assert "相似三角形的判定" not in school_node.get("/resources/search?q=相似三角形", who="nodeteacher").text


def _assert_stored_checksums(uids):
    from eduplatform.core.storage.registry import get_storage

    for uid in uids:
        resource = db.session.scalar(sa.select(Resource).where(Resource.uid == uid))
        stored = resource.version.file
        digest = hashlib.sha256()
        for chunk in get_storage().open(stored.key):
            digest.update(chunk)
        assert digest.hexdigest() == stored.sha256 == resource.version.sha256



def test_offline_package_gives_the_state_of_a_sync(nodes):
    """A school without a link: the push's revision on a USB stick. A tampered package is refused
    whole; the real one brings the node to the state a sync gives; the next online sync only reports
    the receipts (nothing is downloaded again)."""
    city, school_node, tap, ids, tmp_path = nodes
    from eduplatform.core.packages import MANIFEST
    from eduplatform.distribution import offline
    from eduplatform.resources.packages import PackageRefused

    def export():
        staff = db.session.get(services.User, ids["staff"])
        push = services.plan_push(staff, services.get_channel(staff, ids["channel"]),
                                  {"target_kind": "schools", "school_ids": [ids["school"]]})
        path = offline.export_for_school(staff, push, db.session.get(OrgUnit, ids["school"]))
        db.session.commit()
        return push.id, path
    push_id, path = _in(city.app, export)
    token = school_node.app.config["EDU_NODE_TOKEN"]

    import zipfile
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == MANIFEST:
                data = data.replace("勾股定理的证明".encode(), "勾股定理的证伪".encode())
            out.writestr(info, data)

    def refused():
        with tampered.open("rb") as handle, pytest.raises(PackageRefused, match="签名不符"):
            offline.import_on_node(handle, token)
    _in(school_node.app, refused)
    assert school_node.scalar(sa.select(sa.func.count()).select_from(Resource)) == 0

    output = school_node.cli("distribution", "import-package", path)
    assert "新增 3 个" in output
    uids = {ids["big_uid"], *ids["small_uids"]}
    local = _in(school_node.app, lambda: {r.uid: r.version.sha256 for r in db.session.scalars(sa.select(Resource))})
    city_side = _in(city.app, lambda: {r.uid: r.version.sha256 for r in db.session.scalars(
        sa.select(Resource).where(Resource.uid.in_(uids)))})
    assert local == city_side
    _in(school_node.app, lambda: _assert_stored_checksums(sorted(uids)))
    # online again: the receipts travel, no file is fetched
    result = _in(school_node.app, node.sync)
    assert result.downloaded_bytes == 0 and not [p for p, _ in tap.requests]
    states = _in(city.app, lambda: set(db.session.scalars(sa.select(Delivery.state).where(Delivery.push_id == push_id))))
    assert states == {DeliveryState.RECEIVED}
