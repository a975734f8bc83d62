"""LTI 1.3: the tools the platform launches, its own signing keys, line items and the scores tools send."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduplatform.core.db import TimestampMixin, utcnow
from eduplatform.core.extensions import db


class LtiTool(TimestampMixin, db.Model):
    """A registered LTI 1.3 tool (外部工具): what the platform needs to launch it and to trust its JWTs."""

    __tablename__ = "lti_tools"
    __table_args__ = (sa.UniqueConstraint("client_id"),)
    __audit_type__ = "lti_tool"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The OAuth client id the platform gave the tool (``aud`` of our id_tokens, ``iss`` of its JWTs).
    client_id: Mapped[str] = mapped_column(sa.String(200))
    deployment_id: Mapped[str] = mapped_column(sa.String(200))
    #: The tool's OIDC login initiation URL (third-party initiated login goes there).
    login_url: Mapped[str] = mapped_column(sa.String(1000))
    #: The default target link (launch URL) when a lesson names none.
    launch_url: Mapped[str] = mapped_column(sa.String(1000))
    #: Registered redirect URIs, one per line (the auth request's redirect_uri must be one of them).
    redirect_urls: Mapped[str] = mapped_column(sa.Text, default="")
    #: Where the tool publishes its keys; or ``public_key`` (PEM) when it has no JWKS.
    jwks_url: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    public_key: Mapped[str | None] = mapped_column(sa.Text, default=None)
    #: Deep linking: where the platform sends LtiDeepLinkingRequest (empty: the tool has none).
    deep_link_url: Mapped[str | None] = mapped_column(sa.String(1000), default=None)
    #: Privacy: whether launches carry the learner's name and e-mail.
    share_name: Mapped[bool] = mapped_column(default=True)
    share_email: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    #: The unit that registered it: its courses (and those of units below) may use it; None: platform-wide.
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"), default=None, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), default=None)

    org = relationship("OrgUnit")

    @property
    def redirect_list(self) -> list[str]:
        return [line.strip() for line in (self.redirect_urls or "").splitlines() if line.strip()]


class LtiPlatformKey(db.Model):
    """One of the platform's RSA signing keys. The newest unretired key signs; a retired key is still
    published in ``/lti/jwks`` until ``retired_at`` + the grace period."""

    __tablename__ = "lti_platform_keys"
    __audit_type__ = "lti_platform_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: PKCS #8 PEM, encrypted with ``LTI_KEY_PASSWORD`` (else a key derived from ``SECRET_KEY``).
    private_pem: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class LtiUserId(db.Model):
    """The stable, opaque ``sub`` a tool knows a user by (one per tool and user)."""

    __tablename__ = "lti_user_ids"
    __table_args__ = (sa.UniqueConstraint("tool_id", "user_id"), sa.UniqueConstraint("sub"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_tools.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    sub: Mapped[str] = mapped_column(sa.String(64))


class LtiLineItem(TimestampMixin, db.Model):
    """An AGS line item (a gradebook column) of a lesson; the lesson's default one is made at first launch."""

    __tablename__ = "lti_line_items"
    __audit_type__ = "lti_line_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("course_lessons.id", ondelete="CASCADE"), index=True)
    tool_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_tools.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    score_maximum: Mapped[float] = mapped_column(sa.Float, default=100)
    resource_id: Mapped[str] = mapped_column(sa.String(200), default="")
    tag: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The default line item of the lesson's resource link: its scores feed the lesson's completion.
    is_default: Mapped[bool] = mapped_column(default=False)

    lesson = relationship("Lesson")


class LtiScore(db.Model):
    """The latest score a tool POSTed for one learner on one line item (AGS keeps the latest)."""

    __tablename__ = "lti_scores"
    __table_args__ = (sa.UniqueConstraint("line_item_id", "user_id"),)
    __audit_type__ = "lti_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_item_id: Mapped[int] = mapped_column(sa.ForeignKey("lti_line_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    score_given: Mapped[float | None] = mapped_column(sa.Float, default=None)
    score_maximum: Mapped[float | None] = mapped_column(sa.Float, default=None)
    activity_progress: Mapped[str] = mapped_column(sa.String(32), default="")
    grading_progress: Mapped[str] = mapped_column(sa.String(32), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    #: The tool's own timestamp of the score (a score older than the stored one is ignored).
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    line_item = relationship("LtiLineItem")
    user = relationship("User")


class LtiSeenId(db.Model):
    """Nonces of auth requests and ``jti`` of client assertions already used (a replay is refused)."""

    __tablename__ = "lti_seen_ids"
    __table_args__ = (sa.UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    value: Mapped[str] = mapped_column(sa.String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)
