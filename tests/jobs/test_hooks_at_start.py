"""The job system's Session listeners exist from start-up: installed on the first enqueue instead,
they were added while other threads' commits ran the listeners, and those commits failed with
"deque mutated during iteration" (seen under gunicorn threads in tests/concurrency)."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.jobs import service


def test_send_after_commit_listeners_are_installed_by_create_app(app):
    assert event.contains(Session, "after_commit", service._send_committed)
    assert event.contains(Session, "after_soft_rollback", service._forget)
