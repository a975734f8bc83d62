"""The rich-text editor in headless Chromium: a teacher writes a course description with bold text,
a bullet list and an uploaded picture, saves, and sees it rendered; axe-core finds no serious or
critical WCAG 2.1 A/AA violation on the editor page; without the editor's script the textarea is
the field and the form still saves."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eduplatform.core.extensions import db
from tests.browser.conftest import CHROMIUM, SCREENSHOTS, login

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def course_id(live_app):
    from eduplatform.accounts.services import find_user
    from eduplatform.courses import catalogue
    from eduplatform.courses.models import CourseAudience, EnrolmentMode

    with live_app.app_context():
        course = catalogue.create_course(find_user("teacher"), {
            "title": "浏览器测试课程：富文本", "summary": "课程介绍用编辑器填写", "stage": "junior",
            "subject": "math", "grade": "g7", "audience": CourseAudience.STUDENTS,
            "enrolment_mode": EnrolmentMode.OPEN, "training_hours": 0, "description": "<p>旧的介绍</p>"})
        db.session.commit()
        found = course.id
        db.session.remove()
    return found


@pytest.fixture
def editor_page(browser):
    assert Path(CHROMIUM).exists()
    # bypass_csp: axe is injected as an inline script (the platform's CSP allows only its own files)
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "richtext_editor.png"), full_page=True)
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def _violations(page, form: str = "#course-form") -> list[dict]:
    """Serious and critical violations in the form holding the editor (the page's top bar and the
    course's manage tabs are the base layout's, and have contrast findings of their own)."""
    page.add_script_tag(content=AXE)
    result = page.evaluate("""async ([tags, form]) => {
        const r = await axe.run({include: [[form]]}, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 200))}));
    }""", [TAGS, form])
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_a_teacher_writes_a_rich_course_description(editor_page, live_server, live_app, course_id):
    page = editor_page
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/courses/{course_id}/edit")
    editor = page.locator("#description-editor")
    editor.wait_for()
    assert page.locator("#description").is_hidden()  # the textarea stays, as the field
    assert "旧的介绍" in editor.inner_text()  # the saved text is loaded into the editor
    # the toolbar speaks Chinese
    for label in ("加粗", "倾斜", "下划线", "编号列表", "项目符号列表", "插入链接", "插入图片", "代码块"):
        assert page.locator(f'.ql-toolbar button[aria-label="{label}"]').count() == 1, label
    assert page.locator('.ql-toolbar button[aria-label="加粗"]').get_attribute("title") == "加粗"

    bad = _violations(page)
    assert bad == [], bad

    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("本课程讲")
    page.click('.ql-toolbar button[aria-label="加粗"]')
    page.keyboard.type("一元一次方程")
    page.click('.ql-toolbar button[aria-label="加粗"]')
    page.keyboard.type("的解法。")
    page.keyboard.press("Enter")
    page.click('.ql-toolbar button[aria-label="项目符号列表"]')
    page.keyboard.type("移项")
    page.keyboard.press("Enter")
    page.keyboard.type("合并同类项")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list

    # a table: 插入表格 (3 × 3), one more row below and one more column to the right of the cell
    for label in ("插入表格（3 行 3 列）", "在下方插入行", "在右侧插入列", "删除表格"):
        assert page.locator(f'.ql-toolbar button[aria-label="{label}"]').count() == 1, label
    page.click('.ql-toolbar button[aria-label="插入表格（3 行 3 列）"]')
    table = editor.locator("table")
    expect(table.locator("tr")).to_have_count(3)
    expect(table.locator("td")).to_have_count(9)
    page.keyboard.type("姓名")  # the cursor is in the first cell
    page.click('.ql-toolbar button[aria-label="在下方插入行"]')
    page.click('.ql-toolbar button[aria-label="在右侧插入列"]')
    expect(table.locator("tr")).to_have_count(4)
    expect(table.locator("tr").first.locator("td")).to_have_count(4)
    assert table.locator("td").first.inner_text().strip() == "姓名"
    editor.locator("p").last.click()  # back below the table

    with page.expect_file_chooser() as chooser:
        page.click('.ql-toolbar button[aria-label="插入图片"]')
    with page.expect_response(lambda r: r.url.endswith("/editor/images") and r.request.method == "POST") as answer:
        chooser.value.set_files({"name": "板书.png", "mimeType": "image/png", "buffer": png_bytes()})
    assert answer.value.status == 201
    picture = editor.locator('img[src^="/editor/images/"]')
    picture.wait_for()
    src = picture.get_attribute("src")

    # a pasted picture is uploaded the same way (not kept as a data: URL)
    with page.expect_response(lambda r: r.url.endswith("/editor/images") and r.request.method == "POST") as pasted:
        page.evaluate("""(bytes) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(bytes)], "粘贴.png", {type: "image/png"}));
            document.querySelector("#description-editor").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""", list(png_bytes()))
    assert pasted.value.status == 201
    expect(editor.locator('img[src^="/editor/images/"]')).to_have_count(2)
    pasted_src = pasted.value.json()["url"]
    # pasted HTML whose picture is a data: URL: the picture is uploaded and put back by its URL
    inline = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    with page.expect_response(lambda r: r.url.endswith("/editor/images") and r.request.method == "POST") as adopted:
        page.evaluate("""(html) => {
            const data = new DataTransfer();
            data.setData("text/html", html);
            document.querySelector("#description-editor").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""", f'<p><img src="{inline}"></p>')
    assert adopted.value.status == 201
    expect(editor.locator('img[src^="/editor/images/"]')).to_have_count(3)
    expect(editor.locator('img[src^="data:"]')).to_have_count(0)

    # a foreign picture typed as HTML does not survive the server
    page.evaluate("""() => { const t = document.getElementById('description');
        t.form.addEventListener('submit', () => { t.value += '<p><img src="https://evil.example/x.png"></p>'
            + '<script>alert(1)<\\/script>'; }); }""")
    with page.expect_navigation():
        page.click("#save-course")

    page.goto(f"{live_server}/courses/{course_id}")
    shown = page.locator(".course-description")
    assert shown.locator("strong").inner_text() == "一元一次方程"
    items = shown.locator('li[data-list="bullet"]')
    assert items.all_inner_texts() == ["移项", "合并同类项"]
    assert items.first.evaluate("li => getComputedStyle(li).listStyleType") == "disc"
    image = shown.locator(f'img[src="{src}"]')
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    assert shown.locator(f'img[src="{pasted_src}"]').count() == 1
    assert shown.locator('img[src^="https://"]').count() == 0
    assert shown.locator("table tr").count() == 4 and shown.locator("table td").first.inner_text() == "姓名"

    from eduplatform.courses.models import Course

    with live_app.app_context():
        description = db.session.get(Course, course_id).description
        db.session.remove()
    assert "<strong>一元一次方程</strong>" in description
    assert '<li data-list="bullet">' in description and "合并同类项</li>" in description
    assert f'<img src="{src}">' in description
    assert "evil.example" not in description and "<script" not in description
    assert description.count("<tr>") == 4 and description.count("<td") == 16 and '<td data-row="row-' in description

    # opened again, the editor shows the same text (its own format read back)
    page.goto(f"{live_server}/courses/{course_id}/edit")
    editor = page.locator("#description-editor")
    editor.wait_for()
    assert editor.locator('li[data-list="bullet"]').all_inner_texts() == ["移项", "合并同类项"]
    assert editor.locator("strong").inner_text() == "一元一次方程"
    assert editor.locator(f'img[src="{src}"]').count() == 1
    assert editor.locator("table tr").count() == 4 and editor.locator("table td").count() == 16


def test_without_the_script_the_textarea_saves(browser, live_server, live_app, course_id):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server, "teacher")
        page.goto(f"{live_server}/courses/{course_id}/edit")
        assert page.locator("#description").is_visible()
        page.fill("#description", "<p>无脚本时直接填写 <u>HTML</u></p>")
        page.click("#save-course")
        page.wait_for_load_state()
    finally:
        context.close()
    from eduplatform.courses.models import Course

    with live_app.app_context():
        description = db.session.get(Course, course_id).description
        db.session.remove()
    assert description == "<p>无脚本时直接填写 <u>HTML</u></p>"


def test_the_portal_article_editor_is_chinese_and_accessible(editor_page, live_server):
    page = editor_page
    login(page, live_server, "city_staff")
    page.goto(f"{live_server}/portal/manage/new?column=notices")
    editor = page.locator("#f-body-editor")
    editor.wait_for()
    assert page.locator("#f-body").is_hidden()
    assert page.locator(".ql-toolbar .ql-picker-label").first.get_attribute("aria-label") == "段落格式"
    bad = _violations(page, "#article-form")
    assert bad == [], bad
    editor.click()
    page.click(".ql-toolbar .ql-picker.ql-header .ql-picker-label")
    page.click('.ql-toolbar .ql-picker.ql-header .ql-picker-item[data-value="2"]')
    page.keyboard.type("一、活动安排")
    assert editor.locator("h2").inner_text() == "一、活动安排"
    assert page.locator("#f-body").input_value() == "<h2>一、活动安排</h2>"
