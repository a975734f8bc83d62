"""Streamed responses that read the database while they stream.

Flask tears the request's app context down when the view returns, and Flask-SQLAlchemy removes the
session with it; ``stream_with_context`` then pushes the contexts again for the generator, which
gets a new session. Instances the view loaded are detached by then (lazy loads fail) and a result
it executed has lost its connection — the download breaks off after its first line. So the view
hands over what to stream and the objects it checked, and they are loaded again in the session
that serves the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import sqlalchemy as sa
from flask import stream_with_context

from eduplatform.extensions import db


def stream_from_database(generate: Callable[..., Iterator], *objects) -> Iterator:
    """``stream_with_context(generate(*objects))``, with ``objects`` (model instances or None)
    re-loaded by primary key in the streaming session before ``generate`` runs."""
    keys = [None if obj is None else (type(obj), sa.inspect(obj).identity) for obj in objects]

    def run():
        yield from generate(*(None if key is None else db.session.get(*key) for key in keys))

    return stream_with_context(run())
