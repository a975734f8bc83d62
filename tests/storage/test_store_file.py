"""Uploads: no object without its row, no row without its object."""

from __future__ import annotations

import hashlib
import io

import pytest

from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.core.storage.services import delete_file, safe_filename, store_file


def keys(storage) -> list[str]:
    return list(storage.iter_keys())


def test_store_commit_keeps_row_and_object(app, storage, people):
    data = "二次函数的图像与性质".encode() * 100
    stored = store_file(io.BytesIO(data), prefix="test", filename="../../课件.txt",
                        content_type="application/octet-stream", actor=people.teacher_a1)
    db.session.commit()
    assert stored.filename == "课件.txt"
    assert stored.key.startswith("test/") and stored.key.endswith(".txt") and ".." not in stored.key
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert b"".join(storage.open(stored.key)) == data
    assert keys(storage) == [stored.key]


def test_rollback_removes_the_object(app, storage):
    store_file(io.BytesIO(b"abc"), prefix="test", filename="x.txt", content_type="text/plain")
    assert len(keys(storage)) == 1
    db.session.rollback()
    assert keys(storage) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 0


def test_too_large_is_refused_and_leaves_nothing(app, storage):
    with pytest.raises(AppError) as caught:
        store_file(io.BytesIO(b"x" * 2048), prefix="test", filename="big.bin", content_type=None, max_size=1024)
    assert caught.value.status == 413 and "大小上限" in caught.value.message
    assert keys(storage) == []


def test_delete_removes_object_only_after_commit(app, storage):
    stored = store_file(io.BytesIO(b"abc"), prefix="test", filename="x.txt", content_type="text/plain")
    db.session.commit()
    key = stored.key
    delete_file(stored)
    assert storage.exists(key)  # still there: the transaction may yet roll back
    db.session.rollback()
    assert storage.exists(key)
    delete_file(db.session.scalar(db.select(StoredFile).where(StoredFile.key == key)))
    db.session.commit()
    assert not storage.exists(key)


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\a\\教案.docx", "教案.docx"),
    ("a\x00b<>.txt", "a_b__.txt"),
    ("", "file"),
    ("...", "file"),
])
def test_safe_filename(raw, expected):
    assert safe_filename(raw) == expected
