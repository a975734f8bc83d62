"""内网 and 外网: the bureau's node inside and the public node outside, two real HTTP servers with two
databases and only the ferry's directory between them (``ferry_nodes``). What is published inside
appears outside after ferry-out + ferry-in; a 依申请公开 request filed outside reaches the office's
list inside; the answer goes out and the citizen reads it by the tracking code; replayed and
tampered packages are refused and moved aside; the outside serves on while the inside is down."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile

import pytest
import sqlalchemy as sa

from eduplatform.accounts.models import Role
from eduplatform.audit.models import AuditEntry
from eduplatform.core.extensions import db
from eduplatform.core.packages import MANIFEST, SIGNATURE, sign
from eduplatform.orgs.models import OrgType, OrgUnit
from eduplatform.portal.models import Article, DisclosureRequest, FerryPackage
from tests.fixtures.factories import PASSWORD, make_org, make_user
from tests.portal.ferry_nodes import KEY_OUT, captcha_form, drop, make_node

CITY_CODE = "3399000000"
APPLICATION = {"applicant_type": "person", "name": "李明华", "id_type": "居民身份证", "id_number": "330102198805052345",
               "phone": "13900002222", "email": "", "address": "示范市西湖路9号", "postcode": "310000",
               "description": "2026年本市中小学课后服务收费标准的文件", "doc_title": "", "doc_number": "",
               "provide_format": "paper", "obtain_method": "online"}


@pytest.fixture
def nodes(tmp_path):
    """inside (内网) and outside (外网), each on its own database, and the ferry between them."""
    saved = db.session
    db.session = db._make_scoped_session({})  # each app context its own session, on its app's engine
    ferry = tmp_path / "ferry"
    out_dir, in_dir = ferry / "out", ferry / "in"
    inside = make_node(tmp_path, "inside", "inside", outbox=out_dir, inbox=in_dir)
    outside = make_node(tmp_path, "outside", "outside", outbox=in_dir, inbox=out_dir)
    with inside.app.app_context():
        from eduplatform.portal.services import columns

        city = make_org(code=CITY_CODE, name="示范市教育局", type=OrgType.CITY_BUREAU)
        dept = make_org(code="3399000001", name="办公室", type=OrgType.DEPARTMENT, parent=city)
        make_org(code="3399010000", name="东湖区教育局", type=OrgType.DISTRICT_BUREAU, parent=city)
        make_user(username="drafter", display_name="张文", roles=[Role.BUREAU_STAFF], org=dept)
        make_user(username="reviewer", display_name="陈静", roles=[Role.BUREAU_STAFF], org=city)
        columns.sync_columns()
        db.session.commit()
        db.session.remove()
    inside.start()
    outside.start()
    try:
        yield inside, outside, ferry
    finally:
        drop(outside)
        drop(inside)
        db.session = saved


def _publish(inside, title: str, body: str, attachment: tuple[str, bytes] | None = None) -> int:
    """Draft, (attach), submit as 张文; approve as 陈静 — over HTTP on the inside node."""
    inside.login("drafter", PASSWORD)
    inside.login("reviewer", PASSWORD)
    created = inside.post("/portal/manage/new?column=news", who="drafter", data={"title": title, "body": body})
    assert created.status_code == 302, created.text[:500]
    article_id = int(re.search(r"/manage/articles/(\d+)", created.headers["Location"]).group(1))
    if attachment:
        added = inside.post(f"/portal/manage/articles/{article_id}/attachments", who="drafter",
                            files={"file": (attachment[0], attachment[1], "text/plain")})
        assert added.status_code == 302, added.text[:500]
    assert inside.post(f"/portal/manage/articles/{article_id}/submit", who="drafter").status_code == 302
    assert inside.post(f"/portal/manage/articles/{article_id}/review", who="reviewer",
                       data={"action": "approve"}).status_code == 302
    return article_id


def _apply(outside, **changes) -> tuple[str, str]:
    city_id = outside.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == CITY_CODE))
    form = {**APPLICATION, "org_id": str(city_id), **captcha_form(outside, "/portal/disclosure/apply"), **changes}
    receipt = outside.post("/portal/disclosure/apply", data=form)
    assert receipt.status_code == 201, re.findall(r'(?:alert|invalid-feedback)[^>]*>([^<]+)<', receipt.text)
    code = re.search(r'id="tracking-code">([^<]+)<', receipt.text).group(1)
    secret = re.search(r'id="tracking-secret">([^<]+)<', receipt.text).group(1)
    return code, secret


def _packages(folder):
    return sorted(p.name for p in folder.glob("portal-*.zip"))


def test_published_inside_appears_outside_and_a_request_goes_in_and_its_answer_out(nodes):
    inside, outside, ferry = nodes
    article_id = _publish(inside, "关于2026年秋季学期中小学开学工作的通知", "<p>各区县教育局：秋季开学定于9月1日。</p>",
                          attachment=("开学安排.txt", "开学安排：9月1日报到。".encode()))
    assert outside.get(f"/portal/a/{article_id}").status_code == 404  # nothing crosses by itself

    assert "第 1 号" in inside.cli("portal", "ferry-out")
    assert _packages(ferry / "out") == ["portal-out-00000001.zip"]
    assert "导入 1 个，拒收 0 个" in outside.cli("portal", "ferry-in")
    assert _packages(ferry / "out") == [] and _packages(ferry / "out" / "applied") == ["portal-out-00000001.zip"]

    page = outside.get(f"/portal/a/{article_id}")
    assert page.status_code == 200
    assert "关于2026年秋季学期中小学开学工作的通知" in page.text and "秋季开学定于9月1日" in page.text
    index_no = inside.scalar(sa.select(Article.index_no).where(Article.id == article_id))
    assert index_no.startswith(f"{CITY_CODE}/") and index_no in page.text  # the 索引号 given inside
    link = re.search(r'href="(/portal/files/\d+)"', page.text).group(1)
    assert outside.get(link).content == "开学安排：9月1日报到。".encode()
    home = outside.get("/portal/").text
    assert "关于2026年秋季学期" in home and "登录工作平台" not in home  # no way in from outside
    assert "登录工作平台" in inside.get("/portal/").text
    found = outside.get("/portal/search", params={"q": "秋季学期"}).text  # indexed outside (the hit highlighted)
    assert "中小学开学工作的通知" in found and "没有找到" not in found
    # nothing changed inside: no new package
    assert "没有变化" in inside.cli("portal", "ferry-out")

    # the outside node is the public site only: no staff login, no staff page, no staff API
    for path in ("/login", "/portal/manage", "/portal/disclosure/requests", "/api/v1/disclosure/requests",
                 "/portal/manage/ferry", "/workbench"):
        refused = outside.get(path)
        assert refused.status_code == 404, path
    assert "外网节点" in outside.get("/login").text
    assert outside.post("/api/v1/auth/token", json={"username": "drafter", "password": PASSWORD}).status_code == 404

    # a citizen files a 依申请公开 request outside; it is carried in and lands in the office's list
    code, secret = _apply(outside)
    assert outside.scalar(sa.select(DisclosureRequest.state).where(DisclosureRequest.tracking_code == code)) == "review"
    assert "portal-in-00000001.zip" in outside.cli("portal", "ferry-out")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")
    inside.login("reviewer", PASSWORD)
    listing = inside.get("/portal/disclosure/requests", who="reviewer")
    assert listing.status_code == 200 and code in listing.text and "李明华" in listing.text
    with inside.app.app_context():
        found = db.session.scalar(sa.select(DisclosureRequest).where(DisclosureRequest.tracking_code == code))
        assert found.channel == "online" and found.id_number == APPLICATION["id_number"]
        from eduplatform import workflow

        assert workflow.instance_for(found, "disclosure_request") is not None  # its process starts inside
        request_id = found.id
        db.session.remove()

    # the office answers; the answer goes out; the citizen reads it outside by the tracking code
    assert inside.post(f"/portal/disclosure/requests/{request_id}/steps/accept", who="reviewer").status_code == 302
    answered = inside.post(f"/portal/disclosure/requests/{request_id}/steps/answer", who="reviewer",
                           data={"answer_type": "granted", "provision": "《示范市中小学课后服务收费标准》全文，附后"})
    assert answered.status_code == 302, answered.text[:500]
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    status = outside.post("/portal/disclosure/track", data={"code": code, "secret": secret})
    assert status.status_code == 200
    assert "已答复" in status.text and "予以公开" in status.text and "公复〔" in status.text
    letter = outside.post("/portal/disclosure/track/letter", data={"code": code, "secret": secret})
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")

    # a withdrawal goes out too: the outside answers 410
    withdrawn = inside.post(f"/portal/manage/articles/{article_id}/withdraw", who="drafter",
                            data={"reason": "通知内容有误，另行发布"})
    assert withdrawn.status_code == 302
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    assert outside.get(f"/portal/a/{article_id}").status_code == 410

    # the staff page inside shows the ferry's state
    inside.login("drafter", PASSWORD)
    state = inside.get("/portal/manage/ferry", who="drafter")
    assert state.status_code == 200 and "内网节点" in state.text
    assert re.search(r'data-direction="out">.*?class="ferry-seq">3<', state.text, re.DOTALL)
    assert re.search(r'data-direction="in">.*?class="ferry-seq">1<', state.text, re.DOTALL)
    assert "没有拒收的包" in state.text

    # the inside goes down: the outside keeps serving, and what the public files waits in its outbox
    inside.stop()
    assert outside.get("/portal/").status_code == 200
    assert "已答复" in outside.post("/portal/disclosure/track", data={"code": code, "secret": secret}).text
    second, _ = _apply(outside, name="周晓红", description="本市2026年义务教育阶段招生计划")
    outside.cli("portal", "ferry-out")
    assert _packages(ferry / "in") == ["portal-in-00000002.zip"]  # queued until the inside reads it
    assert "待摆渡 1 个" in outside.cli("portal", "ferry-status")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")  # the inside, back, takes it
    assert inside.scalar(sa.select(DisclosureRequest.name).where(DisclosureRequest.tracking_code == second)) == "周晓红"


def _rezip(source: bytes, *, manifest=None, member_change=None, key: str | None = KEY_OUT, drop_sig=False) -> bytes:
    """The package rebuilt with a changed manifest (signed with ``key``, or the old signature kept when
    ``key`` is None) or one member's bytes changed."""
    with zipfile.ZipFile(io.BytesIO(source)) as old:
        members = {info.filename: old.read(info) for info in old.infolist()}
    if manifest is not None:
        members[MANIFEST] = manifest
        if key is not None:
            members[SIGNATURE] = sign(manifest, key).encode()
    if member_change is not None:
        name, data = member_change
        members[name] = data
    if drop_sig:
        members.pop(SIGNATURE)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)
    return out.getvalue()


def test_replayed_and_tampered_packages_are_refused_and_moved_aside(nodes):
    inside, outside, ferry = nodes
    article_id = _publish(inside, "2026年教师资格认定公告", "<p>认定工作于6月开始。</p>",
                          attachment=("认定须知.txt", "须知：携带身份证。".encode()))
    inside.cli("portal", "ferry-out")
    original_path = ferry / "out" / "portal-out-00000001.zip"
    original = original_path.read_bytes()
    original_path.unlink()
    with zipfile.ZipFile(io.BytesIO(original)) as z:
        raw_manifest = z.read(MANIFEST)
        file_member = next(n for n in z.namelist() if n.startswith("files/"))
        file_bytes = z.read(file_member)
    manifest = json.loads(raw_manifest)
    changed = json.loads(raw_manifest)
    next(r for r in changed["records"] if r["kind"] == "article")["data"]["title"] = "被篡改的标题"
    changed_bytes = json.dumps(changed, ensure_ascii=False).encode()
    flipped = bytearray(file_bytes)
    flipped[0] ^= 0x01

    cases = {
        "a changed byte in a file": (_rezip(original, member_change=(file_member, bytes(flipped))), "校验和不符"),
        "a changed manifest": (_rezip(original, manifest=changed_bytes, key=None), "签名不符"),
        "the wrong key": (_rezip(original, manifest=changed_bytes, key="another-key-0123456789abcdef"), "签名不符"),
        "no signature": (_rezip(original, drop_sig=True), "缺少签名"),
        "a byte flipped in the archive": (original[:200] + bytes([original[200] ^ 0xFF]) + original[201:], ""),
    }
    for what, (data, reason) in cases.items():
        (ferry / "out" / "portal-out-00000001.zip").write_bytes(data)
        output = outside.cli("portal", "ferry-in")
        assert "拒收 1 个" in output, what
        assert reason in output, (what, output)
        assert outside.get(f"/portal/a/{article_id}").status_code == 404, what  # nothing half-written
    refused = sorted((ferry / "out" / "refused").glob("*.zip"))
    assert len(refused) == len(cases)
    reasons = sorted((ferry / "out" / "refused").glob("*.reason.txt"))
    assert len(reasons) == len(cases) and "校验和不符" in "".join(p.read_text("utf-8") for p in reasons)

    # the genuine package still applies …
    (ferry / "out" / "portal-out-00000001.zip").write_bytes(original)
    assert "导入 1 个" in outside.cli("portal", "ferry-in")
    assert "2026年教师资格认定公告" in outside.get(f"/portal/a/{article_id}").text
    # … once: played again, it is refused as a replay (also under another name)
    shutil.copy(ferry / "out" / "applied" / "portal-out-00000001.zip", ferry / "out" / "portal-out-00000002.zip")
    output = outside.cli("portal", "ferry-in")
    assert "拒收 1 个" in output and "重放或重复的包：第 1 号" in output  # the signed manifest says 1
    shutil.copy(ferry / "out" / "applied" / "portal-out-00000001.zip", ferry / "out" / "portal-out-00000001.zip")
    output = outside.cli("portal", "ferry-in")
    assert "重放或重复的包：第 1 号" in output

    with outside.app.app_context():
        rows = db.session.scalars(sa.select(FerryPackage).order_by(FerryPackage.id)).all()
        assert [r.action for r in rows].count("refused") == len(cases) + 2
        assert [r.action for r in rows].count("applied") == 1
        kinds = db.session.scalars(sa.select(AuditEntry.kind).where(AuditEntry.realm == "portal")).all()
        assert kinds.count("ferry.refused") == len(cases) + 2 and kinds.count("ferry.applied") == 1
        # the outside's own articles are the inside's: same id, nothing else
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 1
        db.session.remove()
    assert manifest["seq"] == 1 and manifest["direction"] == "out"


def test_a_missing_package_holds_the_queue_until_it_comes(nodes):
    inside, outside, ferry = nodes
    inside.cli("portal", "ferry-out")                      # 1: units and columns
    first = ferry / "out" / "portal-out-00000001.zip"
    held = first.read_bytes()
    first.unlink()                                           # lost on the way, for now
    article_id = _publish(inside, "关于做好防汛工作的通知", "<p>各校做好防汛准备。</p>")
    inside.cli("portal", "ferry-out")                      # 2: the article
    assert "缺第 1 号包" in outside.cli("portal", "ferry-in")
    assert outside.get(f"/portal/a/{article_id}").status_code == 404
    first.write_bytes(held)
    assert "导入 2 个" in outside.cli("portal", "ferry-in")
    assert outside.get(f"/portal/a/{article_id}").status_code == 200


def test_the_single_node_has_no_ferry(app, client, people):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "ferry-out"])
    assert result.exit_code != 0 and "单节点部署" in result.output
    assert client.get("/portal/").status_code == 200  # it serves the portal itself


def test_a_correction_filed_outside_reaches_the_office_and_a_letter_request_keeps_its_details_inside(nodes):
    inside, outside, _ferry = nodes
    assert "第 1 号" in inside.cli("portal", "ferry-out")
    assert "导入 1 个" in outside.cli("portal", "ferry-in")
    code, secret = _apply(outside, description="2025年以来本市中小学课后服务管理的有关文件")
    outside.cli("portal", "ferry-out")
    inside.cli("portal", "ferry-in")
    inside.login("reviewer", PASSWORD)
    request_id = inside.scalar(sa.select(DisclosureRequest.id).where(DisclosureRequest.tracking_code == code))
    asked = inside.post(f"/portal/disclosure/requests/{request_id}/steps/request_correction", who="reviewer",
                        data={"notice": "请写明所需文件的名称或发布时间"})
    assert asked.status_code == 302, asked.text[:500]
    # a request received inside by letter: its status goes out, its applicant's details do not
    entered = inside.post("/portal/disclosure/requests/new", who="reviewer", data={
        **APPLICATION, "name": "赵立新", "channel": "letter", "received_on": _today(inside), "obtain_method": "mail",
        "org_id": str(inside.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == CITY_CODE)))})
    assert entered.status_code == 201, entered.text[:500]
    letter_code = inside.scalar(sa.select(DisclosureRequest.tracking_code).where(DisclosureRequest.name == "赵立新"))
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")

    status = outside.post("/portal/disclosure/track", data={"code": code, "secret": secret})
    assert "待补正" in status.text and "请写明所需文件的名称或发布时间" in status.text
    filed = outside.post("/portal/disclosure/track/correction",
                         data={"code": code, "secret": secret, "text": "所需文件：《示范市课后服务管理办法》（2025年）"})
    assert filed.status_code == 200 and "补正内容已提交" in filed.text
    # a status package from inside crossing meanwhile does not wipe the correction filed outside
    inside.cli("portal", "ferry-out", "--full")
    outside.cli("portal", "ferry-in")
    assert outside.scalar(sa.select(DisclosureRequest.correction_text).where(
        DisclosureRequest.tracking_code == code)) == "所需文件：《示范市课后服务管理办法》（2025年）"
    outside.cli("portal", "ferry-out")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")
    case = inside.get(f"/portal/disclosure/requests/{request_id}", who="reviewer")
    assert case.status_code == 200 and "申请人已提交补正内容" in case.text
    assert inside.scalar(sa.select(DisclosureRequest.correction_text).where(DisclosureRequest.id == request_id)) \
        == "所需文件：《示范市课后服务管理办法》（2025年）"

    # a replayed 外网→内网 package is refused inside too, and the staff page says why
    shutil.copy(_ferry / "in" / "applied" / "portal-in-00000001.zip", _ferry / "in" / "portal-in-00000001.zip")
    assert "重放或重复的包" in inside.cli("portal", "ferry-in")
    page = inside.get("/portal/manage/ferry", who="reviewer").text
    assert "portal-in-00000001.zip" in page and "重放或重复的包：第 1 号，本端已导入到第 2 号" in page

    with outside.app.app_context():
        copy = db.session.scalar(sa.select(DisclosureRequest).where(DisclosureRequest.tracking_code == letter_code))
        assert copy is not None and copy.name == "赵立新" and copy.channel == "letter"
        assert (copy.id_number, copy.phone, copy.address) == ("", "", "")  # stayed inside
        db.session.remove()


def _today(node) -> str:
    with node.app.app_context():
        from eduplatform.portal.services.disclosure_clock import today_local

        return today_local().isoformat()


LETTER_FORM = {"kind": "complaint", "name": "王晓明", "phone": "13900001111", "email": "wangxm@example.cn",
               "id_number": "330102199001011234", "address": "示范市东湖路1号", "title": "学校食堂价格偏高",
               "content": "我是王晓明，孩子所在学校食堂价格偏高，请核查。电话13900001111，邮箱 wangxm@example.cn。",
               "consent_publish": "true"}


def _write_letter(outside, **changes) -> tuple[str, str]:
    city_id = outside.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == CITY_CODE))
    form = {**LETTER_FORM, "org_id": str(city_id), **captcha_form(outside, "/portal/letters/write"), **changes}
    receipt = outside.post("/portal/letters/write", data=form,
                           files={"attachment": ("食堂价目表.txt", "早餐6元，午餐18元。".encode(), "text/plain")})
    assert receipt.status_code == 201, re.findall(r'(?:alert|invalid-feedback)[^>]*>([^<]+)<', receipt.text)
    code = re.search(r'id="tracking-code">([^<]+)<', receipt.text).group(1)
    secret = re.search(r'id="tracking-secret">([^<]+)<', receipt.text).group(1)
    return code, secret


def _letter_step(inside, letter_id: int, step: str, who: str, **data) -> None:
    case = inside.get(f"/portal/letters/manage/{letter_id}", who=who)
    assert case.status_code == 200, case.text[:300]
    version = re.search(rf'id="step-{step}".*?name="version" value="(\d+)"', case.text, re.DOTALL).group(1)
    done = inside.post(f"/portal/letters/manage/{letter_id}/steps/{step}", who=who, data={**data, "version": version})
    assert done.status_code == 302, done.text[:500]


def test_a_letter_written_outside_is_handled_inside_and_its_reply_and_rating_cross(nodes):
    from eduplatform.portal.models import Letter

    inside, outside, ferry = nodes
    with inside.app.app_context():
        city = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == CITY_CODE))
        basic = make_org(code="3399000002", name="基础教育处", type=OrgType.DEPARTMENT, parent=city)
        make_user(username="basic", display_name="刘强", roles=[Role.BUREAU_STAFF], org=basic)
        db.session.commit()
        basic_id = basic.id
        db.session.remove()
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")

    # the public pages of 领导信箱 work outside; its staff pages and the 12345 API do not
    assert outside.get("/portal/letters").status_code == 200
    for path in ("/portal/letters/manage", "/portal/letters/manage/1", "/api/v1/hotline/orders/X1"):
        assert outside.get(path).status_code == 404, path
    assert outside.post("/api/v1/hotline/orders", json={}).status_code == 404
    assert inside.post("/api/v1/hotline/orders", json={}).status_code in (401, 403)  # it is there, inside

    code, secret = _write_letter(outside)
    with outside.app.app_context():
        from eduplatform import workflow

        here = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == code))
        assert here.state == "triage" and workflow.instance_for(here, "leader_letter") is None  # it starts inside
        db.session.remove()
    assert "portal-in-00000001.zip" in outside.cli("portal", "ferry-out")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")

    # it reaches the office's list inside, as an online letter with the writer's details and attachment
    inside.login("drafter", PASSWORD)   # 张文, of the 办公室: the 信箱 office
    inside.login("basic", PASSWORD)
    listing = inside.get("/portal/letters/manage", who="drafter")
    assert listing.status_code == 200 and code in listing.text and "学校食堂价格偏高" in listing.text
    with inside.app.app_context():
        from eduplatform import workflow

        letter = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == code))
        assert letter.channel == "online" and letter.consent_publish and letter.state == "triage"
        assert (letter.phone, letter.id_number, letter.address) == ("13900001111", "330102199001011234",
                                                                    "示范市东湖路1号")
        assert workflow.instance_for(letter, "leader_letter").state == "triage"
        letter_id = letter.id
        db.session.remove()
    attachment = inside.get(f"/portal/letters/manage/{letter_id}/attachment", who="drafter")
    assert attachment.content == "早餐6元，午餐18元。".encode()

    # routed and answered inside; the office publishes it
    _letter_step(inside, letter_id, "route", "drafter", department_id=str(basic_id))
    _letter_step(inside, letter_id, "reply", "basic",
                 reply="王晓明您好：经核实，食堂价格已按成本核定下调。如有疑问请拨13900001111。")
    published = inside.post(f"/portal/letters/manage/{letter_id}/publish", who="drafter",
                            data={"title": "关于学校食堂价格"})
    assert published.status_code == 302, published.text[:500]

    # a letter written on the inside node's own site: its status goes out, its writer's details do not
    own_code, own_secret = _write_letter(inside, name="孙丽", phone="13700003333", email="sunli@example.cn",
                                         id_number="330102198501012222", address="示范市北山路8号",
                                         title="校车接送时间", content="希望校车提前十分钟到站。")

    # the reply goes out; the writer reads it outside by the code and secret
    inside.cli("portal", "ferry-out")
    assert "导入 1 个" in outside.cli("portal", "ferry-in")
    own = outside.post("/portal/letters/track", data={"code": own_code, "secret": own_secret})
    assert own.status_code == 200 and "校车接送时间" in own.text and "已收到，待分办" in own.text
    with outside.app.app_context():
        copy = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == own_code))
        assert copy.name == "孙丽" and (copy.phone, copy.email, copy.id_number, copy.address) == ("", "", "", "")
        db.session.remove()
    status = outside.post("/portal/letters/track", data={"code": code, "secret": secret})
    assert status.status_code == 200
    assert "已答复" in status.text and "食堂价格已按成本核定下调" in status.text and "基础教育处" in status.text
    assert 'name="rating"' in status.text  # rating is open
    assert outside.post("/portal/letters/track", data={"code": code, "secret": "wrong"}).status_code == 404

    # the published copy appears outside, masked; the personal details stayed inside
    home = outside.get("/portal/letters").text
    assert "关于学校食堂价格" in home
    public_id = re.search(r'href="/portal/letters/public/(\d+)"', home).group(1)
    public = outside.get(f"/portal/letters/public/{public_id}").text
    assert "王**" in public and "139****1111" in public and "基础教育处" in public
    assert "王晓明" not in public and "13900001111" not in public

    # the writer rates outside; the rating reaches inside as if given there
    rated = outside.post("/portal/letters/track/rate", data={"code": code, "secret": secret,
                                                              "rating": "fair", "comment": "答复及时，希望持续关注"})
    assert rated.status_code == 200 and "您的评价：基本满意" in rated.text
    inside.cli("portal", "ferry-out", "--full")   # a status package crossing meanwhile keeps the rating outside
    outside.cli("portal", "ferry-in")
    assert "您的评价：基本满意" in outside.post("/portal/letters/track", data={"code": code, "secret": secret}).text
    outside.cli("portal", "ferry-out")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")
    with inside.app.app_context():
        letter = db.session.get(Letter, letter_id)
        assert (letter.rating, letter.rating_comment) == ("fair", "答复及时，希望持续关注")
        kinds = set(db.session.scalars(sa.select(AuditEntry.kind).where(
            AuditEntry.object_type == "leader_letter", AuditEntry.object_id == str(letter_id))))
        assert {"letter.received", "letter.routed", "letter.replied", "letter.published", "letter.rated"} <= kinds
        db.session.remove()
    assert "来信人评价：基本满意" in inside.get(f"/portal/letters/manage/{letter_id}", who="drafter").text

    # a replayed 外网→内网 package is refused; applying the same records twice changes nothing
    shutil.copy(ferry / "in" / "applied" / "portal-in-00000002.zip", ferry / "in" / "portal-in-00000002.zip")
    assert "重放或重复的包：第 2 号" in inside.cli("portal", "ferry-in")
    with inside.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Letter)) == 2
        assert db.session.scalar(sa.select(Letter.rating).where(Letter.tracking_code == code)) == "fair"
        db.session.remove()


def test_consent_withdrawn_outside_takes_the_published_letter_down_on_both_sides(nodes):
    from eduplatform.portal.models import Letter

    inside, outside, _ferry = nodes
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    code, secret = _write_letter(outside, kind="consult", title="转学手续咨询", content="请问跨区转学需要哪些材料？")
    outside.cli("portal", "ferry-out")
    inside.cli("portal", "ferry-in")
    inside.login("drafter", PASSWORD)
    inside.login("reviewer", PASSWORD)
    letter_id = inside.scalar(sa.select(Letter.id).where(Letter.tracking_code == code))
    dept_id = inside.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == "3399000001"))
    _letter_step(inside, letter_id, "route", "drafter", department_id=str(dept_id))
    _letter_step(inside, letter_id, "reply", "drafter", reply="您好：须提供户籍证明和学籍信息表。")
    assert inside.post(f"/portal/letters/manage/{letter_id}/publish", who="drafter").status_code == 302
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    assert "转学手续咨询" in outside.get("/portal/letters").text

    withdrawn = outside.post("/portal/letters/track/consent", data={"code": code, "secret": secret})
    assert withdrawn.status_code == 200 and "已撤回公开同意" in withdrawn.text
    assert "转学手续咨询" not in outside.get("/portal/letters").text
    inside.cli("portal", "ferry-out", "--full")   # the inside's status, still published, does not bring it back
    outside.cli("portal", "ferry-in")
    assert "转学手续咨询" not in outside.get("/portal/letters").text
    outside.cli("portal", "ferry-out")
    inside.cli("portal", "ferry-in")
    with inside.app.app_context():
        letter = db.session.get(Letter, letter_id)
        assert letter.consent_publish is False and letter.published_at is None
        db.session.remove()

    # the inside goes down: the outside still takes letters and answers their tracking page
    inside.stop()
    later, later_secret = _write_letter(outside, kind="suggestion", title="建议增设课后托管", content="建议学校增设课后托管班。")
    assert "已收到，待分办" in outside.post("/portal/letters/track", data={"code": later, "secret": later_secret}).text
    assert "portal-in-" in outside.cli("portal", "ferry-out")
    assert "导入 1 个" in inside.cli("portal", "ferry-in")  # the inside, back, takes it
    with inside.app.app_context():
        from eduplatform import workflow

        arrived = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == later))
        assert arrived.title == "建议增设课后托管" and workflow.instance_for(arrived, "leader_letter") is not None
        db.session.remove()


def test_a_published_12345_case_goes_out_as_its_masked_copy_only(nodes):
    from eduplatform.portal.models import Letter

    inside, outside, _ferry = nodes
    with inside.app.app_context():
        from eduplatform.portal.services import letters

        city = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == CITY_CODE))
        case, _ = letters.receive({"kind": "complaint", "name": "钱国栋", "phone": "13600004444",
                                   "address": "示范市南湖路3号", "title": "钱国栋反映校门口拥堵",
                                   "content": "校门口放学时拥堵，联系电话13600004444。", "consent_publish": True},
                                  org=city, channel="hotline", hotline_order_no="GD20260001")
        db.session.commit()
        code, case_id = case.tracking_code, case.id
        db.session.remove()
    inside.login("drafter", PASSWORD)
    dept_id = inside.scalar(sa.select(OrgUnit.id).where(OrgUnit.code == "3399000001"))
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    assert outside.scalar(sa.select(sa.func.count()).select_from(Letter)) == 0  # not published: nothing goes

    _letter_step(inside, case_id, "route", "drafter", department_id=str(dept_id))
    _letter_step(inside, case_id, "reply", "drafter", reply="钱国栋您好：已协调交警在放学时段疏导。")
    assert inside.post(f"/portal/letters/manage/{case_id}/publish", who="drafter").status_code == 302
    inside.cli("portal", "ferry-out")
    outside.cli("portal", "ferry-in")
    home = outside.get("/portal/letters").text
    assert "钱**反映校门口拥堵" in home
    public_id = re.search(r'href="/portal/letters/public/(\d+)"', home).group(1)
    public = outside.get(f"/portal/letters/public/{public_id}").text
    assert "已协调交警" in public and "136****4444" in public and "钱国栋" not in public
    with outside.app.app_context():
        copy = db.session.scalar(sa.select(Letter).where(Letter.tracking_code == code))
        assert copy.channel == "hotline" and copy.secret_hash == "" and copy.hotline_order_no is None
        assert (copy.name, copy.phone, copy.address) == ("钱**", "", "")
        assert "13600004444" not in copy.content and "钱国栋" not in copy.title + copy.content + copy.reply
        db.session.remove()
