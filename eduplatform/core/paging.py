"""Page numbers: the bound every list (HTML and API) and ``db.paginate`` share.

Below ``core.api`` and ``core.extensions`` both: the API's page arguments and the bounded
``db.paginate`` read it, and it imports neither, so the two import one way (api → extensions).
"""

from __future__ import annotations

from flask import has_request_context, request

from eduplatform.core.converters import MAX_INT

#: The highest page number anyone can ask for: its offset (page × per_page) stays far inside 64 bits.
MAX_PAGE = MAX_INT


def page_number(page: object = None) -> int:
    """The page of an HTML list (``page`` or ?page=): unreadable → 1, past ``MAX_PAGE`` → ``MAX_PAGE``.

    Pages are forgiving (a hand-edited link still shows a list); only the API answers 422.
    """
    if page is None and has_request_context():
        page = request.args.get("page", 1)
    try:
        number = int(page)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # also a string past Python's int digit limit
        return 1
    return min(max(number, 1), MAX_PAGE)
