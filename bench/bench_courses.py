"""Progress beats under load: 500 concurrent learners each sending a beat every 30 s to a real server.

    python bench/bench_courses.py [--learners 500] [--interval 30] [--duration 180]
                                  [--server gunicorn|werkzeug] [--workers 2] [--threads 32]

The default embedded setup: SQLite (WAL) + file-system storage under a temporary directory, migrated
and filled with one school, one published course with a one-hour video lesson, N students with API
tokens, each enrolled and with the lesson opened. The app is served by a real server in another
process — gunicorn (gthread workers) or werkzeug's threaded server — on 127.0.0.1.

Each learner is a thread with its own keep-alive connection; it starts at a random moment of the first
interval and then posts a beat every ``interval`` seconds (position advancing by the interval, the
range just watched), like the player does. Reported: beats sent, beats answered 200, latency p50 /
p95 / p99 / max (client side, per beat), and — read from the database afterwards — the beats the server
recorded (``beat_count`` summed over the learners' progress rows): "lost" = answered 200 but not
recorded, or not answered 200 at all. Target: p95 ≤ 100 ms and no lost beat.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import flask_migrate
import sqlalchemy as sa

from eduplatform import create_app
from eduplatform.core.extensions import db


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def prepare(data_dir: Path, learners: int) -> tuple[int, list[str]]:
    """Migrate a fresh database and create the school, course, students, tokens and enrolments."""
    from werkzeug.security import generate_password_hash

    from eduplatform.accounts.authentication import hash_token
    from eduplatform.accounts.models import ApiToken, Role, User, UserRole
    from eduplatform.core.db import utcnow
    from eduplatform.courses import catalogue, structure
    from eduplatform.courses.models import (
        CourseAudience,
        Enrolment,
        EnrolmentMode,
        EnrolmentSource,
        EnrolmentStatus,
        LessonKind,
        LessonProgress,
        ProgressStatus,
    )
    from eduplatform.orgs.models import OrgType, Stage
    from eduplatform.orgs.services import create_org_unit

    app = create_app({"ENV_NAME": "testing", "TESTING": False, "SECRET_KEY": "bench", "DATA_DIR": str(data_dir)})
    with app.app_context():
        flask_migrate.upgrade()
        city = create_org_unit(None, code="B000001", name="基准市教育局", type=OrgType.CITY_BUREAU, parent=None)
        school = create_org_unit(None, code="B000002", name="基准中学", type=OrgType.SCHOOL, parent=city,
                                 stages=[Stage.JUNIOR])
        password = generate_password_hash("Bench#2026x", method="pbkdf2:sha256:1000")
        teacher = User(username="bench_teacher", display_name="基准教师", password_hash=password, org_id=school.id,
                       must_change_password=False)
        db.session.add(teacher)
        db.session.flush()
        db.session.add(UserRole(user_id=teacher.id, role=Role.TEACHER))
        db.session.flush()
        course = catalogue.create_course(teacher, {
            "title": "基准课程", "audience": CourseAudience.STUDENTS, "enrolment_mode": EnrolmentMode.OPEN,
            "training_hours": 0})
        chapter = structure.add_chapter(teacher, course, "第一章")
        lesson = structure.add_lesson(teacher, chapter, {"title": "一小时的视频", "kind": LessonKind.TEXT,
                                                         "body": "<p>x</p>", "required": True})
        lesson.kind = LessonKind.VIDEO  # a one-hour video without storing one: only the length matters here
        lesson.duration_seconds = 3600.0
        catalogue.publish_course(teacher, course)
        now = utcnow()
        tokens = []
        for n in range(learners):
            user = User(username=f"bench{n:04d}", display_name=f"学生{n}", password_hash=password, org_id=school.id,
                        must_change_password=False)
            db.session.add(user)
            db.session.flush()
            db.session.add(UserRole(user_id=user.id, role=Role.STUDENT))
            token = secrets.token_urlsafe(32)
            tokens.append(token)
            db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), session_version=user.session_version,
                                    expires_at=now + timedelta(hours=12)))
            db.session.add(Enrolment(course_id=course.id, user_id=user.id, org_id=school.id,
                                     status=EnrolmentStatus.ACTIVE, source=EnrolmentSource.SELF, enrolled_at=now,
                                     progress_percent=0))
            db.session.add(LessonProgress(lesson_id=lesson.id, user_id=user.id, course_id=course.id,
                                          status=ProgressStatus.IN_PROGRESS, percent=0, watched=[],
                                          watched_seconds=0, position=0, beat_count=0, last_seq=0,
                                          first_opened_at=now))
        db.session.commit()
        lesson_id = lesson.id
        db.engine.dispose()
    return lesson_id, tokens


def start_server(kind: str, port: int, data_dir: Path, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, EDU_DATA_DIR=str(data_dir), EDU_ENV="development", SECRET_KEY="bench",
               PYTHONPATH=str(ROOT))
    if kind == "gunicorn":
        command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "--threads", str(threads),
                   "-k", "gthread", "-b", f"127.0.0.1:{port}", "--keep-alive", "75", "--log-level", "warning",
                   "eduplatform:create_app()"]
    else:
        command = [sys.executable, "-c", (
            "from werkzeug.serving import run_simple; from eduplatform import create_app; "
            f"run_simple('127.0.0.1', {port}, create_app(), threaded=True)")]
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {(data_dir / 'server.log').read_text()[-2000:]}")


class Learner(threading.Thread):
    def __init__(self, n, token, port, lesson_id, interval, stop_at, results, lock):
        super().__init__(daemon=True)
        self.n, self.token, self.port, self.lesson_id = n, token, port, lesson_id
        self.interval, self.stop_at, self.results, self.lock = interval, stop_at, results, lock

    def run(self):
        connection = None
        position = 0.0
        seq = 0
        next_at = time.monotonic() + random.uniform(0, self.interval)
        while True:
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if time.monotonic() >= self.stop_at:
                break
            seq += 1
            body = json.dumps({"position": position + self.interval, "seq": seq, "event": "beat",
                               "ranges": [[position, position + self.interval]]})
            started = time.perf_counter()
            status = 0
            for _attempt in range(2):  # a closed keep-alive connection is reopened once
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                    connection.request("POST", f"/api/v1/lessons/{self.lesson_id}/progress", body=body, headers={
                        "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    break
                except (OSError, http.client.HTTPException):
                    connection = None
                    status = -1
            elapsed = time.perf_counter() - started
            with self.lock:
                self.results.append((status, elapsed))
            position += self.interval
            next_at += self.interval


def count_recorded(data_dir: Path, lesson_id: int) -> int:
    app = create_app({"ENV_NAME": "testing", "TESTING": False, "SECRET_KEY": "bench", "DATA_DIR": str(data_dir)})
    with app.app_context():
        from eduplatform.courses.models import LessonProgress

        total = db.session.scalar(sa.select(sa.func.sum(LessonProgress.beat_count))
                                  .where(LessonProgress.lesson_id == lesson_id)) or 0
        db.engine.dispose()
        return int(total)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-courses-") as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        lesson_id, tokens = prepare(data_dir, args.learners)
        print(f"setup: {args.learners} learners enrolled in {time.perf_counter() - started:.1f} s "
              f"(SQLite + file storage in {data_dir})")
        server = start_server(args.server, port, data_dir, args.workers, args.threads)
        label = f"gunicorn gthread {args.workers}×{args.threads}" if args.server == "gunicorn" else "werkzeug threaded"
        print(f"server: {label} on 127.0.0.1:{port}")
        try:
            results, lock = [], threading.Lock()
            stop_at = time.monotonic() + args.duration
            learners = [Learner(n, token, port, lesson_id, args.interval, stop_at, results, lock)
                        for n, token in enumerate(tokens)]
            for learner in learners:
                learner.start()
            for learner in learners:
                learner.join(args.duration + 60)
        finally:
            server.terminate()  # gunicorn waits for keep-alive connections up to its graceful timeout
            try:
                server.wait(40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
        ok = [elapsed for status, elapsed in results if status == 200]
        failed = [status for status, _ in results if status != 200]
        recorded = count_recorded(data_dir, lesson_id)
        ms = [e * 1000 for e in ok]
        print(f"beats sent: {len(results)} in {args.duration:.0f} s ({len(results) / args.duration:.1f}/s), "
              f"answered 200: {len(ok)}, failed: {len(failed)} {sorted(set(failed)) if failed else ''}")
        print(f"latency per beat (ms): p50 {percentile(ms, 0.5):.1f}  p95 {percentile(ms, 0.95):.1f}  "
              f"p99 {percentile(ms, 0.99):.1f}  max {max(ms) if ms else float('nan'):.1f}")
        lost = len(results) - recorded
        print(f"recorded by the server: {recorded}; lost beats: {lost}")
        errors = [line for line in (data_dir / "server.log").read_text(errors="replace").splitlines()
                  if "Error" in line or "error" in line]
        if errors:
            print("server errors (last 5):", *errors[-5:], sep="\n  ")
        target = percentile(ms, 0.95) <= 100 and lost == 0 and not failed
        print("target (p95 ≤ 100 ms, no lost beat):", "MET" if target else "NOT MET")


if __name__ == "__main__":
    main()
