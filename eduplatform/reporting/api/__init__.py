"""REST API for reporting: templates, tasks, submissions, review, results, Excel and bulk exchange."""

from eduplatform.core.api import make_api_blueprint

bp = make_api_blueprint("reporting_api", __name__)

from eduplatform.reporting.api import exchange, inbox, results, submissions, tasks, templates  # noqa: F401
