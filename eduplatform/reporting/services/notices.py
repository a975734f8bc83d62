"""The inbox of notices (催报, new tasks, returns) and their optional e-mail.

Everything that tells a school or bureau something goes through ``notify``/``notify_orgs``; the
notices are kept in the platform's one inbox (``eduplatform.core.notices``, realm ``reporting``) as
org inboxes: the org the user acts for (``permissions.acting_org``, registered as the inbox hook). E-mail is queued in
``report_mail_outbox`` in the same transaction and sent after commit (``deliver_pending``); the
queue is retried by ``flask reporting-send-mail`` (cron), so a down SMTP server loses nothing.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa
from flask import current_app, has_app_context

from eduplatform.accounts.models import BUREAU_ROLES, Role, User, UserRole
from eduplatform.core import notices as inbox
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.notices import Notice
from eduplatform.orgs.models import OrgUnit
from eduplatform.reporting.models import MailOutbox

_PENDING_FLAG = "reporting_mail_pending"
BATCH = 1000


def mail_enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("REPORTING_SMTP_HOST"))


REALM = "reporting"
TASK = "report_task"


def _about(task) -> dict:
    return {"object_type": TASK, "object_id": task.id} if task is not None else {}


def notify(org: OrgUnit, title: str, body: str = "", link: str = "", *, kind: str = "notice",
           task=None, user=None, email: bool = False) -> Notice:
    """Put a notice into ``org``'s inbox (or one user's), and queue its e-mail when asked."""
    (notice,) = inbox.notify(REALM, kind, title[:200], org=org, user=user, body=body, link=link, **_about(task))
    if email:
        _queue_mail([org.id], title, body, link)
    db.session.flush()
    return notice


def notify_orgs(org_ids: list[int], *, title: str, body: str = "", link: str = "", kind: str = "notice",
                task=None, email: bool = False) -> int:
    """The same notice into many inboxes at once (bulk insert)."""
    count = inbox.notify_orgs(REALM, kind, title[:200], org_ids, body=body, link=link, **_about(task))
    if email:
        _queue_mail(org_ids, title, body, link)
    return count


def _recipients(org_ids: list[int]) -> list[tuple[str, str]]:
    """(name, address) of the people who handle reporting in these orgs: school admins, bureau staff."""
    roles = {Role.SCHOOL_ADMIN, *BUREAU_ROLES}
    found: list[tuple[str, str]] = []
    for start in range(0, len(org_ids), BATCH):
        chunk = org_ids[start:start + BATCH]
        rows = db.session.execute(
            sa.select(User.display_name, User.email).join(UserRole, UserRole.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == User.org_id)
            .where(UserRole.role.in_(roles), User.is_active_account.is_(True), User.email.is_not(None),
                   User.email != "",
                   sa.or_(User.org_id.in_(chunk), OrgUnit.parent_id.in_(chunk)))  # a bureau's 科室 too
            .distinct())
        found.extend((row.display_name, row.email) for row in rows)
    return found


def _queue_mail(org_ids: list[int], title: str, body: str, link: str) -> int:
    if not mail_enabled():
        return 0
    base = current_app.config.get("REPORTING_PUBLIC_URL", "")
    text = f"{body}\n\n{base}{link}\n\n—— 教育电子政务与远程教育资源平台（此邮件由系统自动发送）"
    now = utcnow()
    rows = [{"to_addr": formataddr((name, address)), "subject": title[:255], "body": text, "status": "pending",
             "attempts": 0, "last_error": "", "created_at": now} for name, address in _recipients(org_ids)]
    if rows:
        db.session.execute(MailOutbox.__table__.insert(), rows)
        db.session.info[_PENDING_FLAG] = True
    return len(rows)


def deliver_after_commit() -> int:
    """Call after the request's commit: send what this request queued (errors stay in the queue)."""
    if not db.session.info.pop(_PENDING_FLAG, False):
        return 0
    try:
        return deliver_pending()
    except Exception:  # the request already succeeded; the queue keeps the mail for the retry
        current_app.logger.exception("发送通知邮件失败")
        db.session.rollback()
        return 0


def deliver_pending(limit: int = 500, max_attempts: int = 5) -> int:
    """Send queued mail over one SMTP connection; marks each sent or failed; commits."""
    if not mail_enabled():
        return 0
    pending = list(db.session.scalars(
        sa.select(MailOutbox).where(MailOutbox.status == "pending", MailOutbox.attempts < max_attempts)
        .order_by(MailOutbox.id).limit(limit)))
    if not pending:
        return 0
    config = current_app.config
    sent = 0
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        for item in pending:
            item.attempts += 1
            item.last_error = f"连接邮件服务器失败：{exc}"[:1000]
            if item.attempts >= max_attempts:
                item.status = "failed"
        db.session.commit()
        return 0
    try:
        for item in pending:
            message = EmailMessage()
            message["From"] = config["REPORTING_SMTP_FROM"]
            message["To"] = item.to_addr
            message["Subject"] = item.subject
            message.set_content(item.body)
            item.attempts += 1
            try:
                smtp.send_message(message)
            except smtplib.SMTPException as exc:
                item.last_error = str(exc)[:1000]
                if item.attempts >= max_attempts:
                    item.status = "failed"
                continue
            item.status = "sent"
            item.sent_at = utcnow()
            sent += 1
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            pass
        db.session.commit()
    return sent


def _connect(config) -> smtplib.SMTP:
    host, port, timeout = config["REPORTING_SMTP_HOST"], config["REPORTING_SMTP_PORT"], config["REPORTING_SMTP_TIMEOUT"]
    if config.get("REPORTING_SMTP_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("REPORTING_SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("REPORTING_SMTP_USER"):
        smtp.login(config["REPORTING_SMTP_USER"], config["REPORTING_SMTP_PASSWORD"] or "")
    return smtp


# --- the inbox -----------------------------------------------------------------------------------

KIND_LABELS = {"task": "填报任务", "reminder": "催报", "returned": "退回", "approved": "审核通过",
               "reopened": "重新开放", "review": "待审核", "notice": "通知"}


def inbox_query(user, *, unread_only: bool = False):
    """Notices of the org the user acts for (and those addressed to the user)."""
    if inbox.inbox_org_id(user) is None:
        return sa.select(Notice).where(sa.false())
    return inbox.inbox_query(user, realm=REALM, unread_only=unread_only).where(Notice.org_id.is_not(None))


def unread_count(user) -> int:
    query = inbox_query(user, unread_only=True)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def can_read_notice(user, notice: Notice) -> bool:
    return notice.realm == REALM and notice.org_id is not None and inbox.can_read(user, notice)


def mark_read(user, notice: Notice) -> None:
    inbox.mark_one_read(user, notice)
