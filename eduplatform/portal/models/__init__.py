"""The portal's tables: columns and articles (``content``), 依申请公开 (``disclosure``), the annual report."""

from eduplatform.portal.models.annual_report import AnnualReport  # noqa: F401
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
from eduplatform.portal.models.disclosure import (  # noqa: F401
    DisclosureEntry,
    DisclosureLetterCounter,
    DisclosurePause,
    DisclosureRequest,
)
from eduplatform.portal.models.ferry import FerryCursor, FerryDigest, FerryPackage  # noqa: F401
