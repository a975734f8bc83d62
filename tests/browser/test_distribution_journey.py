"""校校通 distribution in the browser: the city builds a channel from a published resource, pushes it
to the whole city, and reads the coverage per district (ECharts) and the list to 催收."""

from __future__ import annotations

from tests.browser.conftest import login


def test_channel_push_and_coverage(page, live_server):
    base = live_server
    login(page, base, "city_staff")
    page.goto(f"{base}/distribution")
    page.fill("#channel-name", "浏览器旅程：八年级数学专题")
    page.click("form[action$='/distribution/channels'] button[type=submit]")
    page.wait_for_selector("text=频道已建立")
    page.fill("#resource-q", "勾股定理的证明")
    page.click("button:has-text('查找')")
    page.get_by_label("勾股定理的证明", exact=False).first.check()
    page.click("text=加入频道")
    page.wait_for_selector("text=频道现为第 1 版")
    assert page.locator("#channel-items tbody tr").count() == 1
    page.fill("#push-ws", "22:00")
    page.fill("#push-we", "06:00")
    page.fill("#push-cap", "512")
    page.click("form[action$='/pushes'] button[type=submit]")
    page.wait_for_selector("#coverage-chart[data-rendered='1']")
    assert "22:00–06:00" in page.inner_text("main")
    assert page.locator("#coverage-table tbody tr", has_text="东湖区").count() == 1
    assert page.locator("#coverage-chart svg").count() == 1
    page.click("text=向这些学校的管理员催收")
    page.wait_for_selector("text=催收通知")
