"""Full-text indexing of questions written in bulk (imports), after the commit like everything else.

Bulk inserts bypass the ORM hooks that index objects after commit (``search.registry``). Here the
ids are remembered on the session; after the commit, up to ``INLINE_MAX`` questions are indexed at
once (their documents built before the commit, inside the transaction); a larger import is indexed
by a background thread with its own session, so that the request that confirmed ten thousand
questions returns when they are saved. Until it finishes they are listed and filtered (database
queries) but not yet found by full-text search; if the process dies first, ``flask reindex`` heals
and ``flask check`` reports the gap.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, selectinload

from eduplatform.core.extensions import db

INLINE_MAX = 500
BATCH = 500
_PENDING = "edu_questions_bulk_index"
_READY = "edu_questions_bulk_docs"
#: Background indexing threads started by this process (the benchmark waits for them).
threads: list[threading.Thread] = []


def index_after_commit(ids: list[int]) -> None:
    db.session.info.setdefault(_PENDING, []).extend(ids)


def _documents(session: Session, ids: list[int]) -> list:
    from eduplatform.questions.models import Question
    from eduplatform.questions.services import question_document

    docs = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        questions = session.scalars(sa.select(Question).where(Question.id.in_(chunk))
                                    .options(selectinload(Question.knowledge_points), selectinload(Question.org)))
        docs.extend(doc for doc in map(question_document, questions) if doc is not None)
    return docs


def _before_commit(session: Session) -> None:
    ids = session.info.get(_PENDING)
    if ids and (len(ids) <= INLINE_MAX or current_app.testing):
        session.info.pop(_PENDING)
        session.info[_READY] = _documents(session, ids)


def _after_commit(session: Session) -> None:
    docs = session.info.pop(_READY, None)
    ids = session.info.pop(_PENDING, None)
    if docs:
        _index(docs)
    if ids:
        app = current_app._get_current_object()
        thread = threading.Thread(target=_index_in_background, args=(app, ids), name="questions-index", daemon=True)
        threads.append(thread)
        thread.start()


def _index(docs) -> None:
    from eduplatform.core.search.registry import get_search

    try:
        get_search().index(docs)
    except Exception:  # the database is the truth: `flask reindex` heals, `flask check` reports
        current_app.logger.exception("indexing imported questions failed")


def _index_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            for start in range(0, len(ids), BATCH):
                _index(_documents(db.session, ids[start:start + BATCH]))
            app.logger.info("indexed %d imported questions", len(ids))
        finally:
            db.session.remove()


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_READY, None)


_installed = False


def install_hooks() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _forget)
