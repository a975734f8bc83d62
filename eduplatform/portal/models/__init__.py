"""The portal's tables."""

from eduplatform.portal.models.disclosure import (  # noqa: F401
    DisclosureEntry,
    DisclosureLetterCounter,
    DisclosurePause,
    DisclosureRequest,
)
