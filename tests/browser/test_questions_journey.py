"""The question bank end to end in headless Chromium: a teacher imports a GIFT file, assembles a paper
by rules, publishes it as an exam; a student takes it; the teacher grades the essay and sees the
statistics."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from eduplatform.accounts.seed import DEMO_PASSWORD

GIFT = """// 浏览器测试导入的题目
$CATEGORY: $course$/top/浏览器测试/方程

::行程一:: 小明每分钟走 60 米，走 5 分钟共走多少米？ {=300 米 ~250 米 ~360 米 ####$60\\times5=300$}

::行程二:: 方程 $x-3=4$ 的解是 {=$x\\=7$ ~$x\\=1$ ~$x\\=-7$}

::作文:: 请用一句话说明什么是一元一次方程。 {}
"""


def login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user")


def logout(page):
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def test_import_assemble_publish_take_grade_and_see_statistics(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    # 1. The teacher imports a GIFT file: preview first, then confirm.
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/questions/import")
    page.set_input_files("#import-file", files=[{"name": "行程.gift", "mimeType": "text/plain",
                                                 "buffer": GIFT.encode("utf-8")}])
    page.select_option("#import-format", "gift")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-summary")
    assert "共 3 道可导入的试题" in page.inner_text("#import-summary")
    assert "浏览器测试/方程" in page.inner_text("#import-summary")
    page.click("#confirm-import")
    page.wait_for_selector("text=已导入 3 道试题")
    page.wait_for_selector(".katex")  # formulas rendered by the local KaTeX

    # 2. Assemble by rules: two single-choice questions and one essay, with a fixed seed.
    page.goto(f"{live_server}/questions/papers/assemble")
    page.fill("#paper-title", "浏览器测试卷")
    rows = page.locator("#rules-table tbody tr")
    for n, (qtype, count, score) in enumerate([("single", "2", "5"), ("essay", "1", "10"), ("", "", "")]):
        rows.nth(n).locator("select[name=rule_type]").select_option(qtype)
        rows.nth(n).locator("input[name=rule_count]").fill(count)
        rows.nth(n).locator("input[name=rule_score]").fill(score)
    page.fill("input[name=seed]", "7")
    page.click("#assemble-submit")
    page.wait_for_selector("#paper-heading")
    assert page.inner_text("#paper-heading") == "浏览器测试卷"
    assert page.inner_text("#paper-total") == "20"

    # 3. Publish it as an exam for the teacher's school.
    page.click("#publish-exam")
    page.fill("input[name=time_limit_minutes]", "30")
    page.click("#exam-submit")
    page.wait_for_selector("text=考试已发布")
    exam_url = page.url
    exam_id = re.search(r"/exams/(\d+)", exam_url).group(1)
    logout(page)

    # 4. The student takes it: answers autosave, then the paper is handed in.
    login(page, live_server, "student")
    page.goto(f"{live_server}/questions/my-exams")
    assert "浏览器测试卷" in page.inner_text("#my-exams")
    page.goto(f"{live_server}/questions/exams/{exam_id}/take")
    page.click("#start-exam")
    page.wait_for_selector("#exam-app")
    expect(page.locator("#exam-timer")).to_have_text(re.compile(r"\d\d:\d\d"))  # the script ticks it
    for item in page.locator(".exam-item[data-type=single]").all():
        item.locator("input[type=radio]").first.check()
    page.locator(".exam-item[data-type=essay] textarea").fill("只含有一个未知数、未知数的次数是 1 的整式方程。")
    page.wait_for_selector("#save-status[data-saved='1']")
    page.click("#submit-exam")
    page.wait_for_selector("#result-pending")
    logout(page)

    # 5. The teacher grades the essay, releases the results and reads the statistics.
    login(page, live_server, "teacher")
    page.goto(exam_url)
    page.click("#grading-link")
    card = page.locator(".grading-card").first
    assert "未知数" in card.locator(".student-response").inner_text()
    card.locator("input[name=score]").fill("8")
    card.locator("input[name=feedback]").fill("表述准确")
    card.locator("button").click()
    page.wait_for_selector("#grading-done")
    page.goto(exam_url)
    page.click("#release-button")
    page.wait_for_selector("text=成绩已发布")
    page.click("#stats-link")
    page.wait_for_selector("body[data-charts=ready]")
    assert page.inner_text("[data-stat=参考人数]") == "1"
    assert page.locator("#chart-distribution canvas").count() == 1
    assert page.locator("#item-stats tbody tr").count() == 3
    mean = float(page.inner_text("[data-stat=平均分]"))
    assert 8 <= mean <= 18
    logout(page)

    # 6. The student now sees the score, the key and the teacher's comment.
    login(page, live_server, "student")
    page.goto(f"{live_server}/questions/exams/{exam_id}/result")
    assert f"{mean:g}" in page.inner_text("#result-score")
    assert "表述准确" in page.content()


CLOZE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="category"><category><text>$course$/top/浏览器测试/完形</text></category></question>
<question type="cloze"><name><text>柏林</text></name>
<questiontext format="html"><text><![CDATA[<p>Berlin liegt an der {1:MULTICHOICE:=Spree#Richtig~Rhein#Nein}
und hat {2:NUMERICAL:=3.7:0.1} Millionen Einwohner. Hauptstadt von {1:SHORTANSWER:=Deutschland#Gut}.
Flüsse: {1:MR:%50%Havel~%50%Spree~%-100%Nil}; Farbe: {1:MCV:=schwarz~grün}.</p>]]></text></questiontext>
<defaultgrade>6</defaultgrade></question></quiz>"""


def test_cloze_imported_taken_inline_and_graded(page, live_server):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, "teacher")
    page.goto(f"{live_server}/questions/import")
    page.set_input_files("#import-file", files=[{"name": "cloze.xml", "mimeType": "application/xml",
                                                 "buffer": CLOZE_XML.encode("utf-8")}])
    page.select_option("#import-format", "moodle_xml")
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-verdicts")
    assert "原样保留" in page.inner_text("#import-verdicts")
    page.click("#confirm-import")
    page.wait_for_selector("text=已导入 1 道试题")

    page.goto(f"{live_server}/questions/papers/assemble")
    page.fill("#paper-title", "完形填空卷")
    rows = page.locator("#rules-table tbody tr")
    rows.nth(0).locator("select[name=rule_type]").select_option("cloze")
    rows.nth(0).locator("input[name=rule_count]").fill("1")
    rows.nth(0).locator("input[name=rule_score]").fill("6")
    for n in (1, 2):
        rows.nth(n).locator("select[name=rule_type]").select_option("")
        rows.nth(n).locator("input[name=rule_count]").fill("")
        rows.nth(n).locator("input[name=rule_score]").fill("")
    page.click("#assemble-submit")
    page.wait_for_selector("#paper-heading")
    page.click("#publish-exam")
    page.fill("input[name=time_limit_minutes]", "30")
    page.click("#exam-submit")
    page.wait_for_selector("text=考试已发布")
    exam_url = page.url
    exam_id = re.search(r"/exams/(\d+)", exam_url).group(1)
    logout(page)

    login(page, live_server, "student")
    page.goto(f"{live_server}/questions/exams/{exam_id}/take")
    page.click("#start-exam")
    item = page.locator(".exam-item[data-type=cloze]")
    item.locator("select.cloze-part").select_option(label="Spree")
    parts = item.locator("input.cloze-part[data-kind=text]")
    parts.nth(0).fill("3.65")
    parts.nth(1).fill("deutschland")
    item.locator("input[type=checkbox][value='0']").check()
    item.locator("input[type=checkbox][value='1']").check()
    item.locator("input[type=radio][value='0']").check()
    page.wait_for_selector("#save-status[data-saved='1']")
    page.click("#submit-exam")
    page.wait_for_selector("#result-pending")
    logout(page)

    login(page, live_server, "teacher")
    page.goto(exam_url)
    page.click("#release-button")
    page.wait_for_selector("text=成绩已发布")
    logout(page)
    login(page, live_server, "student")
    page.goto(f"{live_server}/questions/exams/{exam_id}/result")
    assert page.inner_text("#result-score").startswith("得分：6 / 6")
    assert "Richtig" in page.content() and "Gut" in page.content()
