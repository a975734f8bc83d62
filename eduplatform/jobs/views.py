"""我的任务 and the administrator's job page."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from eduplatform.core.extensions import db
from eduplatform.core.jobs import STATE_LABELS, Job, JobState
from eduplatform.core.permissions import require
from eduplatform.jobs import bp, services
from eduplatform.jobs.permissions import can_download_result, can_manage_jobs


@bp.get("/jobs")
@login_required
def my_jobs():
    page = db.paginate(services.my_jobs_query(current_user), per_page=30, error_out=False)
    busy = any(not job.finished for job in page.items)
    return render_template("jobs/mine.html", page=page, busy=busy, states=JobState)


@bp.get("/jobs/<int:job_id>/status")
@login_required
def job_status(job_id: int):
    """Progress of one of the user's jobs (the page refreshes from this)."""
    job = _own_job(job_id)
    return jsonify({"id": job.id, "state": job.state.value, "state_label": job.state.label,
                    "progress": job.progress, "message": job.message,
                    "file": url_for("jobs.job_file", job_id=job.id) if job.result_file_id and
                    job.state == JobState.DONE else None})


@bp.get("/jobs/<int:job_id>/file")
@login_required
def job_file(job_id: int):
    """The job's file, for the user who started it only."""
    job = _own_job(job_id)
    if job.state != JobState.DONE or job.result_file is None:
        abort(404)
    return job.result_file.send()


def _own_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or not can_download_result(current_user, job):
        abort(404)  # another person's job is not even said to exist
    return job


@bp.get("/admin/jobs")
@login_required
def admin():
    require(can_manage_jobs(current_user), action="jobs.admin")
    state = request.args.get("state") or None
    if state not in (None, *[s.value for s in JobState]):
        state = None
    page = db.paginate(services.all_jobs_query(state=state), per_page=50, error_out=False)
    return render_template("jobs/admin.html", page=page, overview=services.overview(), state=state,
                           broker=services.broker_queues(),
                           states=STATE_LABELS, names=_names(page.items))


@bp.post("/admin/jobs/<int:job_id>/retry")
@login_required
def admin_retry(job_id: int):
    require(can_manage_jobs(current_user), action="jobs.retry")
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    services.retry_job(current_user, job)
    db.session.commit()
    flash(f"任务 {job.id} 已重新排队", "success")
    return redirect(url_for("jobs.admin", state=request.args.get("state") or None))


def _names(items) -> dict[int, str]:
    import sqlalchemy as sa

    from eduplatform.accounts.models import User

    ids = {j.started_by_id for j in items if j.started_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())
