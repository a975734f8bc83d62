"""Failed logins: the per-account lock, per-address throttling, and the security admin's view of both.

Both are kept in the database so that every worker agrees; with ``EDU_REDIS_URL`` set their
counters live in Redis instead (``core.sharedstate``: atomic across nodes — the database versions
read, then write), while the locks themselves, the failures' record and the audit stay in the
database for the security administrator's view. The per-account lock stops guessing one
password; the per-address throttle (ASVS V2.2) stops one client from guessing across accounts — and
from locking everybody's account in turn. Services flush and audit; the view commits.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from eduplatform.accounts.models import LockKind, LoginFailure, LoginLock, User
from eduplatform.core import sharedstate
from eduplatform.core.db import utcnow
from eduplatform.core.errors import Conflict, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.security import client_ip
from eduplatform.core.signals import audit

#: The one answer to every refused login — unknown name, wrong password, locked account, throttled
#: address — so that the answer tells nobody which accounts exist or are locked. The hint is for
#: the legitimate user whose account is locked.
FAILURE_MESSAGE = "用户名或密码错误。多次失败后账户会被暂时锁定，请稍后再试或联系安全管理员"

#: Failures are kept this long at least (the throttle's window may be longer).
_KEEP_FAILURES = timedelta(days=1)
_MAX_SOURCES = 20


def request_address() -> str:
    """The client's address (behind trusted proxies, as ProxyFix read it from X-Forwarded-For)."""
    return client_ip() or "unknown"


def address_lock(ip: str, now: datetime) -> LoginLock | None:
    """The active throttle on this address, if any."""
    return db.session.scalar(
        sa.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS, LoginLock.ip == ip,
                                   LoginLock.lifted_at.is_(None), LoginLock.locked_until > now)
        .order_by(LoginLock.locked_until.desc()).limit(1))


def register_failure(username: str, user: User | None, ip: str, now: datetime) -> None:
    """Count one refused attempt against the account (if it exists) and the address; audit it."""
    config = current_app.config
    db.session.add(LoginFailure(ip=ip, username=username[:64], user_id=user.id if user else None, at=now))
    if user is None:
        audit("security", "login.failed", f"登录失败：用户名 {username[:64]} 不存在", data={"ip": ip},
              actor_name=username)
    elif user.is_locked(now):
        # Not counted again and the lock is not extended: else anyone could keep it locked forever.
        audit("security", "login.blocked", f"已锁定账户 {user.username} 尝试登录", actor=user, obj=user,
              data={"ip": ip})
    else:
        try:
            if not sharedstate.enabled():
                raise sharedstate.Unavailable
            user.failed_logins = sharedstate.incr(_account_key(user),
                                                  ttl_seconds=int(_KEEP_FAILURES.total_seconds()))
        except sharedstate.Unavailable:
            user.failed_logins += 1
        audit("security", "login.failed", f"账户 {user.username} 密码错误", actor=user, obj=user,
              data={"failed_logins": user.failed_logins, "ip": ip})
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            _lock_account(user, now)
    db.session.flush()
    _throttle_address(ip, now, username[:64])
    db.session.execute(sa.delete(LoginFailure).where(
        LoginFailure.at < now - max(_KEEP_FAILURES, timedelta(minutes=config["LOGIN_ADDRESS_WINDOW_MINUTES"]))))


def _account_key(user: User) -> str:
    return sharedstate.key("login", "account", user.id)


def reset_failures(user: User) -> None:
    """Forget the account's failed attempts (a good login, a lock, an unlock, a password reset)."""
    user.failed_logins = 0
    if sharedstate.enabled():
        with contextlib.suppress(sharedstate.Unavailable):  # (its time to live ends it anyway)
            sharedstate.forget(_account_key(user))


def _lock_account(user: User, now: datetime) -> None:
    failures = user.failed_logins
    recent = db.session.execute(
        sa.select(LoginFailure.ip, LoginFailure.at).where(LoginFailure.user_id == user.id)
        .order_by(LoginFailure.at.desc(), LoginFailure.id.desc()).limit(failures)).all()
    user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    reset_failures(user)
    sources = _count_by([row.ip for row in recent], "ip")
    db.session.add(LoginLock(kind=LockKind.ACCOUNT, user_id=user.id, failures=failures, sources=sources,
                             first_failure_at=min((row.at for row in recent), default=now),
                             locked_at=now, locked_until=user.locked_until))
    audit("security", "account.locked", f"账户 {user.username} 连续 {failures} 次登录失败，已锁定",
          actor=user, obj=user, data={"locked_until": user.locked_until.isoformat(), "sources": sources})


def _throttle_address(ip: str, now: datetime, username: str) -> None:
    config = current_app.config
    if address_lock(ip, now) is not None:
        return
    if sharedstate.enabled():
        try:
            count, events = sharedstate.window_record(
                sharedstate.key("login", "address", ip), username, threshold=config["LOGIN_ADDRESS_MAX_FAILURES"],
                window_seconds=config["LOGIN_ADDRESS_WINDOW_MINUTES"] * 60, now=now)
        except sharedstate.Unavailable:
            pass  # counted from the failures' rows below
        else:
            if events is not None:
                _lock_address(ip, now, count, [name for name, _ in events], min(at for _, at in events))
            return
    # Failures before the address's last lock were answered by that lock already.
    last_lock = db.session.scalar(sa.select(sa.func.max(LoginLock.locked_at)).where(
        LoginLock.kind == LockKind.ADDRESS, LoginLock.ip == ip))
    since = now - timedelta(minutes=config["LOGIN_ADDRESS_WINDOW_MINUTES"])
    if last_lock is not None and last_lock > since:
        since = last_lock
    window = sa.select(LoginFailure.username, LoginFailure.at).where(LoginFailure.ip == ip,
                                                                    LoginFailure.at >= since)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(window.subquery()))
    if count < config["LOGIN_ADDRESS_MAX_FAILURES"]:
        return
    rows = db.session.execute(window).all()
    _lock_address(ip, now, count, [row.username for row in rows], min(row.at for row in rows))


def _lock_address(ip: str, now: datetime, count: int, usernames: list[str], first: datetime) -> None:
    config = current_app.config
    until = now + timedelta(minutes=config["LOGIN_ADDRESS_LOCK_MINUTES"])
    sources = _count_by(usernames, "username")
    lock = LoginLock(kind=LockKind.ADDRESS, ip=ip, failures=count, sources=sources,
                     first_failure_at=first, locked_at=now, locked_until=until)
    db.session.add(lock)
    audit("security", "address.locked",
          f"来源地址 {ip} 在 {config['LOGIN_ADDRESS_WINDOW_MINUTES']} 分钟内登录失败 {count} 次"
          f"（{len(sources)} 个用户名），暂停其登录至 {until.isoformat(timespec='minutes')}",
          object_type="login_locks", data={"ip": ip, "failures": count, "sources": sources})


def _count_by(values: list[str], key: str) -> list[dict]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:_MAX_SOURCES]
    return [{key: value, "count": n} for value, n in ranked]


# --- the security administrator's view -------------------------------------------------------

@dataclass
class AccountLock:
    """A locked account and, when recorded, the lock's reason."""

    user: User
    lock: LoginLock | None

    @property
    def locked_until(self) -> datetime:
        return self.user.locked_until


def current_locks(now: datetime | None = None) -> tuple[list[AccountLock], list[LoginLock]]:
    """Locked accounts (soonest to end first) and throttled addresses."""
    now = now or utcnow()
    users = db.session.scalars(sa.select(User).where(User.locked_until > now)
                               .order_by(User.locked_until, User.username)).all()
    rows = db.session.scalars(sa.select(LoginLock).where(
        LoginLock.kind == LockKind.ACCOUNT, LoginLock.lifted_at.is_(None), LoginLock.locked_until > now,
        LoginLock.user_id.in_([u.id for u in users])).order_by(LoginLock.locked_at)).all()
    latest = {row.user_id: row for row in rows}  # the newest per user wins
    accounts = [AccountLock(user, latest.get(user.id)) for user in users]
    addresses = db.session.scalars(sa.select(LoginLock).where(
        LoginLock.kind == LockKind.ADDRESS, LoginLock.lifted_at.is_(None), LoginLock.locked_until > now)
        .order_by(LoginLock.locked_until, LoginLock.id)).all()
    return accounts, list(addresses)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写解除锁定的原因", code="reason_required", fields={"reason": ["请填写原因"]})
    if len(reason) > 500:
        raise ValidationFailed("原因不能超过 500 字", fields={"reason": ["不能超过 500 字"]})
    return reason


def _lift_rows(query, actor: User, reason: str, now: datetime) -> list[LoginLock]:
    rows = db.session.scalars(query.where(LoginLock.lifted_at.is_(None), LoginLock.locked_until > now)).all()
    for row in rows:
        row.lifted_at, row.lifted_by_id, row.lift_reason = now, actor.id, reason
    return list(rows)


def end_account_lock_rows(actor: User, user: User, reason: str) -> None:
    """Mark the account's lock records ended (a password reset also ends the lock)."""
    _lift_rows(sa.select(LoginLock).where(LoginLock.kind == LockKind.ACCOUNT, LoginLock.user_id == user.id),
               actor, reason, utcnow())


def unlock_account(actor: User, user: User, reason: str | None) -> None:
    """Lift an account's lock (the security administrator's), with the reason, audited."""
    reason = _reason(reason)
    now = utcnow()
    if not user.is_locked(now):
        raise Conflict("该账户未被锁定", code="not_locked")
    until = user.locked_until
    user.locked_until = None
    reset_failures(user)
    rows = _lift_rows(sa.select(LoginLock).where(LoginLock.kind == LockKind.ACCOUNT,
                                                 LoginLock.user_id == user.id), actor, reason, now)
    audit("security", "account.unlocked", f"{actor.username} 解锁了 {user.username}：{reason}",
          actor=actor, obj=user, data={"reason": reason, "locked_until": until.isoformat(),
                                       "failures": rows[-1].failures if rows else None})
    db.session.flush()


def lift_lock(actor: User, lock: LoginLock, reason: str | None) -> None:
    """Lift an account lock or an address throttle, with the reason, audited."""
    if lock.kind == LockKind.ACCOUNT:
        if lock.user is None or not lock.is_active():
            raise Conflict("该锁定已解除或已到期", code="not_locked")
        unlock_account(actor, lock.user, reason)
        return
    reason = _reason(reason)
    now = utcnow()
    if not lock.is_active(now):
        raise Conflict("该锁定已解除或已到期", code="not_locked")
    _lift_rows(sa.select(LoginLock).where(LoginLock.kind == LockKind.ADDRESS, LoginLock.ip == lock.ip),
               actor, reason, now)
    audit("security", "address.unlocked", f"{actor.username} 解除了来源地址 {lock.ip} 的登录限制：{reason}",
          actor=actor, object_type="login_locks", object_id=lock.id,
          data={"ip": lock.ip, "reason": reason, "failures": lock.failures,
                "locked_until": lock.locked_until.isoformat()})
    db.session.flush()
