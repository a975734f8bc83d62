"""The page viewer (templates/_previews.html, static/js/page-viewer.js) driven in Chromium: 上一页 /
下一页 by button and by the arrow keys (and Home/End), the page number, the one visible image, pages
fetched only when about to be shown, where the focus goes, and the first and last page's limits.

The seeded 二次函数的图像与性质 courseware gets three page images made from a small PDF by the same
mechanism the worker uses (``core.storage.page_images``), instead of waiting for LibreOffice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eduplatform.core.extensions import db
from tests.browser.conftest import login
from tests.resources.conftest import make_paged_pdf


@pytest.fixture(scope="module")
def paged_resource(live_app, tmp_path_factory):
    from eduplatform.core.storage import page_images
    from eduplatform.resources.models import Resource

    pdf = tmp_path_factory.mktemp("viewer") / "pages.pdf"
    pdf.write_bytes(make_paged_pdf(3))
    with live_app.app_context():
        resource = db.session.scalar(db.select(Resource).where(Resource.title == "二次函数的图像与性质"))
        made = page_images.make_page_images(pdf, extension="pdf", name=f"viewer-{resource.version.id}", timeout=60)
        resource.version.preview_pages, resource.version.page_count = made.pages, made.page_count
        db.session.commit()
        found = resource.id
        db.session.remove()
    return found


def test_the_page_viewer_turns_pages_by_button_and_by_key(page, live_server, paged_resource):
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/resources/{paged_resource}")
    viewer = page.locator("#page-viewer")
    number = viewer.locator("[data-page-current]")
    previous, following = viewer.locator("[data-page-prev]"), viewer.locator("[data-page-next]")
    images = viewer.locator("img.page-image")
    expect(images).to_have_count(3)
    expect(viewer).to_contain_text("第 1 / 3 页")

    def on_page(n: int) -> None:
        expect(number).to_have_text(str(n))
        for i in range(1, 4):  # exactly one image shows, and it is page n, loaded
            (expect(images.nth(i - 1)).to_be_visible if i == n else expect(images.nth(i - 1)).to_be_hidden)()
        shown = images.nth(n - 1)
        expect(shown).to_have_attribute("alt", re.compile(f"第 {n} 页$"))
        shown.evaluate("img => img.decode()")
        assert shown.evaluate("img => img.complete && img.naturalWidth") == 1280
        expect(previous).to_be_disabled() if n == 1 else expect(previous).to_be_enabled()
        expect(following).to_be_disabled() if n == 3 else expect(following).to_be_enabled()

    on_page(1)
    assert images.nth(2).get_attribute("src") is None  # page 3 is fetched only when it is next

    following.click()
    on_page(2)
    assert images.nth(2).get_attribute("src", timeout=1000).endswith(f"/resources/{paged_resource}/pages/3")
    assert page.evaluate("document.activeElement.hasAttribute('data-page-next')")  # the focus stays on 下一页

    page.keyboard.press("ArrowRight")  # from the focused button
    on_page(3)
    # 下一页 is disabled on the last page: the focus is not lost to the page but kept in the viewer
    assert page.evaluate("document.activeElement.id") == "page-viewer"
    page.keyboard.press("ArrowRight")  # no page after the last
    on_page(3)

    page.keyboard.press("ArrowLeft")
    on_page(2)
    previous.click()
    on_page(1)
    assert page.evaluate("document.activeElement.id") == "page-viewer"  # 上一页 disabled in turn
    page.keyboard.press("ArrowLeft")  # nor before the first
    on_page(1)
    page.keyboard.press("End")
    on_page(3)
    page.keyboard.press("Home")
    on_page(1)

    # with nothing focused, the arrow keys still turn the pages
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    on_page(2)
