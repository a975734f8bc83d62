"""The document (公文), its 正文 versions and the 发文字号 counters."""

from eduplatform.documents.models.document import (  # noqa: F401
    SECRECY_LEVELS,
    URGENCY_LEVELS,
    AccessGrant,
    BodyVersion,
    Circulation,
    Delivery,
    Document,
    NumberCounter,
)
