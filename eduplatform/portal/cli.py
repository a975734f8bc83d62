"""`flask --app eduplatform portal-publish-due` (cron, beside `workflow-tick`): publish scheduled articles;
`flask portal ferry-out` / `ferry-in` / `ferry-status` (cron on the inside and the outside node): the
内外网 ferry (``services/ferry.py``)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app) -> None:
    from datetime import timedelta

    from eduplatform.core.jobs import register_job

    register_job("portal.publish_due", publish_due_job, label="门户定时发布", max_attempts=1,
                 every=timedelta(seconds=int(app.config.get("JOBS_PORTAL_PUBLISH_SECONDS", 60))))
    app.cli.add_command(portal_publish_due)
    app.cli.add_command(portal_sync_columns)
    app.cli.add_command(portal_group)
    app.cli.add_command(letters_push_callbacks)


def publish_due_job(ctx) -> dict:
    """The periodic job (core.jobs): the same pass as `flask portal-publish-due`."""
    from eduplatform.portal.services.content import publish_due

    return {"published": len(publish_due())}


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


@click.group("portal")
def portal_group() -> None:
    """门户网站: the ferry between the internal and the external node."""


def _fail(exc) -> None:
    db.session.rollback()
    raise click.ClickException(getattr(exc, "message", str(exc)))


@portal_group.command("ferry-out")
@click.option("--full", is_flag=True, help="Send every record again (after a package was lost on the way).")
@with_appcontext
def ferry_out(full: bool) -> None:
    """Write the next package of what changed into the outbox (nothing changed: no package)."""
    from eduplatform.core.errors import AppError
    from eduplatform.portal.services import ferry

    try:
        package = ferry.ferry_out(full=full)
        db.session.commit()
    except AppError as exc:
        _fail(exc)
    if package is None:
        click.echo("没有变化，未生成摆渡包")
    else:
        click.echo(f"生成摆渡包 {package.filename}：第 {package.seq} 号，{package.records} 条记录，{package.files} 个文件")


@portal_group.command("ferry-in")
@click.option("--skip-missing", is_flag=True, help="Apply the next package even though one before it is missing.")
@with_appcontext
def ferry_in(skip_missing: bool) -> None:
    """Apply the inbox's packages in sequence order; refuse (and move aside) the bad ones."""
    from eduplatform.core.errors import AppError
    from eduplatform.portal.services import ferry

    applied = refused = 0
    try:
        while (package := ferry.apply_next(skip_missing=skip_missing)) is not None:
            db.session.commit()
            skip_missing = False
            if package.action == "applied":
                applied += 1
                click.echo(f"导入 {package.filename}：第 {package.seq} 号，{package.records} 条记录")
            else:
                refused += 1
                click.echo(f"拒收 {package.filename}：{package.reason}", err=True)
        missing = ferry.inbox_state().missing
    except AppError as exc:
        _fail(exc)
    click.echo(f"导入 {applied} 个，拒收 {refused} 个" + (f"；缺第 {missing} 号包，之后的包等待中" if missing else ""))


@portal_group.command("ferry-status")
@with_appcontext
def ferry_status() -> None:
    """This node's role, the last package each way, what waits, the refused packages."""
    from eduplatform.portal.services import ferry

    state = ferry.overview()
    click.echo(f"本节点：{state['role_label']}")
    for d in state["directions"]:
        last = d["last"]
        click.echo(f"{d['label']}（{'发送' if d['sending'] else '接收'}）：第 {d['seq']} 号"
                   + (f"，最近 {last.filename} {last.created_at:%Y-%m-%d %H:%M} UTC" if last else ""))
    if state["role"] != "single":
        click.echo(f"发件箱待摆渡 {state['queued']} 个，收件箱待导入 {state['waiting']} 个"
                   + (f"，缺第 {state['missing']} 号" if state["missing"] else ""))
    for p in state["refused"]:
        click.echo(f"拒收 {p.created_at:%Y-%m-%d %H:%M} {p.filename}：{p.reason}")


@click.command("letters-push-callbacks")
@with_appcontext
def letters_push_callbacks() -> None:
    """Send the 12345 status pushes still waiting (retried with growing pauses; run from cron)."""
    from eduplatform.portal.services.letters_hotline import deliver_pending

    click.echo(f"已推送 {deliver_pending(inline_tries=1)} 条")
