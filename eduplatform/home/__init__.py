"""The home page, health check and API index."""

from flask import Blueprint

bp = Blueprint("home", __name__)

#: The endpoint an anonymous visitor of ``/`` is sent to (the public portal registers it);
#: without one, ``/`` asks for a login as before.
_public_home: list[str] = []


def register_public_home(endpoint: str) -> None:
    _public_home[:] = [endpoint]


def public_home() -> str | None:
    return _public_home[0] if _public_home else None



#: the home domain's own workbench cards (the merged to-do list, the notices)
from eduplatform.home.workbench import PANELS as WORKBENCH_PANELS  # noqa: F401
