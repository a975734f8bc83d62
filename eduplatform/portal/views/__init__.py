"""Portal pages: the public site (no login) and the staff's content management."""

from eduplatform.portal.views import annual_report, content_admin, disclosure, ferry, letters, open, site  # noqa: F401
