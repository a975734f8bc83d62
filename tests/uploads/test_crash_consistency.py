"""``kill -9`` of a real gunicorn worker in the middle of a write, then `flask check` / `--repair`.

A gunicorn master with one sync worker serves the app on loopback, on the same database and data
directory as the test's own app (``separate_app``: SQLite file, or a schema of the PostgreSQL test
server). The worker is killed with SIGKILL — no cleanup code runs — while:

* a 24 MiB resource upload is being streamed slowly (its partial ``objects/.tmp/*.part`` exists);
* a report autosave is half sent, after an earlier autosave was accepted.

The master starts a new worker; `check` must list the leftover, `check --repair` (age 0) remove it,
leaving 0 orphans and 0 temporaries, and the report must hold exactly the last accepted save.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from eduplatform.accounts.models import Role
from eduplatform.accounts.services import create_user
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgType, Stage
from eduplatform.orgs.services import create_org_unit
from eduplatform.reporting.services import submissions as submission_services
from eduplatform.reporting.services import tasks as task_services
from eduplatform.reporting.services import templates as template_services
from tests.fixtures.storage import free_port
from tests.reporting.conftest import GOOD_VALUES, SAMPLE_DEFINITION

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PASSWORD = "Crash#Pass2026"
MiB = 1024 * 1024
BOUNDARY = "----crashboundary7f3a"

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed")


def _setup(app) -> dict:
    with app.app_context():
        city = create_org_unit(None, code="C1", name="示范市教育局", type=OrgType.CITY_BUREAU, parent=None)
        district = create_org_unit(None, code="D1", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        school = create_org_unit(None, code="S1", name="东湖区实验小学", type=OrgType.SCHOOL, parent=district,
                                 stages=[Stage.PRIMARY])
        staff, _ = create_user(None, username="citystaff", display_name="市局", roles={Role.BUREAU_STAFF},
                               org=city, password=PASSWORD, must_change_password=False)
        create_user(None, username="teacher", display_name="教师", roles={Role.TEACHER}, org=school,
                                 password=PASSWORD, must_change_password=False)
        create_user(None, username="schooladmin", display_name="校管", roles={Role.SCHOOL_ADMIN},
                               org=school, password=PASSWORD, must_change_password=False)
        template = template_services.create_template(staff, owner_org=city, code="CRASH", name="学校基本情况统计表",
                                                     definition=copy.deepcopy(SAMPLE_DEFINITION))
        template_services.publish_draft(staff, template)
        task = task_services.issue_task(staff, issuer=city, version=template.latest_published, title="崩溃测试",
                                        period="2026", due_at=utcnow() + timedelta(days=7),
                                        lock_at=utcnow() + timedelta(days=10), instructions="",
                                        targets={"subtrees": [city.code]})
        submission = submission_services.submission_for(task, school)
        db.session.commit()
        return {"task": task.id, "submission": submission.id}


class Server:
    """gunicorn, one sync worker; the master respawns a killed worker."""

    def __init__(self, app, data_dir: Path):
        self.port = free_port()
        env = {**os.environ, "EDU_ENV": "development", "SECRET_KEY": "crash-test", "EDU_DATA_DIR": str(data_dir),
               "EDU_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "EDU_STORAGE": "file",
               "EDU_STORAGE_DIR": str(app.config["STORAGE_DIR"]), "EDU_SEARCH_DIR": str(app.config["SEARCH_INDEX_DIR"])}
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", "1", "-k", "sync", "-t", "60", "--preload", "-b", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "eduplatform:create_app()"], cwd=ROOT, env=env)
        self.wait_ready()

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status in (200, 503):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill_worker(self) -> int:
        pid = self.worker_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the master notices and starts a new worker
            try:
                if self.worker_pid() != pid:
                    break
            except (AssertionError, FileNotFoundError):
                pass
            time.sleep(0.05)
        self.wait_ready()
        return pid

    def request(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def token(self, username: str) -> str:
        status, body = self.request("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
        assert status == 201, body
        return body["token"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _partial_body(conn: http.client.HTTPConnection, method: str, path: str, token: str, content_type: str,
                  length: int) -> None:
    conn.putrequest(method, path)
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", content_type)
    conn.putheader("Content-Length", str(length))
    conn.endheaders()


def _check(app, *args: str):
    return app.test_cli_runner().invoke(args=["check", *args])


def test_kill_9_during_a_streamed_upload_and_a_report_save(separate_app, tmp_path):
    app = separate_app
    ids = _setup(app)
    server = Server(app, tmp_path)
    tmp_dir = Path(app.config["STORAGE_DIR"]) / ".tmp"
    try:
        # -- a slow 24 MiB upload, killed half-way ---------------------------------------------------
        teacher = server.token("teacher")
        fields = {"type": "courseware", "title": "大文件", "description": "九年级数学课件", "stage": "初中",
                  "subject": "数学", "grade": "九年级", "keywords": "二次函数"}
        head = "".join(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
                       for k, v in fields.items())
        head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pptx"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n")
        total = 24 * MiB
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        _partial_body(conn, "POST", "/api/v1/resources", teacher, f"multipart/form-data; boundary={BOUNDARY}",
                      len(head.encode()) + total + len(tail))
        conn.send(head.encode())
        block = b"PK\x03\x04" + os.urandom(MiB - 4)
        sent = 0
        while sent < 12 * MiB:
            conn.send(block)
            sent += MiB
            time.sleep(0.01)
        deadline = time.monotonic() + 10
        while not any(p.stat().st_size > 8 * MiB for p in tmp_dir.glob("*.part")):
            assert time.monotonic() < deadline, "the partial upload never reached storage"
            time.sleep(0.05)
        server.kill_worker()
        conn.close()
        parts = list(tmp_dir.glob("*.part"))
        assert len(parts) == 1 and parts[0].stat().st_size > 8 * MiB

        # -- a report autosave accepted, then the next one killed half-sent ------------------------------
        admin = server.token("schooladmin")
        path = f"/api/v1/report-tasks/{ids['task']}/submissions/{ids['submission']}"
        status, body = server.request("GET", path, token=admin)
        assert status == 200, body
        accepted = copy.deepcopy(GOOD_VALUES)
        status, body = server.request("PUT", f"{path}/draft", {"values": accepted, "version": body["version"]},
                                      token=admin)
        assert status == 200, body
        saved = body["submission"]
        changed = {**copy.deepcopy(GOOD_VALUES), "principal": "李校长", "teachers_total": 99}
        payload = json.dumps({"values": changed, "version": saved["version"]}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        _partial_body(conn, "PUT", f"{path}/draft", admin, "application/json", len(payload))
        conn.send(payload[: len(payload) // 2])
        time.sleep(0.2)
        server.kill_worker()
        conn.close()
        status, after = server.request("GET", path, token=admin)
        assert status == 200, after
        assert after["version"] == saved["version"] and after["data"] == saved["data"]
        assert after["data"]["principal"] == "王校长"
    finally:
        server.stop()

    with app.app_context():  # the database itself holds the last accepted save
        from eduplatform.reporting.models import Submission

        db.session.expire_all()
        assert db.session.get(Submission, ids["submission"]).data == saved["data"]
        db.session.remove()

    # -- check, repair, check ----------------------------------------------------------------------
    found = _check(app, "--older-than-hours", "0")
    assert found.exit_code == 1 and "过期的临时文件或未完成的分片上传" in found.output, found.output
    assert "孤立对象" not in found.output and "文件丢失" not in found.output
    repaired = _check(app, "--repair", "--older-than-hours", "0")
    assert "已清理：1" in repaired.output and "临时写入 .tmp/put-" in repaired.output, repaired.output
    clean = _check(app, "--deep", "--older-than-hours", "0")
    # The storage half of the report (the search index is not what this test is about).
    assert "未完成的临时写入 0 个" in clean.output and "存储对象 0 个" in clean.output, clean.output
    for section in ("孤立对象", "文件丢失", "大小与记录不符", "过期的临时文件", "进行中的上传"):
        assert section not in clean.output, clean.output
    assert list(tmp_dir.glob("*")) == []
