"""`flask audit-seal | audit-verify | audit-archive`: the chain, its check, and retention."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from pathlib import Path

import click
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app) -> None:
    for command in (audit_seal, audit_verify, audit_archive):
        app.cli.add_command(command)


@click.command("audit-seal")
@with_appcontext
def audit_seal() -> None:
    """Seal every committed audit entry not yet in the chain (run from cron, e.g. every 5 minutes)."""
    from eduplatform.audit import chain

    sealed = chain.seal(db.session.connection(), wait=True)
    db.session.commit()
    click.echo(f"已封存 {sealed} 条审计记录")


@click.command("audit-verify")
@with_appcontext
@click.option("--archive", "archive_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify an archive file (.jsonl or its .manifest.json) instead of the database.")
@click.option("--no-seal", is_flag=True, help="Do not seal pending entries before verifying.")
def audit_verify(archive_file: Path | None, no_seal: bool) -> None:
    """Recompute the audit chain; print the first broken link and how many entries are unsealed."""
    from eduplatform.audit import archive, chain

    if archive_file is not None:
        check = archive.verify_archive(archive_file)
        if check.ok:
            click.echo(f"归档文件完整：{check.count} 条，链头 {check.head_hash}")
            return
        click.echo(f"归档文件被破坏：{check.problems[0]}")
        sys.exit(1)
    conn = db.session.connection()
    if not no_seal:
        chain.seal(conn, wait=True)
    report = chain.verify(conn)
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@click.command("audit-archive")
@with_appcontext
@click.option("--before", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Archive entries older than this date (Asia/Shanghai, YYYY-MM-DD).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the archive file and its signed manifest.")
def audit_archive(before: datetime, out_dir: Path) -> None:
    """Export old entries to a signed archive, verify it, then remove them (≥ retention days old)."""
    from eduplatform.audit import archive
    from eduplatform.audit.services import record
    from eduplatform.core.errors import AppError
    from eduplatform.core.templating import LOCAL_TZ

    cutoff = datetime.combine(before.date(), time.min, tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
    try:
        result = archive.archive_before(db.session.connection(), cutoff, out_dir)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    record("audit", "archive.created",
           f"归档审计记录 {result.count} 条（第 {result.first_seq}–{result.last_seq} 条链接，{before:%Y-%m-%d} 之前）",
           data={"file": result.jsonl.name, "first_seq": result.first_seq, "last_seq": result.last_seq,
                 "head_hash": result.head_hash})
    db.session.commit()
    click.echo(f"已归档 {result.count} 条审计记录到 {result.jsonl}（清单 {result.manifest.name}），"
               f"链头 {result.head_hash}")
