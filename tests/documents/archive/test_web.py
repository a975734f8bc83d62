"""The 归档 API and pages: archive, list within what I may read, the package, the year export, verify."""

from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.core.extensions import db
from eduplatform.core.storage.registry import get_storage
from eduplatform.documents.models import ArchiveItem
from eduplatform.documents.services import archive as service
from eduplatform.orgs.models import OrgType
from tests.fixtures.factories import make_org, make_user


def _csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_archive_through_the_api_list_download_export_and_verify(bureau, dispatched, client, api):
    document = dispatched()
    clerk = api(bureau.clerk)
    refused = client.post(f"/api/v1/documents/{document.id}/archive", json={}, headers=api(bureau.drafter))
    assert refused.status_code == 403 and "办公室" in refused.get_json()["error"]["message"]
    needs_reason = client.post(f"/api/v1/documents/{document.id}/archive", json={"retention": "永久"}, headers=clerk)
    assert needs_reason.status_code == 422 and "须写明理由" in needs_reason.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count(ArchiveItem.id))) == 0
    made = client.post(f"/api/v1/documents/{document.id}/archive", json={"retention": "永久", "reason": "重要部署"},
                       headers=clerk)
    assert made.status_code == 201, made.get_json()
    item = made.get_json()
    assert item["retention"] == "永久" and item["archival_code"].endswith("-Y-city-basic-0001")
    assert item["retention_reason"] == "重要部署" and item["archived_by"] == "周秘书"
    again = client.post(f"/api/v1/documents/{document.id}/archive", json={}, headers=clerk)
    assert again.status_code == 409 and "已归档" in again.get_json()["error"]["message"]

    listed = client.get(f"/api/v1/archive?year={item['year']}&retention=永久", headers=clerk).get_json()
    assert [i["archival_code"] for i in listed["items"]] == [item["archival_code"]]
    assert client.get("/api/v1/archive?retention=定期10年", headers=clerk).get_json()["items"] == []
    assert client.get("/api/v1/archive?retention=五年", headers=clerk).status_code == 422
    # another district's staff (the document was not sent there) may not read it: not listed, package 404
    xs = make_org(code="xs", name="西山区教育局", type=OrgType.DISTRICT_BUREAU, parent=bureau.city)
    stranger = make_user(username="xs_staff", display_name="钱科员", roles=[Role.BUREAU_STAFF], org=xs)
    db.session.commit()
    other = api(stranger)
    assert client.get("/api/v1/archive", headers=other).get_json()["items"] == []
    assert client.get(f"/api/v1/archive/{item['id']}/package.zip", headers=other).status_code == 404

    package = client.get(f"/api/v1/archive/{item['id']}/package.zip", headers=clerk)
    assert package.status_code == 200 and package.mimetype == "application/zip"
    data = package.get_data()
    assert "data/sealed.pdf" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    checked = client.post("/api/v1/archive/verify", data={"file": (io.BytesIO(data), "item.zip")}, headers=clerk,
                          content_type="multipart/form-data").get_json()
    assert checked["ok"] is True and checked["identifier"] == item["archival_code"] and checked["problems"] == []

    exported = client.get(f"/api/v1/archive/export?year={item['year']}", headers=clerk)
    assert exported.status_code == 200 and exported.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(exported.get_data())).namelist()
    assert f"data/items/{item['archival_code']}.zip" in names and "data/catalogue.csv" in names
    assert client.get(f"/api/v1/archive/export?year={item['year']}", headers=api(bureau.head)).status_code == 403
    assert client.get("/api/v1/archive/export", headers=clerk).status_code == 422
    broken = client.post("/api/v1/archive/verify", data={"file": (io.BytesIO(b"PK\x03\x04junk"), "x.zip")},
                         headers=clerk, content_type="multipart/form-data")
    assert broken.status_code == 422


def test_archive_on_the_document_page_and_the_archive_page(bureau, dispatched, auth, client):
    document = dispatched()
    auth.login(bureau.drafter)
    assert 'id="archive-card"' not in client.get(f"/documents/{document.id}").get_data(as_text=True)
    auth.logout()
    auth.login(bureau.clerk)
    page = client.get(f"/documents/{document.id}")
    text = page.get_data(as_text=True)
    assert 'id="archive-card"' in text and 'id="proposed-retention">定期30年<' in text
    response = client.post(f"/documents/{document.id}/archive",
                           data={"csrf_token": _csrf(page), "retention": "定期30年", "reason": ""})
    assert response.status_code == 302
    item = db.session.scalars(sa.select(ArchiveItem)).one()
    text = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "已归档" in text and item.archival_code in text and "下载归档数据包" in text

    listing = client.get(f"/documents/archive?year={item.year}")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200 and item.archival_code in text and document.doc_number in text
    assert "共 1 件" in text and 'id="export-link"' in text and "移交" in text
    assert "没有归档文件" in client.get("/documents/archive?retention=永久").get_data(as_text=True)

    data = b"".join(get_storage().open(item.package_key))
    ok = client.post("/documents/archive/verify", data={"csrf_token": _csrf(listing),
                                                        "file": (io.BytesIO(data), "item.zip")},
                     content_type="multipart/form-data")
    assert ok.status_code == 200 and 'data-ok="yes"' in ok.get_data(as_text=True)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "data/form.html":
                target.writestr(info, source.read(info))
    bad = client.post("/documents/archive/verify", data={"csrf_token": _csrf(listing),
                                                         "file": (io.BytesIO(out.getvalue()), "item.zip")},
                      content_type="multipart/form-data")
    text = bad.get_data(as_text=True)
    assert 'data-ok="no"' in text and "缺少文件：data/form.html" in text


def test_a_school_administrator_archives_the_schools_incoming(bureau):
    from eduplatform.accounts.models import Role
    from eduplatform.documents.services import incoming
    from eduplatform.orgs.models import OrgType
    from tests.fixtures.factories import make_org, make_user

    school = make_org(code="sch1", name="东湖区第一初级中学", type=OrgType.SCHOOL, parent=bureau.district)
    admin = make_user(username="sadmin", display_name="孙主任", roles=[Role.SCHOOL_ADMIN], org=school)
    teacher = make_user(username="steacher", display_name="张老师", roles=[Role.TEACHER], org=school)
    db.session.commit()
    document = incoming.register_paper(admin, elements={"doctype": "notice", "title": "关于开学工作的通知",
                                                        "source_org_name": "东湖区教育局"})
    for key, data in (("register", None), ("pass_check", None),
                      ("propose", {"handling_kind": "批办件", "proposal": "拟请教务处办理"}),
                      ("instruct", {"instruction": "请张老师落实", "handler": teacher.id})):
        incoming.act(document, key, actor=admin, data=data)
    incoming.act(document, "finish", actor=teacher, data={"handling_opinion": "已落实", "reply": "已完成"})
    db.session.commit()
    assert not service.can_archive(teacher, document) and service.archivist_unit(admin) == school
    item = service.archive(document, admin)
    db.session.commit()
    # from the district above it: higher, to be handled; a school has no 机构 class in its 档号
    assert item.retention == "定期30年" and item.department_code == ""
    assert item.archival_code == f"sch1-WS·{item.year}-D30-0001"


def test_a_done_incoming_document_shows_the_archive_form(bureau, done_incoming, auth, client):
    document = done_incoming("阅知件")
    auth.login(bureau.clerk)
    page = client.get(f"/documents/{document.id}")
    text = page.get_data(as_text=True)
    assert 'id="proposed-retention">定期10年<' in text and "仅供阅知" in text
    response = client.post(f"/documents/{document.id}/archive",
                           data={"csrf_token": _csrf(page), "retention": "定期30年", "reason": "涉及本局年度重点工作"})
    assert response.status_code == 302
    item = db.session.scalars(sa.select(ArchiveItem)).one()
    assert (item.retention, item.retention_reason) == ("定期30年", "涉及本局年度重点工作")
    assert "改定：涉及本局年度重点工作" in client.get(f"/documents/{document.id}").get_data(as_text=True)
