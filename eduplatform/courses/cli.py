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


@group.command("lti-rotate-key")
def lti_rotate_key() -> None:
    """LTI 1.3: a new platform signing key; the old kid stays in /lti/jwks for the grace period."""
    from eduplatform.core.extensions import db
    from eduplatform.courses.lti import keys

    key = keys.rotate(None)
    db.session.commit()
    click.echo(f"已生成新的 LTI 签名密钥 {key.kid}（旧密钥宽限期 {int(keys.grace().total_seconds())} 秒）")
