"""公文 end to end in the browser: the city drafts a 通知 to every school of 东湖区; it is checked,
co-signed by two 科室, signed, numbered, printed, sealed and sent; two schools sign for it and one
returns it with a reason; one school handles it as a 收文 (登记 → 初审 → 拟办 → 批办 → 承办, with a
传阅 read by a teacher) and replies; the city's office sees who signed, who returned, and the reply;
each office archives its own: the school its 收文, the city the 发文 (a 件 with its 档号)."""

from __future__ import annotations

import pytest

from eduplatform.documents.sealing.dev import ensure_dev_unit
from tests.browser.conftest import login, logout

TITLE = "关于开展2027年春季学期中小学校园安全隐患排查的通知"
BODY = "东湖区各中小学校：\n为保障春季开学安全，现就开展校园安全隐患排查通知如下。\n一、全面排查校舍、消防和食堂。\n二、3月10日前报送排查情况。"


@pytest.fixture
def sealing(live_app, tmp_path, monkeypatch):
    """The city's development certificate, so that 用印 runs on the live server."""
    roots, store = tmp_path / "roots", tmp_path / "store"
    ensure_dev_unit(roots, store, "3399000000", "示范市教育局", password="journey")
    for key, value in (("DOC_CERT_DIR", str(store)), ("DOC_TRUST_ROOTS", str(roots)), ("DOC_CERT_PASSWORD", "journey")):
        monkeypatch.setitem(live_app.config, key, value)


def open_document(page, base, title=TITLE):
    page.goto(f"{base}/documents")
    page.locator("a", has_text=title).first.click()
    page.wait_for_selector("#elements-table")


def step(page, base, key, *, fill=None, select=None):
    """From the document page: open the flow step, fill it in and take transition ``key``."""
    open_document(page, base)
    page.click("#act-link")
    page.wait_for_selector("#actions")
    for selector, value in (fill or {}).items():
        page.fill(selector, value)
    for selector, labels in (select or {}).items():
        page.select_option(selector, label=labels)
    page.click(f"#actions button[value={key}]")
    page.wait_for_selector("text=已办理")


def as_user(page, base, username, title=TITLE):
    logout(page)
    login(page, base, username)
    open_document(page, base, title)


def test_a_notice_from_drafting_to_the_schools_reply(page, live_server, sealing):
    base = live_server
    login(page, base, "city_staff")
    page.goto(f"{base}/documents/new")
    page.fill("#el-title", TITLE)
    page.fill("#el-agency", "示教发")
    page.fill("#el-main", "东湖区各中小学校")
    page.fill("#el-body", BODY)
    page.select_option("#el-reviewer", label="陈处长（市教育局基础教育处）")
    page.select_option("#el-cosign", label=["市教育局政策法规处", "市教育局财务处"])
    page.click("#draft-form button[type=submit]")
    page.wait_for_selector("#elements-table")
    assert page.locator("#document-state").inner_text() == "拟稿"
    step(page, base, "submit")

    as_user(page, base, "city_head")
    step(page, base, "review_ok", fill={"#f-review_opinion": "同意，请政策法规处、财务处会签"})
    for department_staff in ("city_policy", "city_finance"):
        as_user(page, base, department_staff)
        step(page, base, "agree")
    as_user(page, base, "leader")
    step(page, base, "sign", fill={"#f-signer_opinion": "同意印发"})
    as_user(page, base, "city_office")
    step(page, base, "recheck_ok")
    step(page, base, "register")
    open_document(page, base)
    number = page.locator("#doc-number").inner_text()
    assert number.startswith("示教") and "〔" in number and number.endswith("号")
    step(page, base, "printed", fill={"#f-copies": "5"})
    step(page, base, "sealed")
    open_document(page, base)
    assert page.locator("#sealed-link").count() == 1
    step(page, base, "dispatch", select={"#f-main_recipient_schools_of": ["东湖区教育局"]})
    open_document(page, base)
    assert "共 3 个单位" in page.locator("#exchange-counts").inner_text()

    # Two schools sign for it, one returns it with a reason.
    logout(page)
    login(page, base, "school_admin4")
    page.goto(f"{base}/documents/exchange")
    row = page.locator(".delivery-row", has_text=TITLE)
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("我校本周已完成同类排查，请核实主送范围")
    row.locator("button", has_text="确认退文").click()
    page.wait_for_selector("text=已退文")
    logout(page)
    login(page, base, "school_admin3")
    page.goto(f"{base}/documents/exchange")
    page.locator(".delivery-row", has_text=TITLE).locator("button[name=sign]").click()
    page.wait_for_selector("#receipt-number")

    # 东湖区第一初级中学 signs and handles it as a 收文.
    logout(page)
    login(page, base, "school_admin")
    page.goto(f"{base}/documents/exchange")
    page.locator(".delivery-row", has_text=TITLE).locator("button[name=sign]").click()
    page.wait_for_selector("#receipt-number")
    step(page, base, "register")
    open_document(page, base)
    assert page.locator("#receipt-number").inner_text().startswith("收〔")
    step(page, base, "pass_check", fill={"#f-check_opinion": "属我校事项"})
    step(page, base, "propose", select={"#f-handling_kind": "批办件"}, fill={"#f-proposal": "拟请张老师牵头排查"})
    step(page, base, "instruct", fill={"#f-instruction": "同意，请张老师3月8日前完成"},
         select={"#f-handler": "张老师（东湖区第一初级中学）"})
    open_document(page, base)
    page.select_option("#circulate-readers", label="张老师（东湖区第一初级中学）")
    page.fill("#circulate-note", "请先阅知排查要求")
    page.click("#circulate")
    page.wait_for_selector("text=已传阅给 1 人")

    # The teacher finds it in her 待办, reads the 传阅 (已阅) and finishes with the reply.
    logout(page)
    login(page, base, "teacher")
    page.goto(f"{base}/tasks")
    page.locator("a", has_text=TITLE).first.click()
    page.wait_for_selector("#todo-nav")  # the to-do opens the document itself, its place in the queue above
    page.click("#mark-read")
    page.wait_for_selector("text=已阅")
    page.click("#act-link")
    page.fill("#f-handling_opinion", "已完成校舍、消防、食堂排查，发现问题2处已整改")
    page.fill("#f-reply", "我校已完成排查，整改报告3月8日报区教育局")
    page.click("#actions button[value=finish]")
    page.wait_for_selector("text=已办理")

    # The school's office archives its 收文, the 保管期限 proposed by the table.
    logout(page)
    login(page, base, "school_admin")
    page.goto(f"{base}/documents/exchange")
    page.locator(".delivery-row", has_text=TITLE).get_by_role("link", name="本单位收文").click()
    page.wait_for_selector("#proposed-retention")
    page.click("#archive-card button[type=submit]")
    page.wait_for_selector("#archival-code")
    assert "-WS·" in page.locator("#archival-code").inner_text()

    # The city's office sees who signed, who returned and why, and the school's reply.
    as_user(page, base, "city_office")
    counts = page.locator("#exchange-counts").inner_text()
    assert "已签收 2" in counts and "已退文 1" in counts and "待签收 0" in counts
    status = page.locator("#delivery-status").inner_text()
    assert "请核实主送范围" in status and "我校已完成排查" in status
    page.click("#archive-card button[type=submit]")
    page.wait_for_selector("#archival-code")
    code = page.locator("#archival-code").inner_text()
    assert code.startswith("3399000000-WS·") and code.endswith("-0001")
    page.goto(f"{base}/documents/archive")
    assert code in page.inner_text("main")
