"""At 390 px the results come first: search facets and a volume's 目录 fold behind a button, and no
page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_search_and_textbook_pages_on_a_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "teacher")
        page.goto(f"{live_server}/resources/search?q=勾股定理")
        expect(page.locator(".search-hit").first).to_be_visible()
        expect(page.locator("#facets")).to_be_hidden()
        hit_top = page.locator(".search-hit").first.bounding_box()["y"]
        assert hit_top < 400, hit_top  # the first result is on the first screen
        page.click("#facets-toggle")
        expect(page.locator("#facets")).to_be_visible()
        for path in ("/resources/search?q=勾股定理", "/resources/textbooks", "/resources/textbooks/pep-math-8b"):
            page.goto(live_server + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
        expect(page.locator("#textbook-toc")).to_be_hidden()
        page.locator("button", has_text="目录").click()
        expect(page.locator("#textbook-toc")).to_be_visible()
    finally:
        context.close()
