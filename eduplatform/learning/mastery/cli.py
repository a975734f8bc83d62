"""`flask learning refresh-mastery`: rebuild the 学情 cache of every current class older than MAX_AGE (cron, nightly).

Pages rebuild only what new grades made stale; the recency weights move with the clock, so the job
keeps every class within ``store.MAX_AGE`` of today, and warms classes nobody has opened yet.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from eduplatform.core.extensions import db

group = AppGroup("learning", help="班级作业与学情")


@group.command("refresh-mastery")
@click.option("--all", "everything", is_flag=True, help="every current class, however fresh")
def refresh_mastery(everything: bool) -> None:
    """Rebuild the mastery cache class by class (one commit per class)."""
    from eduplatform.learning.mastery import store
    from eduplatform.schools.models import SchoolClass, SchoolYear

    ids = list(db.session.scalars(sa.select(SchoolClass.id).join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
                                  .where(SchoolYear.is_current.is_(True), SchoolClass.graduated.is_(False))
                                  .order_by(SchoolClass.id)))
    todo = ids if everything else store.stale_classes(ids, include_old=True)
    rows = 0
    with click.progressbar(todo, label="学情") as classes:
        for class_id in classes:
            rows += store.rebuild([class_id])
            db.session.commit()
    click.echo(f"已更新 {len(todo)} 个班级的学情（{rows} 条知识点掌握估计）")


def init_app(app: Flask) -> None:
    if "learning" not in app.cli.commands:
        app.cli.add_command(group)
