"""`flask --app eduplatform reporting-send-mail`: retry queued notice e-mail (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


def init_app(app) -> None:
    app.cli.add_command(send_mail)


@click.command("reporting-send-mail")
@with_appcontext
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
def send_mail(limit: int) -> None:
    """Send the pending notice e-mail over the configured SMTP server."""
    from eduplatform.reporting.services.notices import deliver_pending, mail_enabled

    if not mail_enabled():
        raise click.ClickException("未配置邮件服务器（EDU_SMTP_HOST），不发送邮件")
    sent = deliver_pending(limit=limit)
    click.echo(f"已发送 {sent} 封通知邮件")
