"""/api/v1/scorm: package import and the run-time's CMI data (what the JS adapter loads and commits)."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required
from marshmallow import Schema, fields

from eduplatform.core.api import load_body, load_form
from eduplatform.core.errors import ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.courses import access, permissions, scorm_runtime
from eduplatform.courses.api import bp
from eduplatform.courses.models import ScormPackage
from eduplatform.courses.retry import begin_write, retry_on_lock
from eduplatform.courses.schemas import CmiCommitSchema, ScormUploadSchema
from eduplatform.courses.scorm_import import import_package


class PackageOutSchema(Schema):
    id = fields.Integer()
    course_id = fields.Integer()
    version = fields.String()
    edition = fields.String()
    title = fields.String()
    identifier = fields.String()
    items = fields.List(fields.Dict())
    file_count = fields.Integer()
    total_size = fields.Integer()
    created_at = fields.DateTime()


class AttemptOutSchema(Schema):
    user = fields.Function(lambda a: {"id": a.user.id, "username": a.user.username, "name": a.user.display_name})
    item_identifier = fields.String()
    version = fields.String()
    lesson_status = fields.String()
    completion_status = fields.String()
    success_status = fields.String()
    score_raw = fields.Float()
    score_min = fields.Float()
    score_max = fields.Float()
    score_scaled = fields.Float()
    location = fields.String()
    suspend_data = fields.String()
    exit = fields.String()
    total_seconds = fields.Float()
    session_count = fields.Integer()
    updated_at = fields.DateTime()


@bp.post("/scorm/packages")
@login_required
def upload_package():
    """Import a SCORM 1.2 or 2004 zip into a course (multipart: `course_id`, `file`). A malformed package
    (no manifest, bad XML, launch file missing, path traversal, zip bomb) is refused whole (422).
    ---
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              allOf:
                - {$ref: '#/components/schemas/FileUpload'}
                - ScormUploadSchema
      responses:
        201:
          content:
            application/json:
              schema: PackageOutSchema
    """
    course = access.course_for(load_form(ScormUploadSchema())["course_id"], "manage")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请上传 SCORM 课件包（.zip）", fields={"file": ["请选择课件包"]})
    package = import_package(current_user, course, upload)
    db.session.commit()
    return PackageOutSchema().dump(package), 201


@bp.get("/scorm/packages/<int:package_id>")
@login_required
def get_package(package_id: int):
    """A package's manifest as parsed: version, organisation items with launch hrefs and settings.
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: PackageOutSchema
    """
    package = db.session.get(ScormPackage, package_id)
    if package is None:
        from eduplatform.core.errors import NotFound

        raise NotFound("课件包不存在")
    access.course_for(package.course_id, "manage")
    return PackageOutSchema().dump(package)


def _blank_attempt(package: ScormPackage):
    """The state before the first launch (not stored)."""
    return scorm_runtime.ScormAttempt(version=package.version, cmi={}, lesson_status="not attempted",
                                      completion_status="unknown", success_status="unknown", exit="",
                                      total_seconds=0, session_count=0)


@bp.get("/scorm/lessons/<int:lesson_id>/items/<identifier>/cmi")
@login_required
def scorm_cmi(lesson_id: int, identifier: str):
    """The run-time state of one SCO for the caller: every value GetValue returns at launch (stored data,
    entry = resume after a suspend, total time, learner id/name …). Teachers previewing get a browse state.
    ---
    get:
      responses:
        200:
          description: "{version, values, status}"
    """
    lesson, row = access.learning_or_preview(lesson_id)
    package = scorm_runtime.package_of(lesson)
    item = scorm_runtime.item_of(package, identifier)
    if row is None:  # a teacher's preview: nothing is recorded
        return {"version": package.version, "preview": True, "values": scorm_runtime.launch_state(
            _blank_attempt(package), item, current_user, credit=False)}
    attempt = scorm_runtime.find_attempt(lesson, current_user, identifier) or _blank_attempt(package)
    return {"version": package.version, "preview": False,
            "values": scorm_runtime.launch_state(attempt, item, current_user),
            "status": scorm_runtime.status_of(attempt)}


@bp.post("/scorm/lessons/<int:lesson_id>/items/<identifier>/cmi")
@login_required
def scorm_commit(lesson_id: int, identifier: str):
    """Commit the elements a SCO set (LMSCommit/Commit), `initialize` (LMSInitialize/Initialize) or
    `terminate` (LMSFinish/Terminate: the session time is added to the total). Every element is checked
    against the SCORM data model (422 with the element names when one is not valid).
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CmiCommitSchema
    """
    data = load_body(CmiCommitSchema())

    def work():
        begin_write()
        lesson, row = access.learning_or_preview(lesson_id)
        if row is None:
            return {"status": "preview", "preview": True}
        attempt = scorm_runtime.commit(current_user, lesson, row, identifier, data["values"],
                                       initialize=data["initialize"], terminate=data["terminate"])
        from eduplatform.courses.completion import find_progress

        progress = find_progress(lesson, current_user)
        db.session.commit()
        return {"status": scorm_runtime.status_of(attempt), "done": scorm_runtime.is_done(attempt),
                "lesson": {"status": progress.status.value if progress else "not_started",
                           "percent": progress.percent if progress else 0},
                "course_percent": row.progress_percent, "course_completed": row.completed_at is not None}

    return retry_on_lock(work)


@bp.get("/scorm/lessons/<int:lesson_id>/attempts")
@login_required
def scorm_attempts(lesson_id: int):
    """SCORM run data of a lesson: the caller's own, or every learner's for the course's teachers.
    ---
    get:
      responses:
        200:
          description: "{items: [attempt]}"
    """
    lesson = access.lesson_for(lesson_id)
    attempts = scorm_runtime.attempts_of_lesson(lesson)
    if not permissions.can_oversee_course(current_user, lesson.course):
        attempts = [a for a in attempts if a.user_id == current_user.id]
    return {"items": AttemptOutSchema().dump(attempts, many=True)}
