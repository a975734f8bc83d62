"""校校通 distribution: planning a push, the revision feed, and sync throughput against a raw download.

    python bench/bench_distribution.py [--schools 2000] [--items 50] [--changes 10000]
                                       [--files 6] [--file-mb 8]

SQLite (WAL) in a temporary directory, migrated, two apps (city, school node) each with its own
database and data dir, served by werkzeug on loopback threads.

1. Planning: a city with 20 districts of ``schools/20`` schools; a channel of ``--items`` published
   resources whose declared sizes add up to 2 GB (planning reads no file content: the stored files are
   small); ``plan_push`` to the whole city, timed (deliveries written in bulk).
2. Feed: one school gets ``--changes`` deliveries (pushes of the channel picked to it); the node's
   walk through them over HTTP (pages of 1,000) is timed, and one page.
3. Sync throughput: ``--files`` files of ``--file-mb`` MB pushed to a school; ``flask distribution
   sync``'s work (``node.sync``: feed, Range download, SHA-256, store, index) against a raw HTTP
   download of the same files from the same server by ``requests`` streaming to disk (and by curl,
   when installed). Printed as ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from eduplatform import create_app
from eduplatform.core.extensions import db


def _app(tmp: Path, name: str, **extra):
    data = tmp / name
    data.mkdir()
    app = create_app({"ENV_NAME": "testing", "TESTING": False, "SECRET_KEY": f"bench-{name}", "DATA_DIR": str(data),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'bench.db'}", "WTF_CSRF_ENABLED": False, **extra})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    return app


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _resource(owner, title: str, content: bytes):
    from eduplatform.resources.models import Visibility
    from eduplatform.resources.packages import create_from_entry, validate_entry

    entry = {"uid": hashlib.sha256(title.encode()).hexdigest()[:32], "type": "literature",
             "metadata": {"title": title, "description": title, "stage": "初中", "subject": "数学"},
             "file": {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content), "format": "txt",
                      "filename": f"{title}.txt", "content_type": "text/plain"}}
    validate_entry(entry, "bench")
    return create_from_entry(owner, entry, io.BytesIO(content), visibility=Visibility.PLATFORM, note="bench")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--changes", type=int, default=10000)
    parser.add_argument("--files", type=int, default=6)
    parser.add_argument("--file-mb", type=int, default=8)
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-distribution-"))
    from eduplatform.accounts.models import Role, User, UserRole
    from eduplatform.distribution import feed, node, services
    from eduplatform.distribution.models import ChannelItem
    from eduplatform.orgs.models import OrgType, OrgUnit, Stage

    city = _app(tmp, "city")
    try:
        with city.app_context():
            def org(code, name, type_, parent=None, stages=()):
                unit = OrgUnit(code=code, name=name, type=type_, parent=parent, stages=list(stages))
                db.session.add(unit)
                db.session.flush()
                unit.path = f"{parent.path if parent else '/'}{unit.id}/"
                return unit

            bureau = org("3300000000", "基准市教育局", OrgType.CITY_BUREAU)
            per = max(1, options.schools // 20)
            schools = []
            for d in range(20):
                district = org(f"33{d + 1:02d}000000", f"第{d + 1}区教育局", OrgType.DISTRICT_BUREAU, bureau)
                for s in range(per):
                    schools.append(org(f"33{d + 1:02d}{s + 1:06d}", f"第{d + 1}区第{s + 1}学校", OrgType.SCHOOL,
                                       district, [Stage.JUNIOR.value]))
            staff = User(username="staff", display_name="基准", org=bureau, password_hash="x",
                         role_rows=[UserRole(role=Role.BUREAU_STAFF)])
            teacher = User(username="teacher", display_name="教师", org=schools[0], password_hash="x",
                           role_rows=[UserRole(role=Role.TEACHER)])
            db.session.add_all([staff, teacher])
            db.session.flush()
            resources = [_resource(teacher, f"基准资源{i}", f"基准资源{i}内容".encode() * 20) for i in range(options.items)]
            channel = services.create_channel(staff, {"name": "基准频道"})
            services.add_items(staff, channel, [r.id for r in resources])
            declared = 2 * 1024**3 // options.items
            db.session.execute(sa.update(ChannelItem).values(size=declared))
            db.session.commit()

            # 1. planning
            started = time.perf_counter()
            push = services.plan_push(staff, channel, {})
            db.session.commit()
            planning = time.perf_counter() - started
            print(f"planning: push of a {options.items}-item channel (declared {declared * options.items / 1024**3:.1f} GB) "
                  f"to {push.school_count} schools = {push.school_count * options.items} deliveries: "
                  f"{planning:.2f} s (target ≤ 5 s)")

            # 2. feed
            school_ids = [s.id for s in schools]
            target = schools[1]
            rounds = max(1, options.changes // options.items)
            for _ in range(rounds):
                services.plan_push(staff, channel, {"target_kind": "schools", "school_ids": [target.id]})
            db.session.commit()
            _token, plain = feed.issue_token(staff, target)
            db.session.commit()
            db.session.remove()
        server, base = _serve(city)
        session = requests.Session()
        session.headers[feed.HEADER] = plain
        walks, pages = [], []
        for _ in range(3):
            cursor, seen, started = 0, 0, time.perf_counter()
            while True:
                t0 = time.perf_counter()
                page = session.get(f"{base}/api/v1/distribution/node/feed", params={"cursor": cursor, "limit": 1000},
                                   timeout=60).json()
                pages.append(time.perf_counter() - t0)
                seen += len(page["changes"])
                cursor = page["cursor"]
                if not page["more"]:
                    break
            walks.append(time.perf_counter() - started)
        print(f"feed: {seen} changes read over HTTP in pages of 1,000: {statistics.median(walks) * 1000:.0f} ms "
              f"for all (median of 3), {statistics.median(pages) * 1000:.0f} ms per page (target ≤ 200 ms)")

        # 3. sync throughput
        with city.app_context():
            staff = db.session.scalar(sa.select(User).where(User.username == "staff"))
            teacher = db.session.scalar(sa.select(User).where(User.username == "teacher"))
            size = options.file_mb * 1024 * 1024
            big = [_resource(teacher, f"大文件{i}", os.urandom(size // 2).hex().encode()[:size])
                   for i in range(options.files)]
            big_channel = services.create_channel(staff, {"name": "吞吐频道"})
            services.add_items(staff, big_channel, [r.id for r in big])
            # a school of its own: the city-wide push of part 1 is not in its feed
            district = db.session.get(OrgUnit, school_ids[0]).parent
            school = OrgUnit(code="3399999999", name="吞吐测试学校", type=OrgType.SCHOOL, parent=district,
                             stages=[Stage.JUNIOR.value])
            db.session.add(school)
            db.session.flush()
            school.path = f"{district.path}{school.id}/"
            push = services.plan_push(staff, big_channel, {"target_kind": "schools", "school_ids": [school.id]})
            _, node_token = feed.issue_token(staff, school)
            delivery_ids = [d.id for d in db.session.scalars(sa.select(services.Delivery).where(
                services.Delivery.push_id == push.id))]
            db.session.commit()
            db.session.remove()
        total = size * options.files
        raw_dir = tmp / "raw"
        raw_dir.mkdir()
        raw = requests.Session()
        raw.headers[feed.HEADER] = node_token
        started = time.perf_counter()
        for delivery in delivery_ids:
            with raw.get(f"{base}/api/v1/distribution/node/files/{delivery}", stream=True, timeout=60) as response, \
                    (raw_dir / f"{delivery}").open("wb") as out:
                for block in response.iter_content(64 * 1024):
                    out.write(block)
        raw_time = time.perf_counter() - started
        curl_time = None
        if shutil.which("curl"):
            started = time.perf_counter()
            for delivery in delivery_ids:
                subprocess.run(["curl", "-s", "-o", str(raw_dir / f"c{delivery}"), "-H", f"{feed.HEADER}: {node_token}",
                                f"{base}/api/v1/distribution/node/files/{delivery}"], check=True)
            curl_time = time.perf_counter() - started
        # The node as in production: text extraction and thumbnails by the worker (RESOURCES_PROCESSING=worker).
        school_app = _app(tmp, "school", EDU_NODE="school", EDU_NODE_CITY_URL=base, EDU_NODE_TOKEN=node_token,
                          RESOURCES_PROCESSING="worker")
        spent = {"download": 0.0, "install": 0.0}

        def timed(name, fn):
            def call(*args, **kwargs):
                t0 = time.perf_counter()
                try:
                    return fn(*args, **kwargs)
                finally:
                    spent[name] += time.perf_counter() - t0
            return call
        node.download, node.install = timed("download", node.download), timed("install", node.install)
        with school_app.app_context():
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats
                profiler = cProfile.Profile()
                result = profiler.runcall(node.sync)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            else:
                result = node.sync()
            sync_time = time.perf_counter() - started
            db.session.remove()
        assert len(result.fetched) == options.files, result
        mb = total / 1024**2
        print(f"  (of the sync: Range download + SHA-256 {spent['download']:.2f} s, "
              f"store + resource rows {spent['install']:.2f} s)")
        print(f"sync: {options.files} × {options.file_mb} MB = {mb:.0f} MB")
        print(f"  raw download (requests streaming to disk): {raw_time:.2f} s = {mb / raw_time:.0f} MB/s")
        if curl_time:
            print(f"  raw download (curl):                       {curl_time:.2f} s = {mb / curl_time:.0f} MB/s")
        print(f"  node.sync (feed, Range download, SHA-256, store, index): {sync_time:.2f} s = {mb / sync_time:.0f} MB/s")
        print(f"  ratio sync / raw requests: {raw_time / sync_time:.0%}" +
              (f"; sync / curl: {curl_time / sync_time:.0%}" if curl_time else "") + " (target ≥ 80 %)")
        print(f"  ratio of the transfer alone (Range download + SHA-256 + fsync) / raw requests: "
              f"{raw_time / spent['download']:.0%}")
        server.shutdown()
        carousel_figures(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def carousel_figures(tmp: Path, size: int = 2 * 1024 * 1024, trials: int = 10) -> None:
    """4. Carousel at 20 % random chunk loss: rounds sent until every segment is rebuilt, as overhead
    over the file's own size, for two codes (k of m = 256 shares of 1 KiB)."""
    import random

    from eduplatform.distribution import carousel

    path = tmp / "carousel.bin"
    path.write_bytes(os.urandom(size))
    file_id = carousel.file_id_of(path)
    for k in (197, 180):
        chunks = list(carousel.emit(path, k=k, m=256))
        overheads, one_round = [], 0
        for trial in range(trials):
            rng, receiver, sent, rounds = random.Random(trial), carousel.Receiver(), 0, 0
            while not receiver.done(file_id):
                rounds += 1
                for chunk in chunks:
                    sent += 1
                    if rng.random() >= 0.2:
                        receiver.take(chunk)
            one_round += rounds == 1
            receiver.rebuild(file_id, tmp / "carousel.out")
            overheads.append(sent * 1024 / size - 1)
        print(f"carousel k={k}, m=256 (code overhead {256 / k - 1:.0%}), 20 % loss, {size // 1024**2} MB, "
              f"{trials} trials: rebuilt in one round {one_round}/{trials}; overhead sent until rebuilt "
              f"median {statistics.median(overheads):.0%}, max {max(overheads):.0%} (target ≤ 30 %)")


if __name__ == "__main__":
    main()
