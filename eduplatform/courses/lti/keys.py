"""The platform's RSA signing keys: stored encrypted, published in ``/lti/jwks``, rotated with a grace period.

The newest key that is not retired signs id_tokens and deep-linking requests. Rotation makes a new key
and retires the old one: its ``kid`` stays in the key set for ``LTI_KEY_GRACE_SECONDS`` (7 days) so
that tokens it signed a moment ago still verify, then disappears (and tools refuse it). Private keys
are PKCS #8 PEM encrypted with ``LTI_KEY_PASSWORD`` (``EDU_LTI_KEY_PASSWORD``), or, when unset, with a
key derived from ``SECRET_KEY`` (as the audit chain derives its key) — the database alone does not sign.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import timedelta

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app

from eduplatform.audit.services import record
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.courses.models import LtiPlatformKey

REALM = "courses"


def _password() -> bytes:
    configured = current_app.config.get("LTI_KEY_PASSWORD")
    if configured:
        return str(configured).encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"eduplatform-lti-platform-keys", hashlib.sha256).hexdigest().encode()


def _new_key() -> LtiPlatformKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_urlsafe(12)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(_password())).decode()
    return LtiPlatformKey(kid=kid, private_pem=pem, public_jwk=jwk, created_at=utcnow())


def grace() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("LTI_KEY_GRACE_SECONDS", 7 * 86400)))


def current_key() -> LtiPlatformKey:
    """The key that signs now (made on first use)."""
    key = db.session.scalar(sa.select(LtiPlatformKey).where(LtiPlatformKey.retired_at.is_(None))
                            .order_by(LtiPlatformKey.id.desc()).limit(1))
    if key is None:
        key = _new_key()
        db.session.add(key)
        db.session.flush()
        record(REALM, "lti.key_created", f"生成 LTI 平台签名密钥 {key.kid}", obj=key, data={"kid": key.kid})
    return key


def published_keys() -> list[LtiPlatformKey]:
    """The keys in the key set: the current one and those retired less than the grace period ago."""
    cutoff = utcnow() - grace()
    return list(db.session.scalars(sa.select(LtiPlatformKey).where(
        sa.or_(LtiPlatformKey.retired_at.is_(None), LtiPlatformKey.retired_at > cutoff))
        .order_by(LtiPlatformKey.id.desc())))


def jwks() -> dict:
    return {"keys": [dict(key.public_jwk) for key in published_keys()]}


def rotate(actor) -> LtiPlatformKey:
    """A new signing key; the old ones are retired (still published for the grace period)."""
    now = utcnow()
    old = list(db.session.scalars(sa.select(LtiPlatformKey).where(LtiPlatformKey.retired_at.is_(None))))
    for key in old:
        key.retired_at = now
    key = _new_key()
    db.session.add(key)
    db.session.flush()
    record(REALM, "lti.key_rotated", f"轮换 LTI 平台签名密钥：新密钥 {key.kid}", actor=actor, obj=key,
           data={"kid": key.kid, "retired": [k.kid for k in old], "grace_seconds": int(grace().total_seconds())})
    return key


def sign(claims: dict) -> str:
    """An RS256 JWT signed with the current key, its ``kid`` in the header."""
    key = current_key()
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=_password())
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})
