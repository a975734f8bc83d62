"""/api/v1/courses: the catalogue, a course's structure (chapters → lessons), publishing."""

from __future__ import annotations

from flask import request
from flask_login import current_user, login_required

from eduplatform.core.api import load_args, load_body, page_args, page_envelope, paginated
from eduplatform.core.extensions import db
from eduplatform.core.permissions import require
from eduplatform.courses import access, catalogue, permissions, structure
from eduplatform.courses.api import bp
from eduplatform.courses.models import Course
from eduplatform.courses.schemas import (
    CatalogueArgsSchema,
    ChapterInSchema,
    ChapterOutSchema,
    CourseDetailSchema,
    CourseInSchema,
    CourseOutSchema,
    LessonInSchema,
    LessonOutSchema,
    LessonUpdateSchema,
    MoveSchema,
)


@bp.get("/courses")
@login_required
def list_courses():
    """The catalogue: published courses for the caller's role and unit; `q` searches (Chinese), filters
    `stage`, `subject`, `grade`, `audience` (students|teachers); `mine=1` lists the courses the caller manages.
    ---
    get:
      parameters:
        - {in: query, schema: CatalogueArgsSchema}
      responses:
        200:
          description: "{items, page, per_page, total, pages}"
    """
    args = load_args(CatalogueArgsSchema())
    filters = {k: args[k] or "" for k in ("stage", "subject", "grade", "audience")}
    if args["mine"]:
        require(permissions.can_create_course(current_user), action="course.list_mine")
        query = db.select(Course).where(Course.deleted_at.is_(None), Course.id.in_(
            _managed_ids(current_user))).order_by(Course.id.desc())
        return paginated(query, CourseOutSchema())
    text = args["q"].strip()
    if text:
        page, per_page = page_args()
        results = catalogue.search_courses(current_user, text, filters=filters, page=page, per_page=per_page)
        ids = [int(hit.object_id) for hit in results.hits]
        courses = {c.id: c for c in db.session.scalars(db.select(Course).where(Course.id.in_(ids)))}
        items = [courses[i] for i in ids if i in courses]
        return page_envelope(CourseOutSchema().dump(items, many=True), page=page, per_page=per_page,
                             total=results.total, pages=results.pages,
                             facets={k: dict(v) for k, v in results.facet_counts.items()})
    return paginated(catalogue.catalogue_query(current_user, **filters), CourseOutSchema())


def _managed_ids(user):
    base = db.select(Course.id).where(Course.deleted_at.is_(None))
    if user.has_role(*permissions.MANAGER_ROLES) and user.scope_root is not None:
        return base.where(db.or_(Course.owner_id == user.id, Course.org_id == user.scope_root.id))
    return base.where(Course.owner_id == user.id)


@bp.post("/courses")
@login_required
def create_course():
    """Create a course (draft) owned by the caller's unit.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: CourseInSchema
      responses:
        201:
          content:
            application/json:
              schema: CourseDetailSchema
    """
    require(permissions.can_create_course(current_user), action="course.create")
    data = load_body(CourseInSchema())
    course = catalogue.create_course(current_user, data)
    db.session.commit()
    return CourseDetailSchema().dump(course), 201


@bp.get("/courses/<int:course_id>")
@login_required
def get_course(course_id: int):
    """A course with its structure (chapters → lessons with their completion rules).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: CourseDetailSchema
    """
    return CourseDetailSchema().dump(access.course_for(course_id))


@bp.patch("/courses/<int:course_id>")
@login_required
def update_course(course_id: int):
    """Change a course's description, filters, enrolment mode, training hours or visibility.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: CourseInSchema
      responses:
        200:
          content:
            application/json:
              schema: CourseDetailSchema
    """
    course = access.course_for(course_id, "manage")
    data = load_body(CourseInSchema(), partial=True)
    catalogue.update_course(current_user, course, data)
    db.session.commit()
    return CourseDetailSchema().dump(course)


@bp.post("/courses/<int:course_id>/publish")
@login_required
def publish_course(course_id: int):
    """Publish a course (it needs at least one lesson); it then appears in the catalogue.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: CourseOutSchema
    """
    course = access.course_for(course_id, "manage")
    catalogue.publish_course(current_user, course)
    db.session.commit()
    return CourseOutSchema().dump(course)


@bp.post("/courses/<int:course_id>/archive")
@login_required
def archive_course(course_id: int):
    """Archive a course: no new learners or progress; records and earned hours stay.
    ---
    post:
      responses:
        200:
          content:
            application/json:
              schema: CourseOutSchema
    """
    course = access.course_for(course_id, "manage")
    catalogue.archive_course(current_user, course)
    db.session.commit()
    return CourseOutSchema().dump(course)


@bp.delete("/courses/<int:course_id>")
@login_required
def delete_course(course_id: int):
    """Delete a draft or archived course (kept, hidden).
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    course = access.course_for(course_id, "manage")
    catalogue.delete_course(current_user, course)
    db.session.commit()
    return "", 204


# --- structure ----------------------------------------------------------------------------------

@bp.post("/courses/<int:course_id>/chapters")
@login_required
def add_chapter(course_id: int):
    """Add a chapter at the end.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: ChapterInSchema
      responses:
        201:
          content:
            application/json:
              schema: ChapterOutSchema
    """
    course = access.course_for(course_id, "manage")
    data = load_body(ChapterInSchema())
    chapter = structure.add_chapter(current_user, course, data["title"])
    db.session.commit()
    return ChapterOutSchema().dump(chapter), 201


@bp.patch("/courses/<int:course_id>/chapters/<int:chapter_id>")
@login_required
def rename_chapter(course_id: int, chapter_id: int):
    """Rename a chapter.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: ChapterInSchema
    """
    course = access.course_for(course_id, "manage")
    chapter = structure.get_chapter(course, chapter_id)
    structure.rename_chapter(current_user, chapter, load_body(ChapterInSchema())["title"])
    db.session.commit()
    return ChapterOutSchema().dump(chapter)


@bp.delete("/courses/<int:course_id>/chapters/<int:chapter_id>")
@login_required
def delete_chapter(course_id: int, chapter_id: int):
    """Delete an empty chapter.
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    course = access.course_for(course_id, "manage")
    structure.delete_chapter(current_user, structure.get_chapter(course, chapter_id))
    db.session.commit()
    return "", 204


@bp.post("/courses/<int:course_id>/chapters/<int:chapter_id>/move")
@login_required
def move_chapter(course_id: int, chapter_id: int):
    """Move a chapter up or down.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: MoveSchema
    """
    course = access.course_for(course_id, "manage")
    chapter = structure.get_chapter(course, chapter_id)
    structure.move(current_user, course.chapters, chapter, load_body(MoveSchema())["direction"])
    db.session.commit()
    return ChapterOutSchema().dump(chapter)


@bp.post("/courses/<int:course_id>/chapters/<int:chapter_id>/lessons")
@login_required
def add_lesson(course_id: int, chapter_id: int):
    """Add a lesson. Video/audio/document: multipart with `file` (or `resource_id`); SCORM: multipart with the
    zip as `file`; quiz: `paper_id` (a paper the caller may use), `pass_percent`, `time_limit_minutes`;
    text and assignment: `body` (rich text); assignment: `max_score`.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: LessonInSchema
          multipart/form-data:
            schema: LessonInSchema
      responses:
        201:
          content:
            application/json:
              schema: LessonOutSchema
    """
    course = access.course_for(course_id, "manage")
    chapter = structure.get_chapter(course, chapter_id)
    data = load_body(LessonInSchema())
    lesson = structure.add_lesson(current_user, chapter, data, upload=request.files.get("file"))
    db.session.commit()
    return LessonOutSchema().dump(lesson), 201


@bp.get("/lessons/<int:lesson_id>")
@login_required
def get_lesson(lesson_id: int):
    """A lesson (its course's learners and teachers).
    ---
    get:
      responses:
        200:
          content:
            application/json:
              schema: LessonOutSchema
    """
    return LessonOutSchema().dump(access.lesson_for(lesson_id))


@bp.patch("/lessons/<int:lesson_id>")
@login_required
def update_lesson(lesson_id: int):
    """Change a lesson's title, text, required flag, completion settings or file.
    ---
    patch:
      requestBody:
        content:
          application/json:
            schema: LessonUpdateSchema
    """
    lesson = access.lesson_for(lesson_id, "manage")
    data = load_body(LessonUpdateSchema(), partial=True)
    structure.update_lesson(current_user, lesson, data, upload=request.files.get("file"))
    db.session.commit()
    return LessonOutSchema().dump(lesson)


@bp.delete("/lessons/<int:lesson_id>")
@login_required
def delete_lesson(lesson_id: int):
    """Delete a lesson nobody has started.
    ---
    delete:
      responses:
        204:
          description: 已删除
    """
    lesson = access.lesson_for(lesson_id, "manage")
    structure.delete_lesson(current_user, lesson)
    db.session.commit()
    return "", 204


@bp.post("/lessons/<int:lesson_id>/move")
@login_required
def move_lesson(lesson_id: int):
    """Move a lesson up or down within its chapter.
    ---
    post:
      requestBody:
        content:
          application/json:
            schema: MoveSchema
    """
    lesson = access.lesson_for(lesson_id, "manage")
    structure.move(current_user, lesson.chapter.lessons, lesson, load_body(MoveSchema())["direction"])
    db.session.commit()
    return LessonOutSchema().dump(lesson)
