"""`flask --app eduplatform courses …`: maintenance of the courses domain."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

group = AppGroup("courses", help="网络课程：维护命令")


def init_app(app: Flask) -> None:
    if "courses" not in app.cli.commands:
        app.cli.add_command(group)


@group.command("recompute")
def recompute() -> None:
    """Recount every learner's course progress (after lessons were changed outside the app)."""
    from eduplatform.core.extensions import db
    from eduplatform.courses.completion import recompute_course
    from eduplatform.courses.models import Course

    courses = db.session.scalars(db.select(Course).where(Course.deleted_at.is_(None))).all()
    for course in courses:
        recompute_course(course)
    db.session.commit()
    click.echo(f"已重新计算 {len(courses)} 门课程的学习进度")
