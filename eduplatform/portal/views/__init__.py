"""Portal pages: the public site (no login) and the staff's content management."""

from eduplatform.portal.views import (
    disclosure,  # noqa: F401
    site,  # noqa: F401
)
