"""API input and output shapes for accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from eduplatform.accounts.models import Role
from eduplatform.core.api import EnumArg


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256), load_only=True)


class TokenSchema(Schema):
    token = fields.String()
    expires_at = fields.DateTime()
    must_change_password = fields.Boolean()


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)


class OrgRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    type = fields.Function(lambda org: org.type.value)


class UserSchema(Schema):
    """A user as admins see it. Personal contact data is masked unless the view is "admin"."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    roles = fields.Function(lambda user: sorted(r.value for r in user.roles))
    org = fields.Nested(OrgRefSchema, allow_none=True)
    is_active = fields.Boolean(attribute="is_active_account")
    locked = fields.Function(lambda user: user.is_locked())
    must_change_password = fields.Boolean()
    last_login_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    phone = fields.Method("_phone")
    email = fields.Method("_email")

    def __init__(self, *args, view: str = "list", **kwargs):
        super().__init__(*args, **kwargs)
        self.view = view

    def _phone(self, user):
        return user.phone if self.view == "admin" else mask_phone(user.phone)

    def _email(self, user):
        return user.email if self.view == "admin" else mask_email(user.email)


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.-]{3,64}$",
                                                                     error="用户名须为 3–64 位字母、数字或 _ . -"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    roles = fields.List(fields.Enum(Role, by_value=True), required=True,
                        validate=validate.Length(min=1, error="至少选择一个角色"))
    org = fields.String(load_default=None, allow_none=True, metadata={"description": "单位代码"})
    password = fields.String(load_default=None, allow_none=True, load_only=True,
                             metadata={"description": "初始密码；不填则自动生成并在响应中返回一次"})
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^[0-9+\- ]{5,20}$", error="电话号码格式不正确"))


class UserListArgsSchema(Schema):
    org = fields.String(load_default=None)
    role = EnumArg(Role, load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=64))


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    name, domain = email.split("@", 1)
    return name[:1] + "***@" + domain


class LiftLockSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class LockSourceSchema(Schema):
    ip = fields.String()
    username = fields.String()
    count = fields.Integer()


class LockSchema(Schema):
    """A current login lock with its reason, for the security administrator."""

    id = fields.Integer(allow_none=True, metadata={"description": "锁定记录编号（解除时用）"})
    kind = fields.String(metadata={"description": "account（账户）或 address（来源地址）"})
    user = fields.Dict(allow_none=True)
    ip = fields.String(allow_none=True)
    failures = fields.Integer(allow_none=True)
    sources = fields.List(fields.Nested(LockSourceSchema))
    first_failure_at = fields.DateTime(allow_none=True)
    locked_at = fields.DateTime(allow_none=True)
    locked_until = fields.DateTime()


def lock_entries(accounts, addresses) -> list[dict]:
    """Both kinds of lock as one list of LockSchema-shaped dicts."""
    entries = []
    for item in accounts:
        lock = item.lock
        entries.append({"id": lock.id if lock else None, "kind": "account",
                        "user": {"id": item.user.id, "username": item.user.username,
                                 "display_name": item.user.display_name},
                        "ip": None, "failures": lock.failures if lock else None,
                        "sources": lock.sources if lock else [],
                        "first_failure_at": lock.first_failure_at if lock else None,
                        "locked_at": lock.locked_at if lock else None, "locked_until": item.locked_until})
    for lock in addresses:
        entries.append({"id": lock.id, "kind": "address", "user": None, "ip": lock.ip,
                        "failures": lock.failures, "sources": lock.sources,
                        "first_failure_at": lock.first_failure_at, "locked_at": lock.locked_at,
                        "locked_until": lock.locked_until})
    return entries
