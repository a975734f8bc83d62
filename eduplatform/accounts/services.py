"""Account operations: credential checks, passwords, lock-out, users, issuing API tokens.

Services flush and audit; the view commits (one commit per request).
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime, timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from eduplatform.accounts import lockout
from eduplatform.accounts.authentication import hash_token
from eduplatform.accounts.models import (
    BUREAU_ROLES,
    SCHOOL_ROLES,
    SOLE_ROLES,
    ApiToken,
    Role,
    User,
    UserRole,
)
from eduplatform.accounts.passwords import password_problems
from eduplatform.core.db import utcnow
from eduplatform.core.errors import AppError, ValidationFailed
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.orgs.models import OrgType, OrgUnit

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


class LoginFailed(AppError):
    status = 401
    code = "login_failed"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username))


# --- logging in ------------------------------------------------------------------------------

_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password made with the configured method: checked against for unknown
    and locked accounts, so that every refused login costs one real verification (no account
    enumeration, no lock detection by timing)."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


def authenticate(username: str, password: str) -> User:
    """Check the credentials; raise LoginFailed, with one message for every refusal.

    Unknown name, wrong password, locked account and throttled address answer the same words
    and status, and each of the first three runs exactly one password verification. A failure is
    audited and counted in the session: the caller commits before answering, since a refused login
    is exactly what must be kept.
    """
    now = utcnow()
    name = username.strip()
    ip = lockout.request_address()
    if lockout.address_lock(ip, now) is not None:
        audit("security", "login.throttled",
              f"来源地址 {ip} 登录失败过多、暂被限制，拒绝其登录尝试（用户名 {name[:64]}）",
              data={"ip": ip}, actor_name=name)
        raise LoginFailed(lockout.FAILURE_MESSAGE)
    user = find_user(name)
    usable = user is not None and not user.is_locked(now)
    verified = check_password_hash(user.password_hash if usable else _dummy_hash(), password)
    if usable and verified:
        if not user.is_active_account:
            # Said only to whoever knows the password: it reveals nothing to a guesser.
            audit("security", "login.refused", f"已停用账户 {user.username} 尝试登录", actor=user, obj=user)
            raise LoginFailed("该账户已停用，请联系管理员")
        lockout.reset_failures(user)
        return user
    lockout.register_failure(name, user, ip, now)
    raise LoginFailed(lockout.FAILURE_MESSAGE)


# --- passwords -------------------------------------------------------------------------------

def check_password_policy(password: str, username: str | None, field: str = "password") -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise ValidationFailed("；".join(problems), code="weak_password", fields={field: problems})


class WrongCurrentPassword(ValidationFailed):
    """The current password did not match: counted like a failed login (the caller commits it)."""

    code = "wrong_password"


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the caller's password. Checking the current one is a credential check like a login:
    a stolen session must not become a way round the lock-out and the address throttle."""
    now = utcnow()
    ip = lockout.request_address()
    if lockout.address_lock(ip, now) is not None or user.is_locked(now):
        raise ValidationFailed("登录失败次数过多，请稍后再试或联系安全管理员", code="throttled",
                               fields={"current_password": ["登录失败次数过多，请稍后再试"]})
    if not check_password_hash(user.password_hash, current_password):
        lockout.register_failure(user.username, user, ip, now)
        raise WrongCurrentPassword("当前密码不正确", fields={"current_password": ["当前密码不正确"]})
    if check_password_hash(user.password_hash, new_password):
        raise ValidationFailed("新密码不能与当前密码相同", code="weak_password",
                               fields={"new_password": ["新密码不能与当前密码相同"]})
    check_password_policy(new_password, user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.session_version += 1  # every other session and token of this user ends here
    audit("accounts", "password.changed", f"{user.username} 修改了密码", actor=user, obj=user)
    db.session.flush()


_SLIP_DIGITS = "23456789"
_SLIP_ALPHABET = "".join(c for c in string.ascii_letters if c not in "OoIl") + _SLIP_DIGITS


def generate_initial_password(length: int = 12) -> str:
    """A random password that satisfies the policy, for new or reset accounts.

    It is printed on account slips and typed by children: look-alikes (0/O/o, 1/l/I) are left out.
    """
    while True:
        body = "".join(secrets.choice(_SLIP_ALPHABET) for _ in range(length - 2))
        candidate = body + secrets.choice("@#%+=") + secrets.choice(_SLIP_DIGITS)
        if not password_problems(candidate):
            return candidate


def reset_password(actor: User, user: User) -> str:
    """Give the user a new initial password (shown once to the admin) and clear any lock."""
    password = generate_initial_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    user.session_version += 1
    lockout.reset_failures(user)
    if user.locked_until is not None:
        lockout.end_account_lock_rows(actor, user, "重置密码")
    user.locked_until = None
    audit("security", "password.reset", f"{actor.username} 重置了 {user.username} 的密码", actor=actor, obj=user)
    db.session.flush()
    return password


def unlock_user(actor: User, user: User, reason: str | None) -> None:
    lockout.unlock_account(actor, user, reason)


# --- users -----------------------------------------------------------------------------------

def validate_roles_for_org(roles: set[Role], org: OrgUnit | None) -> None:
    """The role set must make sense together and for the user's org unit."""
    if not roles:
        raise ValidationFailed("至少选择一个角色", fields={"roles": ["至少选择一个角色"]})
    sole = roles & SOLE_ROLES
    if sole and len(roles) > 1:
        raise ValidationFailed("三员分立：系统管理员、安全管理员、审计管理员不能兼任其他角色",
                               code="separation_of_duties", fields={"roles": ["三员角色须单独持有"]})
    if Role.PUBLIC in roles:
        if len(roles) > 1 or org is not None:
            raise ValidationFailed("公众用户不属于任何单位，也不能兼任其他角色", fields={"roles": ["公众用户须单独持有"]})
        return
    if Role.PARENT in roles:
        if len(roles) > 1 or org is not None:
            raise ValidationFailed("家长账户不属于任何单位，也不能兼任其他角色", fields={"roles": ["家长须单独持有"]})
        return
    if org is None:
        raise ValidationFailed("请选择所属单位", fields={"org": ["请选择所属单位"]})
    acting_org = org.owning_bureau_or_school
    if roles & BUREAU_ROLES and not acting_org.is_bureau:
        raise ValidationFailed("局领导、教育局工作人员须属于教育局或其科室", fields={"roles": ["角色与单位类型不符"]})
    if roles & SCHOOL_ROLES and acting_org.type != OrgType.SCHOOL:
        raise ValidationFailed("学校管理员、教师、学生须属于学校", fields={"roles": ["角色与单位类型不符"]})


def create_user(actor: User | None, *, username: str, display_name: str, roles: set[Role],
                org: OrgUnit | None, password: str | None = None, email: str | None = None,
                phone: str | None = None, must_change_password: bool = True) -> tuple[User, str]:
    """Create an account; returns the user and the initial password (generated when not given)."""
    username = username.strip()
    if not USERNAME_PATTERN.match(username):
        raise ValidationFailed("用户名须为 3–64 位字母、数字或 _ . -", fields={"username": ["格式不正确"]})
    if find_user(username) is not None:
        raise ValidationFailed(f"用户名 {username} 已被使用", code="duplicate",
                               fields={"username": ["用户名已被使用"]})
    validate_roles_for_org(roles, org)
    if password is None:
        password = generate_initial_password()
    else:
        check_password_policy(password, username)
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        password_hash=hash_password(password),
        org=org,
        email=email or None,
        phone=phone or None,
        must_change_password=must_change_password,
        role_rows=[UserRole(role=role) for role in sorted(roles)],
    )
    db.session.add(user)
    db.session.flush()
    audit("accounts", "user.created", f"创建用户 {username}（{'、'.join(user.role_labels)}）",
          actor=actor, obj=user, data={"roles": sorted(r.value for r in roles),
                                       "org": org.code if org else None})
    return user, password


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id:
        raise AppError("不能停用自己的账户", code="self_action")
    if user.is_active_account == active:
        return
    user.is_active_account = active
    user.session_version += 1
    audit("accounts", "user.activated" if active else "user.deactivated",
          f"{actor.username} {'启用' if active else '停用'}了 {user.username}", actor=actor, obj=user)
    db.session.flush()


# --- API tokens ------------------------------------------------------------------------------

def issue_api_token(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), expires_at=expires_at,
                            session_version=user.session_version))
    audit("security", "token.issued", f"{user.username} 获取了 API 令牌", actor=user, obj=user)
    db.session.flush()
    return token, expires_at
