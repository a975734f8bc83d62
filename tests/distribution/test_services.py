"""Channels, revisions, pushes and their targets, delivery tracking, 催收, the feed and the node's
receipts, on one platform (the two-node tests are in test_two_nodes.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.errors import PermissionDenied, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.distribution import feed, services
from eduplatform.distribution.models import Delivery, Push, UsageReport
from eduplatform.distribution.node import TokenBucket, in_window
from eduplatform.schools.models import NetworkAccess, SchoolProfile, SchoolType
from tests.assertions import count
from tests.distribution.helpers import make_resource


@pytest.fixture
def channel(people):
    staff = people.city_staff
    channel = services.create_channel(staff, {"name": "七年级数学同步课件"})
    a = make_resource(people.teacher_a1, "有理数的加法")
    b = make_resource(people.teacher_a1, "一元一次方程")
    services.add_items(staff, channel, [a.id, b.id])
    db.session.flush()
    return channel, a, b


def _token(people, school):
    token, _plain = feed.issue_token(people.city_staff, school)
    return token


def test_every_change_is_a_new_revision(people, channel):
    channel, a, b = channel
    c = make_resource(people.teacher_a1, "整式的加减")
    assert channel.revision == 1 and {i.resource_id for i in channel.active_items} == {a.id, b.id}
    services.add_items(people.city_staff, channel, [c.id])
    services.retire_items(people.city_staff, channel, [a.id])
    assert channel.revision == 3
    assert {i.resource_id for i in channel.active_items} == {b.id, c.id}
    assert {i.resource_id for i in services.items_at(channel, 1)} == {a.id, b.id}
    assert {i.resource_id for i in services.items_at(channel, 2)} == {a.id, b.id, c.id}
    assert [r.changes for r in services.revisions(channel)] == [{"retired": [a.id]}, {"added": [c.id]},
                                                                  {"added": [a.id, b.id]}]
    kinds = list(db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.realm == "distribution")
                                    .order_by(AuditEntry.id)))
    assert kinds == ["channel.created", "channel.items_added", "channel.items_added", "channel.items_retired"]


def test_only_published_visible_resources_go_in(people, channel):
    channel, a, _ = channel
    from eduplatform.resources.models import ReviewState

    draft = make_resource(people.teacher_a1, "草稿资源")
    draft.state = ReviewState.DRAFT
    db.session.flush()
    with pytest.raises(ValidationFailed, match="未发布"):
        services.add_items(people.city_staff, channel, [draft.id])
    assert channel.revision == 1
    with pytest.raises(PermissionDenied):
        services.add_items(people.teacher_a1, channel, [a.id])
    with pytest.raises(PermissionDenied):
        services.create_channel(people.school_a1_admin, {"name": "学校不能建"})


def test_push_targets(people, tree, channel):
    channel, _, _ = channel
    staff = people.city_staff
    subtree = services.plan_push(staff, channel, {"target_org_id": tree.district_a.id})
    assert subtree.school_count == 2
    by_stage = services.plan_push(staff, channel, {"target_kind": "stage", "stage": "primary"})
    assert {d.school_id for d in db.session.scalars(sa.select(Delivery).where(Delivery.push_id == by_stage.id))} \
        == {tree.school_a1.id, tree.school_b1.id}
    db.session.add(SchoolProfile(org_id=tree.school_b2.id, school_type=SchoolType.SENIOR))
    db.session.add_all([NetworkAccess(school_id=tree.school_a1.id, access_type="fiber", bandwidth_mbps=100),
                        NetworkAccess(school_id=tree.school_a2.id, access_type="dsl", bandwidth_mbps=4)])
    db.session.flush()
    by_type = services.plan_push(staff, channel, {"target_kind": "school_type", "school_type": "senior"})
    assert by_type.school_count == 1
    poor = services.resolve_schools(tree.city, services.TargetKind.CONNECTIVITY, {"connectivity": "poor"})
    none = services.resolve_schools(tree.city, services.TargetKind.CONNECTIVITY, {"connectivity": "none"})
    assert poor == [tree.school_a2.id] and set(none) == {tree.school_b1.id, tree.school_b2.id}
    picked = services.plan_push(staff, channel, {"target_kind": "schools", "school_ids": [tree.school_b2.id],
                                                 "window_start": "22:00", "window_end": "06:00", "cap_kbps": 256})
    assert picked.school_count == 1 and picked.window_label == "22:00–06:00" and picked.cap_kbps == 256
    # 2 items per school, each in the feed
    assert count(Delivery, Delivery.push_id == subtree.id) == 4
    assert count(Delivery, Delivery.push_id == subtree.id, Delivery.seq.is_(None)) == 0


def test_push_refusals_write_nothing(people, tree, channel):
    channel, a, _ = channel
    own = services.create_channel(people.district_a_staff, {"name": "东湖区安全教育专题"})
    services.add_items(people.district_a_staff, own, [a.id])
    before = count(Push)
    with pytest.raises(PermissionDenied):  # the city's channel is not the district's to push
        services.plan_push(people.district_a_staff, channel, {})
    with pytest.raises(ValidationFailed, match="辖区"):
        services.plan_push(people.district_a_staff, own, {"target_org_id": tree.district_b.id})
    with pytest.raises(ValidationFailed, match="传输时段"):
        services.plan_push(people.city_staff, channel, {"window_start": "22:00", "window_end": "25:00"})
    with pytest.raises(ValidationFailed, match="辖区"):
        services.plan_push(people.district_a_staff, own, {"target_kind": "schools",
                                                              "school_ids": [tree.school_b1.id]})
    with pytest.raises(ValidationFailed, match="没有符合条件"):
        services.plan_push(people.city_staff, channel, {"target_kind": "school_type", "school_type": "special"})
    assert count(Push) == before


def test_start_date_keeps_a_push_out_of_the_feed_until_it_comes(people, tree, channel):
    channel, _, _ = channel
    later = services.plan_push(people.city_staff, channel, {"target_kind": "schools", "school_ids": [tree.school_a1.id],
                                                            "starts_on": date.today() + timedelta(days=3)})
    token = _token(people, tree.school_a1)
    assert feed.feed(token, 0)["changes"] == []
    later.starts_on = date.today()
    db.session.flush()
    page = feed.feed(token, 0)
    assert [c["action"] for c in page["changes"]] == ["added", "added"] and later.activated
    assert page["changes"][0]["size"] > 0 and len(page["changes"][0]["sha256"]) == 64


def test_feed_pages_follow_the_cursor_and_retire_comes_after(people, tree, channel):
    channel, a, _b = channel
    services.plan_push(people.city_staff, channel, {"target_kind": "schools", "school_ids": [tree.school_a1.id],
                                                    "follows": True})
    token = _token(people, tree.school_a1)
    first = feed.feed(token, 0, limit=1)
    assert len(first["changes"]) == 1 and first["more"]
    second = feed.feed(token, first["cursor"], limit=1)
    assert second["changes"][0]["uid"] != first["changes"][0]["uid"] and not second["more"]
    done = second["cursor"]
    assert feed.feed(token, done)["changes"] == []
    services.retire_items(people.city_staff, channel, [a.id])
    c = make_resource(people.teacher_a1, "整式的加减")
    services.add_items(people.city_staff, channel, [c.id])
    later = feed.feed(token, done)["changes"]
    assert [(x["action"], x["title"]) for x in later] == [("retired", "有理数的加法"), ("added", "整式的加减")]
    # another school's token reads only its own feed
    other = _token(people, tree.school_b1)
    assert feed.feed(other, 0)["changes"] == []


def test_receipts_tracking_coverage_and_chase(people, tree, channel, client):
    channel, a, _b = channel
    push = services.plan_push(people.city_staff, channel, {})
    token = _token(people, tree.school_a1)
    changes = feed.feed(token, 0)["changes"]
    # a receipt with the wrong checksum does not count; the right one does
    feed.receive_report(token, {"receipts": [{"delivery_id": changes[0]["delivery_id"], "state": "received",
                                              "sha256": "0" * 64}]})
    assert services.state_counts(push)["received"] == 0
    answer = feed.receive_report(token, {
        "receipts": [{"delivery_id": c["delivery_id"], "state": "received", "sha256": c["sha256"]}
                     for c in changes],
        "usage": [{"uid": a.uid, "day": "2026-12-01", "views": 5, "downloads": 2}]})
    assert answer == {"receipts": 2, "usage": 1}
    # the same day's totals again change nothing (idempotent)
    feed.receive_report(token, {"usage": [{"uid": a.uid, "day": "2026-12-01", "views": 5, "downloads": 2}]})
    usage = db.session.scalar(sa.select(UsageReport))
    assert (usage.school_id, usage.resource_id, usage.views, usage.downloads) == (tree.school_a1.id, a.id, 5, 2)
    # another school cannot acknowledge school A1's deliveries
    other = _token(people, tree.school_b1)
    b1 = db.session.scalar(sa.select(Delivery).where(Delivery.push_id == push.id,
                                                     Delivery.school_id == tree.school_b1.id))
    assert feed.receive_report(token, {"receipts": [{"delivery_id": b1.id, "state": "failed", "reason": "x"}]}) \
        == {"receipts": 0, "usage": 0}
    feed.receive_report(other, {"receipts": [{"delivery_id": b1.id, "state": "failed", "reason": "磁盘已满"}]})
    assert db.session.get(Delivery, b1.id).reason == "磁盘已满"
    counts = services.state_counts(push)
    assert counts["received"] == 2 and counts["failed"] == 1 and counts["pending"] == 5
    coverage = {c["district"]: (c["schools"], c["received"]) for c in services.coverage(people.city_staff, push)}
    assert coverage == {"东湖区教育局": (2, 1), "西山区教育局": (2, 0)}
    # a district sees only its own schools
    assert [r["school_id"] for r in services.school_rows(people.district_a_staff, push)] \
        == sorted([tree.school_a1.id, tree.school_a2.id], key=lambda i: db.session.get(type(tree.city), i).code)
    # 催收 reaches the administrators of the schools not yet complete (school B1 has one)
    told = services.chase(people.city_staff, push)
    assert told == 3
    notices = list(db.session.scalars(sa.select(Notice).where(Notice.realm == "distribution")))
    assert [n.user_id for n in notices] == [people.school_b1_admin.id]
    assert "七年级数学同步课件" in notices[0].title


def test_node_tokens_are_stored_hashed_and_revoked_on_reissue(people, tree, app):
    token, plain = feed.issue_token(people.city_staff, tree.school_a1)
    assert plain not in token.token_hash and len(token.token_hash) == 64
    again, plain2 = feed.issue_token(people.city_staff, tree.school_a1)
    db.session.refresh(token)
    assert token.revoked_at is not None and again.revoked_at is None
    with pytest.raises(PermissionDenied):
        feed.issue_token(people.district_b_staff, tree.school_a1)
    with app.test_request_context(headers={feed.HEADER: plain}), pytest.raises(feed.NodeUnauthorized):
        feed.node_from_request()
    with app.test_request_context(headers={feed.HEADER: plain2}):
        assert feed.node_from_request().id == again.id


def test_window_wraps_midnight():
    window = ["22:00", "06:00"]
    assert in_window(datetime(2026, 12, 4, 23, 30), window) and in_window(datetime(2026, 12, 5, 5, 59), window)
    assert not in_window(datetime(2026, 12, 4, 12, 0), window)
    assert in_window(datetime(2026, 12, 4, 12, 0), ["08:00", "18:00"]) and in_window(datetime(2026, 1, 1), None)


def test_token_bucket_holds_the_cap_on_a_controlled_clock():
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    bucket = TokenBucket(10 * 1024, clock=lambda: now[0], sleep=sleep)
    for _ in range(100):
        bucket.take(1024)  # 100 KiB at 10 KiB/s
    assert 9.5 <= now[0] <= 10.5  # the first quarter second is the burst


def test_api_and_pages(people, tree, channel, client, api, auth):
    channel, _a, _b = channel
    headers = api(people.city_staff)
    created = client.post(f"/api/v1/distribution/channels/{channel.id}/pushes", headers=headers,
                          json={"target_org_id": tree.district_a.id, "window_start": "22:00", "window_end": "06:00"})
    assert created.status_code == 201, created.get_json()
    push_id = created.get_json()["id"]
    assert created.get_json()["states"]["pending"] == 4
    bad = client.post(f"/api/v1/distribution/channels/{channel.id}/pushes", headers=headers,
                      json={"target_kind": "stage", "stage": "none"})
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "请选择学段"
    outsider = api(people.district_b_staff)
    assert client.get(f"/api/v1/distribution/pushes/{push_id}", headers=outsider).status_code == 404
    teacher = api(people.teacher_a1)
    assert client.get("/api/v1/distribution/channels", headers=teacher).status_code == 403
    auth.login(people.city_staff)
    page = client.get(f"/distribution/pushes/{push_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "东湖区教育局" in text and "尚未接收完的学校（2）" in text
    assert "22:00–06:00" in text
    listing = client.get("/distribution").get_data(as_text=True)
    assert "七年级数学同步课件" in listing
    assert client.get(f"/distribution/channels/{channel.id}?q=方程").status_code == 200
    # the offline package of a school: refused without a node token (its signature key), then a signed ZIP
    refused = client.post(f"/distribution/pushes/{push_id}/package", data={"school_id": tree.school_a1.id})
    assert refused.status_code == 302 and count(AuditEntry, AuditEntry.kind == "push.package_exported") == 0
    feed.issue_token(people.city_staff, tree.school_a1)
    db.session.commit()
    package = client.post(f"/distribution/pushes/{push_id}/package", data={"school_id": tree.school_a1.id})
    assert package.status_code == 200 and package.mimetype == "application/zip"
    import io
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert {"manifest.sig", *(f"files/{i.sha256}" for i in channel.active_items)} <= set(archive.namelist())
    assert manifest["format"] == "eduplatform.distribution-package" and len(manifest["deliveries"]) == 2
    assert people.school_a1_admin.has_role(Role.SCHOOL_ADMIN)


def test_a_hostile_report_changes_nothing(people, tree, channel):
    channel, a, _ = channel
    push = services.plan_push(people.city_staff, channel, {})
    token = _token(people, tree.school_a1)
    delivery = feed.feed(token, 0)["changes"][0]["delivery_id"]
    with pytest.raises(ValidationFailed, match="回执格式有误"):
        feed.receive_report(token, ["not", "an", "object"])
    answer = feed.receive_report(token, {
        "receipts": [{"delivery_id": "x"}, {"delivery_id": delivery, "state": ["received"]},
                     {"delivery_id": delivery, "state": "transferring", "bytes": "lots"}, "junk"],
        "usage": [{"uid": ["a"], "day": "2026-12-01"}, {"uid": a.uid, "day": "not a day", "views": 3}]})
    assert answer == {"receipts": 1, "usage": 0}
    assert db.session.get(Delivery, delivery).bytes_done == 0 and count(UsageReport) == 0
    assert services.state_counts(push)["transferring"] == 1


def test_a_node_token_reaches_only_its_own_schools_deliveries_and_files(people, tree, channel, client):
    """The node endpoints name deliveries by id: another school's token gets 404 for entry and file."""
    channel, _a, _b = channel
    services.plan_push(people.city_staff, channel, {})
    own_token, own_plain = feed.issue_token(people.city_staff, tree.school_a1)
    _other, other_plain = feed.issue_token(people.city_staff, tree.school_b1)
    delivery_id = feed.feed(own_token, 0)["changes"][0]["delivery_id"]
    db.session.commit()
    for path in (f"/api/v1/distribution/node/files/{delivery_id}",
                 f"/api/v1/distribution/node/deliveries/{delivery_id}"):
        assert client.get(path, headers={"X-Node-Token": own_plain}).status_code == 200
        refused = client.get(path, headers={"X-Node-Token": other_plain})
        assert refused.status_code == 404 and refused.get_json()["error"]["code"]
    assert client.get(f"/api/v1/distribution/node/files/{delivery_id}").status_code == 401
