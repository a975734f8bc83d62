"""A 科员 drafts a notice with an attachment and submits it; the office reviews and publishes it;
the public finds it on the site, opens it (索引号 table) and downloads the attachment; the office
withdraws it and its address then says it was withdrawn."""

from __future__ import annotations

from tests.browser.conftest import login, logout

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TITLE = "关于开展2027年中小学校园安全月活动的通知"


def test_draft_review_publish_find_and_withdraw(page, live_server, tmp_path):
    base = live_server
    login(page, base, "city_staff")
    page.click("a.dropdown-toggle:text-is('教育电子政务')")
    page.click("a.dropdown-item:text-is('门户信息发布')")
    page.wait_for_selector("#column-tree")
    page.goto(f"{base}/portal/manage/new?column=notices")
    page.fill("#f-title", TITLE)
    page.click("#f-body-editor")  # the body is written in the rich-text editor
    page.keyboard.type("各区县教育局：定于3月开展校园安全月活动。")
    page.fill("#f-written", "2026-12-01")
    page.click("#article-form button[type=submit]")
    page.wait_for_selector("text=已保存草稿")
    attachment = tmp_path / "活动方案.pdf"
    attachment.write_bytes(PDF)
    page.set_input_files("#att-file", str(attachment))
    page.click("#attach-form button[type=submit]")
    page.wait_for_selector("text=已添加附件 活动方案.pdf")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("text=已提交审核")
    assert page.inner_text("#article-state") == "待审核"
    article_url = page.url
    logout(page)

    login(page, base, "city_office")
    page.goto(article_url)
    page.fill("#r-opinion", "同意发布")
    page.click("#review-form button[value=approve]")
    page.wait_for_selector("text=已发布")
    index_no = page.inner_text("#article-index")
    assert index_no.startswith("3399000000/")
    logout(page)

    page.goto(f"{base}/portal/c/notices")
    page.click(f"text={TITLE}")
    assert page.inner_text("#meta-index") == index_no
    assert page.inner_text("#meta-org") == "示范市教育局"
    with page.expect_download() as download:
        page.click("#attachment-list a")
    assert download.value.suggested_filename == "活动方案.pdf"
    public_url = page.url
    page.fill("#site-q", "校园安全月")
    page.click("form[role=search] button")
    assert TITLE in page.inner_text("#search-results")

    login(page, base, "city_office")
    page.goto(article_url)
    page.fill("#w-reason", "活动时间调整，另行通知")
    page.click("#withdraw-form button[type=submit]")
    page.wait_for_selector("text=已撤回")
    logout(page)
    response = page.goto(public_url)
    assert response.status == 410 and "该信息已撤回" in page.inner_text("#gone-notice")
