"""`flask --app eduplatform portal-publish-due` (cron, beside `workflow-tick`): publish scheduled articles."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app) -> None:
    app.cli.add_command(portal_publish_due)
    app.cli.add_command(portal_sync_columns)
    app.cli.add_command(letters_push_callbacks)


@click.command("portal-publish-due")
@with_appcontext
def portal_publish_due() -> None:
    """Publish every approved article whose 定时发布 time has come (idempotent; run from cron)."""
    from eduplatform.portal.services.content import publish_due

    done = publish_due()
    db.session.commit()
    click.echo(f"定时发布 {len(done)} 条")
    for article in done:
        click.echo(f"  {article.index_no}  {article.title}")


@click.command("portal-sync-columns")
@with_appcontext
def portal_sync_columns() -> None:
    """Create or update the columns declared in columns.yaml (staff-added sub-columns are kept)."""
    from eduplatform.portal.services.columns import sync_columns

    changed = sync_columns()
    db.session.commit()
    click.echo(f"同步栏目 {changed} 个")


@click.command("letters-push-callbacks")
@with_appcontext
def letters_push_callbacks() -> None:
    """Send the 12345 status pushes still waiting (retried with growing pauses; run from cron)."""
    from eduplatform.portal.services.letters_hotline import deliver_pending

    click.echo(f"已推送 {deliver_pending(inline_tries=1)} 条")
