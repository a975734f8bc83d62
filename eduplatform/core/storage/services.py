"""Storing uploads so that a row never exists without its object, nor an object without its row.

The object is written first; its key is remembered on the session. If the transaction rolls back,
the objects it wrote are deleted; a row deleted in a transaction loses its object only after commit.
``init_app`` wires the storage into the application: the backend, these hooks, the upload inspection.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import BinaryIO

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.signals import audit
from eduplatform.core.storage.base import ObjectTooLarge
from eduplatform.core.storage.inspect import (
    REFUSALS,
    ArchiveLimits,
    human_size,
    inspect_upload,
    inspect_zip,
    install_request_inspection,
    is_zip,
)
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.registry import build_storage, get_storage
from eduplatform.core.storage.streams import RangeReader

_PENDING_PUTS = "edu_storage_pending_puts"
_PENDING_DELETES = "edu_storage_pending_deletes"
_UNSAFE_FILENAME_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_filename(name: str | None, default: str = "file") -> str:
    """The last path component of a user-supplied name, without control or reserved characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME_CHARS.sub("_", name).strip(" .")
    return name[:200] or default


def new_key(prefix: str, filename: str) -> str:
    """A platform-made key: prefix/yyyy/mm/uuid.ext — the user's name never reaches the path."""
    now: datetime = utcnow()
    ext = ""
    if "." in filename:
        candidate = filename.rsplit(".", 1)[1].lower()
        if re.fullmatch(r"[a-z0-9]{1,10}", candidate):
            ext = "." + candidate
    return f"{prefix}/{now:%Y/%m}/{uuid.uuid4().hex}{ext}"


def store_file(stream: BinaryIO, *, prefix: str, filename: str | None, content_type: str | None,
               actor=None, max_size: int | None = None,
               archive_limits: ArchiveLimits | bool | None = None) -> StoredFile:
    """Stream an upload into storage and add its row to the current transaction.

    Every upload is inspected here (:mod:`eduplatform.core.storage.inspect`): its name and first bytes
    before anything is written, and, when it is a ZIP (DOCX/PPTX/XLSX included), the whole archive
    once stored — refused, the object is deleted at once. ``archive_limits`` overrides the
    configured limits; ``False`` means the caller has just inspected this very archive.
    """
    limit = min(filter(None, [max_size, current_app.config["MAX_UPLOAD_BYTES"]]))
    # A spooled upload's size is known: refused before a byte is written; a stream meets the limit in put().
    inspected = inspect_upload(stream, filename=filename or "", require_name=False, max_bytes=limit)
    storage = get_storage()
    name = safe_filename(filename)
    key = new_key(prefix, name)
    try:
        result = storage.put(key, inspected.stream, max_size=limit,
                             content_type=content_type or "application/octet-stream")
    except ObjectTooLarge as exc:
        raise REFUSALS.too_large(limit) from exc
    if is_zip(inspected.head) and archive_limits is not False:
        try:
            inspect_zip(RangeReader(storage, key, result.size),
                        limits=archive_limits if isinstance(archive_limits, ArchiveLimits) else None)
        except BaseException:
            storage.delete(key)
            raise
    db.session.info.setdefault(_PENDING_PUTS, []).append(key)
    stored = StoredFile(backend=storage.name, key=key, filename=name,
                        content_type=content_type or "application/octet-stream",
                        size=result.size, sha256=result.sha256,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(stored)
    db.session.flush()
    audit("storage", "file.stored", f"保存文件 {name}（{human_size(result.size)}）", actor=actor,
          obj=stored, data={"key": key, "sha256": result.sha256})
    return stored


def delete_file(stored: StoredFile, *, actor=None) -> None:
    """Delete the row now and the object once the transaction commits."""
    db.session.info.setdefault(_PENDING_DELETES, []).append(stored.key)
    audit("storage", "file.deleted", f"删除文件 {stored.filename}", actor=actor, obj=stored)
    db.session.delete(stored)
    db.session.flush()


_hooks_installed = False


def init_app(app: Flask) -> None:
    """The backend from the config (or ``STORAGE_INSTANCE``), the transaction hooks, and the
    inspection of every uploaded file before a view reads it."""
    app.extensions["edu_storage"] = app.config.get("STORAGE_INSTANCE") or build_storage(app.config)
    install_transaction_hooks()
    install_request_inspection(app)


def install_transaction_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session):
        session.info.pop(_PENDING_PUTS, None)
        keys = session.info.pop(_PENDING_DELETES, None)
        if keys:
            storage = get_storage()
            for key in keys:
                storage.delete(key)

    @event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session: Session, previous_transaction):
        # Only an outermost rollback undoes the whole transaction's objects.
        if previous_transaction.parent is not None:
            return
        session.info.pop(_PENDING_DELETES, None)
        keys = session.info.pop(_PENDING_PUTS, None)
        if keys:
            storage = get_storage()
            for key in keys:
                storage.delete(key)
