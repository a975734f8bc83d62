"""The document (公文), its 正文 versions, the 发文字号 counters and the 归档 件."""

from eduplatform.documents.models.archive import RETENTIONS, ArchiveCounter, ArchiveItem  # noqa: F401
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
