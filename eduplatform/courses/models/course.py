"""Courses (网络课程), their chapters and lessons of several kinds."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import SoftDeleteMixin, TimestampMixin, enum_column
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {"draft": "未发布", "published": "已发布", "archived": "已归档"}[self.value]


class CourseAudience(enum.StrEnum):
    """Who a course is for: students (学生课程) or teachers (教师培训, may carry training hours)."""

    STUDENTS = "students"
    TEACHERS = "teachers"

    @property
    def label(self) -> str:
        return {"students": "学生", "teachers": "教师"}[self.value]


class EnrolmentMode(enum.StrEnum):
    """How learners get in besides a teacher enrolling a class: open, on approval, or only by a teacher."""

    OPEN = "open"
    APPROVAL = "approval"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "自由选课", "approval": "报名审核", "closed": "仅由教师指定（按班级）"}[self.value]


class CoursePublicity(enum.StrEnum):
    """向社会公开: asked for by the owner, approved (or refused) by a bureau above the course's unit."""

    NONE = "none"
    REQUESTED = "requested"
    PUBLIC = "public"

    @property
    def label(self) -> str:
        return {"none": "不向社会公开", "requested": "申请向社会公开（待审核）", "public": "向社会公开"}[self.value]


class Course(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Sanitised rich text.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: 学段 (Stage code), 学科 and 年级 codes of the question-bank vocabulary; empty = any.
    stage: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    subject: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    grade: Mapped[str] = mapped_column(sa.String(32), default="")
    audience: Mapped[CourseAudience] = mapped_column(enum_column(CourseAudience), default=CourseAudience.STUDENTS)
    enrolment_mode: Mapped[EnrolmentMode] = mapped_column(enum_column(EnrolmentMode), default=EnrolmentMode.OPEN)
    status: Mapped[CourseStatus] = mapped_column(enum_column(CourseStatus), default=CourseStatus.DRAFT,
                                                 index=True)
    #: 继续教育学时 a teacher earns by completing the course (teacher courses only).
    training_hours: Mapped[float] = mapped_column(sa.Numeric(6, 1, asdecimal=False), default=0)
    #: The unit that owns the course (the teacher's school or the bureau); managers act within it.
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    #: Learners within this unit's subtree see the course in the catalogue and may enrol.
    visible_org_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    #: 向社会公开: a public course's page, outline and lessons are open to anonymous visitors of the
    #: public site (progress and quizzes still need a login). Only a bureau's approval makes it public.
    publicity: Mapped[CoursePublicity] = mapped_column(enum_column(CoursePublicity), default=CoursePublicity.NONE,
                                                       server_default="none")
    #: Why the reviewer refused (or later withdrew) 向社会公开 (shown to the owner).
    publicity_note: Mapped[str | None] = mapped_column(sa.Text, default=None)

    org: Mapped[OrgUnit] = relationship(foreign_keys=[org_id])
    visible_org: Mapped[OrgUnit] = relationship(foreign_keys=[visible_org_id])
    owner = relationship("User", foreign_keys=[owner_id])
    chapters: Mapped[list[Chapter]] = relationship(back_populates="course", order_by="Chapter.position",
                                                   cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED and not self.is_deleted

    @property
    def is_public(self) -> bool:
        return self.is_published and self.publicity == CoursePublicity.PUBLIC

    @property
    def lessons(self) -> list[Lesson]:
        return [lesson for chapter in self.chapters for lesson in chapter.lessons]


class Chapter(db.Model):
    __tablename__ = "course_chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(back_populates="chapters")
    lessons: Mapped[list[Lesson]] = relationship(back_populates="chapter", order_by="Lesson.position",
                                                 cascade="all, delete-orphan")


class LessonKind(enum.StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    TEXT = "text"
    SCORM = "scorm"
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    #: 外部工具: an LTI 1.3 tool launched from the platform (``courses/lti``)
    LTI = "lti"

    @property
    def label(self) -> str:
        return LESSON_KIND_LABELS[self]


LESSON_KIND_LABELS = {
    LessonKind.VIDEO: "视频", LessonKind.AUDIO: "音频", LessonKind.DOCUMENT: "文档", LessonKind.TEXT: "图文",
    LessonKind.SCORM: "SCORM 课件", LessonKind.QUIZ: "测验", LessonKind.ASSIGNMENT: "作业",
    LessonKind.LTI: "外部工具",
}


class Lesson(TimestampMixin, db.Model):
    """课时. ``settings`` holds the kind's completion settings (see ``completion.py``)."""

    __tablename__ = "course_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    chapter_id: Mapped[int] = mapped_column(sa.ForeignKey("course_chapters.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[LessonKind] = mapped_column(enum_column(LessonKind))
    position: Mapped[int] = mapped_column(default=0)
    #: Optional lessons do not count toward the course's progress and completion.
    required: Mapped[bool] = mapped_column(default=True)
    #: Rich text: the page of a text lesson, the task of an assignment, notes under media.
    body: Mapped[str] = mapped_column(sa.Text, default="")
    settings: Mapped[dict] = mapped_column(default=dict)
    #: Media and documents: a resource of the resource library, or a file uploaded for the lesson.
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id", ondelete="SET NULL"), default=None,
                                                    index=True)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"), default=None)
    #: Seconds of audio/video, probed on the server (the player's figure is never trusted).
    duration_seconds: Mapped[float | None] = mapped_column(sa.Float, default=None)
    #: Document lessons: an HTML preview of an office file, made at upload.
    preview_html: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: A file uploaded for the lesson itself: its page images (PDF, office) or a video's poster, made by
    #: the worker through ``core.storage.page_images`` like a library resource's (``[{file, width, height}]``).
    preview_pages: Mapped[list | None] = mapped_column(default=list)
    #: Pages of the document (more than ``preview_pages`` when cut); None: not paged.
    page_count: Mapped[int | None] = mapped_column(default=None)
    thumbnail_file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_files.id"), default=None)
    #: None: nothing to make; ``pending`` (the worker makes it), ``done``, ``failed`` (``preview_error``).
    preview_state: Mapped[str | None] = mapped_column(sa.String(16), default=None, index=True)
    preview_error: Mapped[str | None] = mapped_column(sa.String(500), default=None)
    scorm_package_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scorm_packages.id"), default=None)
    exam_id: Mapped[int | None] = mapped_column(sa.ForeignKey("exams.id"), default=None)
    #: The 教材目录 node the lesson teaches (``core.textbooks``: ``pep-math-7a:3.2``); the 同步资源
    #: pages list it under that lesson of the textbook.
    textbook_node: Mapped[str | None] = mapped_column(sa.String(96), default=None, index=True)
    #: 外部工具 lessons: the registered LTI tool (the target link and custom values are in ``settings``).
    lti_tool_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lti_tools.id"), default=None)

    chapter: Mapped[Chapter] = relationship(back_populates="lessons")
    course: Mapped[Course] = relationship(viewonly=True)
    file = relationship("StoredFile", foreign_keys=[file_id])
    thumbnail = relationship("StoredFile", foreign_keys=[thumbnail_file_id])
    scorm_package = relationship("ScormPackage")
    exam = relationship("Exam")
    resource = relationship("Resource")
    lti_tool = relationship("LtiTool")
