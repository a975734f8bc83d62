"""学情 in headless Chromium: the demo 数学 teacher's class × knowledge-point heat map renders with
ECharts (a canvas, one cell per class and point with data), the table beside it leads to the class's
students and on to one student's page; the demo student opens their own 学情 and the term report PDF."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login, logout


def test_heat_map_renders_and_drills_down(page, live_server):
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/learning/mastery")
    chart = page.locator("#mastery-heatmap[data-rendered='1']")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas")).to_have_count(1)
    cells = page.evaluate("""() => {
        const option = echarts.getInstanceByDom(document.getElementById('mastery-heatmap')).getOption();
        return {cells: option.series[0].data.length, classes: option.yAxis[0].data.length,
                points: option.xAxis[0].data.length, type: option.series[0].type};
    }""")
    assert cells["type"] == "heatmap" and cells["cells"] >= cells["points"] >= 3 and cells["classes"] >= 1
    page.locator("#heatmap-table tbody a").first.click()
    expect(page.locator("#class-mastery")).to_be_visible()
    page.locator("#class-mastery tbody a").first.click()
    expect(page.locator("#student-mastery tbody tr").first).to_be_visible()
    assert "待提高" in page.content() or "掌握" in page.content()
    logout(page)

    login(page, live_server, "student")
    page.goto(f"{live_server}/learning/mastery/me")
    expect(page.locator("h1")).to_have_text("我的学情")
    href = page.locator("#term-report-link").get_attribute("href")
    report = page.request.get(f"{live_server}{href}")
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    assert report.body()[:5] == b"%PDF-"
