"""Portal pages: the public site (no login) and the staff's content management."""

from eduplatform.portal.views import content_admin, disclosure, open, site  # noqa: F401
