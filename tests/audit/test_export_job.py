"""The audit CSV as a background job: requested from the log page, written by a worker with
progress, offered on the starter's 我的任务 — and downloadable by the starter only."""

from __future__ import annotations

import csv
import io

from eduplatform.audit.exports import JOB
from eduplatform.audit.services import record
from eduplatform.core.extensions import db
from eduplatform.core.jobs import Job, JobState, run_queued


def test_the_export_job_makes_a_file_only_its_starter_downloads(app, people, client, auth, create_user, monkeypatch):
    from eduplatform.accounts.models import Role
    from eduplatform.audit import exports

    monkeypatch.setattr(exports, "PROGRESS_ROWS", 2)  # report progress after every 2 rows
    reports = []
    real_progress = exports.report_progress
    monkeypatch.setattr(exports, "report_progress",
                        lambda ctx, rows, total: reports.append((rows, total)) or real_progress(ctx, rows, total))
    for n in range(5):
        record("security", "login.failed", f"登录失败 {n}", actor=people.teacher_a1)
    record("accounts", "user.created", "新建用户（不在筛选内）", actor=people.sysadmin)
    other_auditor = create_user("aud2", roles=[Role.AUDITOR], org=people.auditor.org)
    db.session.commit()

    auth.login(people.auditor)
    answer = client.post("/audit/export-job?realm=security&kind=login.failed")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/jobs")
    job = db.session.scalar(db.select(Job).where(Job.kind == JOB))
    assert job.state == JobState.QUEUED and job.started_by_id == people.auditor.id
    assert job.args == {"filters": {"realm": "security", "kind": "login.failed"}}
    waiting = client.get("/jobs").get_data(as_text=True)
    assert "导出审计日志（CSV）" in waiting and "排队中" in waiting and 'http-equiv="refresh"' in waiting
    client.post("/audit/export-job?since=not-a-date")  # refused now (bad filters), not queued as a job
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1

    assert run_queued() == {"done": 1}
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.result == {"entries": 5} and job.message == "共导出 5 条审计记录"
    assert reports and all(total == 5 for _, total in reports)
    page = client.get("/jobs").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/file"' in page and "已完成" in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert ".csv" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0][0] == "编号" and len(rows) == 6
    assert {r[5] for r in rows[1:]} == {f"登录失败 {n}" for n in range(5)}
    auth.logout()

    for stranger in (other_auditor, people.sysadmin, people.teacher_a1):
        auth.login(stranger)
        assert client.get(f"/jobs/{job.id}/file").status_code == 404, stranger.username
        assert f"/jobs/{job.id}/file" not in client.get("/jobs").get_data(as_text=True)
        auth.logout()
    assert client.get(f"/jobs/{job.id}/file").status_code in (302, 401)  # not signed in


def test_only_the_audit_administrator_may_start_the_export(people, client, auth):
    auth.login(people.sysadmin)
    assert client.post("/audit/export-job").status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


def test_an_export_whose_starter_lost_the_role_before_it_ran_fails(people, client, auth):
    from eduplatform.accounts.models import UserRole

    auth.login(people.auditor)
    client.post("/audit/export-job")
    db.session.execute(db.delete(UserRole).where(UserRole.user_id == people.auditor.id))
    db.session.commit()
    db.session.expire_all()
    assert run_queued(ignore_delay=True) == {"failed": 1}  # refused: not retried
    job = db.session.scalar(db.select(Job).where(Job.kind == JOB))
    assert job.state == JobState.FAILED and job.attempts == 1 and job.result_file_id is None
    assert job.message == "提交导出的用户已无审计日志权限"
