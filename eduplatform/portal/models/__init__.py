"""The portal's tables: columns and articles (``content``), 依申请公开 (``disclosure``) and its annual report,
领导信箱 (``letters``), the 内外网 ferry (``ferry``)."""

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
from eduplatform.portal.models.letters import HotlineCallback, Letter, LetterEntry  # noqa: F401
