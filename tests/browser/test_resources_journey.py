"""A teacher uploads courseware, it is reviewed at school and district, another school's teacher
finds it by a word from inside its slides, previews it and downloads it."""

from __future__ import annotations

import io
from pathlib import Path

from eduplatform.accounts.seed import DEMO_PASSWORD


def login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user")


def logout(page):
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def make_courseware() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in (("一元二次方程根与系数的关系", "九年级上册 第二十一章"),
                        ("韦达定理", "两根之和等于负的一次项系数除以二次项系数"),
                        ("课堂练习", "不解方程，求两根的平方和")):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_upload_review_find_preview_download(page, live_server, tmp_path):
    content = make_courseware()
    path = Path(tmp_path) / "根与系数的关系.pptx"
    path.write_bytes(content)

    # 1. The demo teacher uploads the courseware with Chinese metadata and submits it.
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/resources/upload")
    # The file first: choosing it sends it; the form comes back for the type it suggests, prefilled.
    page.set_input_files("#f-file", str(path))
    page.wait_for_selector("#upload-form")
    assert page.locator("#type-choice [aria-current=true]").inner_text() == "课件"
    assert page.input_value("#f-title") == "根与系数的关系"
    assert page.locator("#conformance-summary").inner_text() == "技术规范检查全部通过。"
    page.fill("#f-title", "一元二次方程根与系数的关系 教学课件")
    page.fill("#f-description", "九年级数学课件：从求根公式推出根与系数的关系，配课堂练习。")
    page.select_option("#f-stage", label="初中")
    page.select_option("#f-subject", label="数学")
    page.select_option("#f-grade", label="九年级")
    page.select_option("#f-textbook_edition", label="人教版")
    page.fill("#f-keywords", "一元二次方程，根与系数")
    page.click("#upload-submit")
    page.wait_for_selector("#resource-title")
    assert "一元二次方程根与系数的关系" in page.locator("#resource-title").inner_text()
    assert page.locator("#conformance-status").inner_text() == "通过"
    assert "韦达定理" in page.locator("#text-preview").inner_text()
    page.click("#action-submit")
    page.wait_for_selector("text=已提交审核")
    resource_url = page.url
    logout(page)

    # 2. The school's reviewer, then the district's, approve it from their queues.
    for reviewer, button, result in (("school_admin", "学校审核通过", "转区县审核"), ("dh_staff", "区县审核通过", "资源已发布")):
        login(page, live_server, reviewer)
        page.goto(f"{live_server}/resources/review")
        page.click("#review-queue >> text=一元二次方程根与系数的关系 教学课件")
        page.click(f"button:has-text('{button}')")
        page.wait_for_selector(f"text={result}")
        logout(page)

    # 3. A teacher of another school finds it by a word that is only inside the slides.
    login(page, live_server, "teacher2")
    page.goto(f"{live_server}/resources")
    page.fill("#resource-q", "韦达定理")
    page.keyboard.press("Enter")
    page.wait_for_selector(".search-hit")
    page.click(".search-hit >> text=教学课件")
    page.wait_for_selector("#preview")
    assert page.url == resource_url
    assert "两根之和" in page.locator("#text-preview").inner_text()
    assert "人教版" in page.locator("#metadata").inner_text()

    # 4. … and downloads it: the same bytes, under its Chinese name.
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "根与系数的关系.pptx"
    assert Path(download.path()).read_bytes() == content
