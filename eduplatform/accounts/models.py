"""Users, their roles and their API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, enum_column, utcnow
from eduplatform.core.extensions import db
from eduplatform.orgs.models import OrgUnit


class Role(enum.StrEnum):
    """Every role on the platform; the codes are what the CLI and the API accept."""

    SYSADMIN = "sysadmin"
    SECADMIN = "secadmin"
    AUDITOR = "auditor"
    BUREAU_LEADER = "bureau_leader"
    BUREAU_STAFF = "bureau_staff"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    STUDENT = "student"
    PUBLIC = "public"
    #: 家长: belongs to no org unit; reaches only the children linked to it (``eduplatform.families``).
    PARENT = "parent"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SYSADMIN: "系统管理员",
    Role.SECADMIN: "安全管理员",
    Role.AUDITOR: "审计管理员",
    Role.BUREAU_LEADER: "局领导",
    Role.BUREAU_STAFF: "教育局工作人员",
    Role.SCHOOL_ADMIN: "学校管理员",
    Role.TEACHER: "教师",
    Role.STUDENT: "学生",
    Role.PUBLIC: "公众用户",
    Role.PARENT: "家长",
}

#: 三员分立: each of these roles is held alone, never together with any other role.
SOLE_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
BUREAU_ROLES = frozenset({Role.BUREAU_LEADER, Role.BUREAU_STAFF})
SCHOOL_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT})


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Public users (citizens) belong to no org unit.
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    #: Set for initial and reset passwords: the user must choose their own before doing anything.
    must_change_password: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Bumped on password change or lock: invalidates every session and token issued before.
    session_version: Mapped[int] = mapped_column(default=1)

    org: Mapped[OrgUnit | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def role_labels(self) -> list[str]:
        return [r.label for r in sorted(self.roles, key=list(Role).index)]

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:
        # The version makes an old session cookie useless once the password changes.
        return f"{self.id}:{self.session_version}"

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    @property
    def scope_root(self) -> OrgUnit | None:
        """The unit whose subtree this user acts on (a department acts for its bureau)."""
        return self.org.owning_bureau_or_school if self.org else None

    def business_scope(self) -> OrgUnit | None:
        """The unit whose subtree of business records this user may see, or None: 三员分立 keeps the
        system, security and audit administrators out of business records; the public and parents
        (家长: not school staff) have no unit."""
        if self.roles & SOLE_ROLES or self.has_role(Role.PUBLIC, Role.PARENT):
            return None
        return self.scope_root

    def administers_every_org(self) -> bool:
        """The system and security administrators administer the accounts and units of every org."""
        return self.has_role(Role.SYSADMIN, Role.SECADMIN)


class LoginSession(db.Model):
    """One browser login. The session cookie names it; logging out ends it here, so a copy of the
    cookie — a response still in flight re-setting it, or a stolen one — no longer logs anybody in."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str | None] = mapped_column(sa.String(45))


class SsoLogin(db.Model):
    """The identity-service side of a browser login made through 统一身份认证 (``accounts.sso``):
    who the provider said it was (``issuer`` + ``subject``), the provider's session (``sid``) a
    back-channel logout names, and the id_token sent back as ``id_token_hint`` on logout."""

    __tablename__ = "sso_logins"

    login_session_id: Mapped[str] = mapped_column(
        sa.ForeignKey("login_sessions.id", ondelete="CASCADE"), primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    subject: Mapped[str] = mapped_column(sa.String(255))
    sid: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    id_token: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    login: Mapped[LoginSession] = relationship()

    __table_args__ = (sa.Index("ix_sso_logins_issuer_subject", "issuer", "subject"),
                      sa.Index("ix_sso_logins_issuer_sid", "issuer", "sid"))


class IdNumberHash(db.Model):
    """HMAC-SHA256 of an account's 居民身份证号 under the server's SSO key (``accounts.sso``): the
    identity service's ID-number claim is matched against it; the number itself is never kept."""

    __tablename__ = "user_id_number_hashes"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)


class ApiToken(db.Model):
    """A bearer token for the REST API; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    session_version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class LockKind(enum.StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"

    @property
    def label(self) -> str:
        return {"account": "账户", "address": "来源地址"}[self.value]


class LoginFailure(db.Model):
    """One refused login attempt: counted per client address across all accounts (throttling),
    and kept for a while so that a lock can say where its failures came from.

    In the database so that every worker sees the same counts."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_ip_at", "ip", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(sa.String(45))
    #: The name as typed (it may name nobody).
    username: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LoginLock(db.Model):
    """A lock with its reason: an account after repeated failures, or a client address that failed
    too often across accounts. ``users.locked_until`` stays the account's lock itself (every
    check reads it); this row says why, from where, and who lifted it."""

    __tablename__ = "login_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LockKind] = mapped_column(enum_column(LockKind))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ip: Mapped[str | None] = mapped_column(sa.String(45), index=True)
    #: How many failures led to the lock.
    failures: Mapped[int] = mapped_column()
    #: Where they came from: [{"ip", "username", "count"}] (addresses for an account lock, the
    #: account names tried for an address lock).
    sources: Mapped[list] = mapped_column(default=list)
    first_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime] = mapped_column()
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)
    lift_reason: Mapped[str | None] = mapped_column(sa.Text, default=None)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])

    def is_active(self, now: datetime | None = None) -> bool:
        return self.lifted_at is None and self.locked_until > (now or utcnow())
