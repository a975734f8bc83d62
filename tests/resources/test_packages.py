"""Offline packages: export, verified idempotent import, hostile packages refused whole."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import pytest

from eduplatform.core.extensions import db
from eduplatform.core.storage.models import StoredFile
from eduplatform.resources.models import Resource, ReviewState
from tests.assertions import denials
from tests.resources.conftest import make_pptx, storage_keys


@pytest.fixture
def package(client, upload, publish, people):
    """A package exported by the district, of two published resources."""
    ids = []
    for text in ("离线包甲|勾股定理", "离线包乙|相似三角形"):
        response = upload(people.teacher_a1, file=(make_pptx(text), "p.pptx"), title=text.split("|")[0])
        publish(response.get_json()["id"])
        ids.append(response.get_json()["id"])
    response = client.post("/api/v1/resource-packages/export", headers=upload.headers(people.district_a_staff),
                           json={"ids": ids})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    return response.data


def _rewrite(data: bytes, change) -> bytes:
    """A copy of a package with ``change(manifest, files)`` applied."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        files = {n: archive.read(n) for n in archive.namelist() if n != "manifest.json"}
    change(manifest, files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
        for name, content in files.items():
            if isinstance(content, zipfile.ZipInfo):
                archive.writestr(content, b"target")
            else:
                archive.writestr(name, content)
    return out.getvalue()


def _as_new_instance(manifest, files):
    for entry in manifest["resources"]:
        entry["uid"] = "new" + entry["uid"][3:]


def _import(client, headers, data: bytes):
    return client.post("/api/v1/resource-packages/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(data), "package.zip"), "visibility": "school"})


def test_export_contains_manifest_and_checksums(package):
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "eduplatform.resource-package" and len(manifest["resources"]) == 2
        entry = manifest["resources"][0]
        assert entry["type"] == "courseware" and entry["metadata"]["stage"] == "junior"
        import hashlib

        assert hashlib.sha256(archive.read(entry["file"]["path"])).hexdigest() == entry["file"]["sha256"]


def test_import_is_idempotent(client, upload, people, package):
    headers = upload.headers(people.school_b1_admin)
    # Importing into the instance it came from adds nothing: the uids are already here.
    same = _import(client, headers, package)
    assert same.status_code == 201 and same.get_json() == {"imported": 0, "skipped": 2, "resources": []}
    fresh = _rewrite(package, _as_new_instance)
    first = _import(client, headers, fresh)
    assert first.status_code == 201 and first.get_json()["imported"] == 2
    again = _import(client, headers, fresh)
    assert again.get_json()["imported"] == 0 and again.get_json()["skipped"] == 2
    imported = db.session.get(Resource, first.get_json()["resources"][0])
    assert imported.state == ReviewState.PUBLISHED and imported.org_id == people.school_b1_admin.org_id
    assert imported.visibility.value == "school" and imported.version.extracted_text  # processed
    found = client.get("/api/v1/resources?q=相似三角形", headers=upload.headers(people.teacher_b1)).get_json()
    assert imported.id in [i["resource"]["id"] for i in found["items"]] or found["total"] >= 1


def _bad_checksum(manifest, files):
    _as_new_instance(manifest, files)
    manifest["resources"][1]["file"]["sha256"] = "0" * 64


def _traversal(manifest, files):
    _as_new_instance(manifest, files)
    files["../../evil.txt"] = b"x"


def _traversal_in_manifest(manifest, files):
    _as_new_instance(manifest, files)
    manifest["resources"][0]["file"]["path"] = "../outside.pptx"


def _unknown_type(manifest, files):
    _as_new_instance(manifest, files)
    manifest["resources"][1]["type"] = "hologram"


def _bad_metadata(manifest, files):
    _as_new_instance(manifest, files)
    manifest["resources"][0]["metadata"]["stage"] = "大学"


def _symlink(manifest, files):
    _as_new_instance(manifest, files)
    info = zipfile.ZipInfo("files/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    files["files/link"] = info


def _zip_bomb(manifest, files):
    _as_new_instance(manifest, files)
    files["files/bomb.bin"] = b"\0" * (20 * 1024 * 1024)  # compresses ~1000:1


@pytest.mark.parametrize("change,reason", [
    (_bad_checksum, "校验和不符"),
    (_traversal, "跳出解压目录"),
    (_traversal_in_manifest, "路径不安全"),
    (_unknown_type, "不在本平台的规范中"),
    (_bad_metadata, "元数据不符合规范"),
    (_symlink, "符号链接"),
    (_zip_bomb, "压缩炸弹"),
])
def test_hostile_packages_are_refused_whole(client, upload, people, package, storage, change, reason):
    before_rows = db.session.scalar(db.select(db.func.count()).select_from(Resource))
    before_keys = storage_keys(storage)
    response = _import(client, upload.headers(people.school_b1_admin), _rewrite(package, change))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert reason in error["message"]  # refused by the inspector as the upload arrives, or by the import
    assert (error["code"], "未导入任何内容" in error["message"]) in {("package_refused", True), ("archive_refused", False)}
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == before_rows
    assert storage_keys(storage) == before_keys


def test_not_a_zip_and_lying_sizes(client, upload, people, package):
    headers = upload.headers(people.school_b1_admin)
    assert "与实际内容（纯文本）不符" in _import(client, headers, b"not a zip at all").get_json()["error"]["message"]

    def lie(manifest, files):
        _as_new_instance(manifest, files)
        manifest["resources"][0]["file"]["size"] = 3

    assert "大小与清单不符" in _import(client, headers, _rewrite(package, lie)).get_json()["error"]["message"]


def test_only_admins_handle_packages(client, upload, people, package):
    teacher = upload.headers(people.teacher_b1)
    before_rows, before_files = (db.session.scalar(db.select(db.func.count()).select_from(model))
                                 for model in (Resource, StoredFile))
    imported = _import(client, teacher, package)
    assert imported.status_code == 403
    assert imported.get_json()["error"]["code"] == "forbidden"
    exported = client.post("/api/v1/resource-packages/export", headers=teacher, json={"ids": [1]})
    assert exported.status_code == 403
    assert exported.mimetype == "application/json" and exported.get_json()["error"]["code"] == "forbidden"
    assert [e.data["action"] for e in denials(people.teacher_b1)] == ["resource.package_import",
                                                                       "resource.package_export"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Resource)) == before_rows
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == before_files


def test_drafts_cannot_be_exported(client, upload, people):
    rid = upload(people.teacher_a1).get_json()["id"]
    response = client.post("/api/v1/resource-packages/export", headers=upload.headers(people.school_a1_admin),
                           json={"ids": [rid]})
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == 1


def test_export_a_collection_by_criteria(client, upload, publish, people):
    for text, subject in (("集合甲", "math"), ("集合乙", "math"), ("集合丙", "physics")):
        publish(upload(people.teacher_a1, file=(make_pptx(text), "c.pptx"), title=text, subject=subject)
                .get_json()["id"])
    headers = upload.headers(people.district_a_staff)
    response = client.post("/api/v1/resource-packages/export", headers=headers,
                           json={"collection": {"subject": "math", "stage": "junior"}})
    assert response.status_code == 200
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("manifest.json"))
    assert {r["metadata"]["title"] for r in manifest["resources"]} == {"集合甲", "集合乙"}
    other = client.post("/api/v1/resource-packages/export", headers=upload.headers(people.district_b_staff),
                        json={"collection": {"subject": "math"}})
    assert other.status_code == 422  # nothing of district B's scope matches
