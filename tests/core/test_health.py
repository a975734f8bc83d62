"""/healthz names the part that is down."""

from __future__ import annotations

from eduplatform.core.search.whoosh_backend import WhooshSearch
from eduplatform.core.storage.filesystem import FileSystemStorage


def test_all_parts_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok", "search": "ok"}


def test_storage_down_is_503_and_named(app, client, tmp_path):
    broken = tmp_path / "gone"
    app.extensions["edu_storage"] = FileSystemStorage(broken)
    broken.rmdir() if broken.is_dir() else None
    broken.write_text("not a directory")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["storage"].startswith("error") and body["database"] == "ok"


def test_search_down_is_503_and_named(app, client, tmp_path):
    index_dir = tmp_path / "index-file"
    app.extensions["edu_search"] = WhooshSearch(index_dir)
    if index_dir.is_dir():
        import shutil

        shutil.rmtree(index_dir)
    index_dir.write_text("not an index")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["search"].startswith("error")
