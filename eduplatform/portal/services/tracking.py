"""How the public follows a case without an account (依申请公开, 领导信箱): a 查询码 to quote and a
查询密码 shown once. Only the secret's hash is stored, and an unknown code costs the same comparison
as a wrong secret, so codes cannot be probed."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa

from eduplatform.core.errors import Conflict, NotFound
from eduplatform.core.extensions import db

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def hash_secret(secret: str) -> str:
    """The secret is 120 random bits: a plain SHA-256 is enough (no dictionary to try)."""
    return hashlib.sha256(secret.encode()).hexdigest()


#: the hash of a secret never issued: what an unknown code is compared against
_NEVER_ISSUED = hash_secret("never-issued")


def issue(model, prefix: str, year: int) -> tuple[str, str, str]:
    """(code, secret, secret hash) for a new case of ``model``: ``GK2026`` + 8 characters."""
    for _ in range(20):
        code = f"{prefix}{year}" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if not db.session.scalar(sa.select(model.id).where(model.tracking_code == code)):
            secret = secrets.token_urlsafe(15)
            return code, secret, hash_secret(secret)
    raise Conflict("生成查询码失败，请重试", code="code_exhausted")


def find(model, code: str | None, secret: str | None):
    """The case of ``code`` if ``secret`` is its own; one answer for an unknown code and a wrong one."""
    code = re.sub(r"\s+", "", (code or "")).upper()[:20]
    case = db.session.scalar(sa.select(model).where(model.tracking_code == code)) if code else None
    stored = case.secret_hash if case is not None else _NEVER_ISSUED
    if not hmac.compare_digest(hash_secret((secret or "").strip()), stored) or case is None:
        raise NotFound("查询码或查询密码不正确", code="not_found")
    return case
