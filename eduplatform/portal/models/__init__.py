"""The portal's tables: columns and articles (``content``); 依申请公开 adds its own modules here."""

from eduplatform.portal.models.content import (  # noqa: F401
    VALIDITY_LABELS,
    Article,
    ArticleAttachment,
    ArticleState,
    ArticleVersion,
    IndexCounter,
    PortalColumn,
    Validity,
)
