"""`flask questions …`: close the attempts whose time ran out (cron), nothing else needs a command."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from eduplatform.core.extensions import db

group = AppGroup("questions", help="题库与在线考试")


@group.command("close-expired")
def close_expired() -> None:
    """Submit every attempt whose deadline has passed (they are also closed when next touched)."""
    from eduplatform.questions.exams import submit_expired_attempts

    count = submit_expired_attempts()
    db.session.commit()
    click.echo(f"已自动交卷 {count} 份")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
