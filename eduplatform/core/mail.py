"""Plain SMTP for the domains that write to people outside the platform (an applicant's e-mail).

Settings: ``MAIL_SMTP_HOST`` (``EDU_SMTP_HOST``; empty: no mail), ``MAIL_SMTP_PORT`` (25),
``MAIL_SMTP_FROM``, ``MAIL_SMTP_TIMEOUT`` (10 s), ``MAIL_SMTP_STARTTLS``, ``MAIL_SMTP_USER`` /
``MAIL_SMTP_PASSWORD``. Sending happens after the request's commit; a failure is the caller's to record.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, has_app_context


def _setting(name: str, default=None):
    value = current_app.config.get(f"MAIL_SMTP_{name}")
    if value is None:
        value = os.environ.get(f"EDU_SMTP_{name}") or default
    return value


def mail_enabled() -> bool:
    return has_app_context() and bool(_setting("HOST"))


def send(to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> None:
    """Send one message; attachments are (filename, bytes, mime type). Raises OSError / SMTPException."""
    message = EmailMessage()
    message["From"] = _setting("FROM", "noreply@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for filename, content, mime in attachments:
        main, _, sub = mime.partition("/")
        message.add_attachment(content, maintype=main, subtype=sub or "octet-stream", filename=filename)
    timeout = float(_setting("TIMEOUT", 10))
    smtp = smtplib.SMTP(_setting("HOST"), int(_setting("PORT", 25)), timeout=timeout)
    try:
        if str(_setting("STARTTLS", "")).lower() in ("1", "true", "yes"):
            smtp.starttls(context=ssl.create_default_context())
        if _setting("USER"):
            smtp.login(_setting("USER"), _setting("PASSWORD", ""))
        smtp.send_message(message)
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            pass
