"""Streamed response bodies that outlive the view's database session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import stream_with_context


def stream_after_request(produce: Callable[..., Iterator], *args, **kwargs) -> Iterator:
    """A body for ``Response`` that calls ``produce(*args, **kwargs)`` only when it is first read.

    The server reads a streamed body after the view has returned and the request's teardown has
    closed its session: rows and objects loaded in the view are detached by then (identity map
    no longer valid, DetachedInstanceError). ``produce`` runs inside the request's contexts pushed
    again, so its queries open a fresh session, which the same teardown closes when the stream
    ends. Hand it ids, statements and plain values — never ORM objects loaded in the view.
    """

    def body():
        yield from produce(*args, **kwargs)

    return stream_with_context(body())
