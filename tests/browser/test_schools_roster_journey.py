"""A school admin imports a class roster from Excel, prints the account slips; a student logs in with
the initial password and is made to change it before anything else."""

from __future__ import annotations

import io

from openpyxl import Workbook

from eduplatform.accounts.seed import DEMO_PASSWORD
from eduplatform.schools.personal import check_digit
from tests.browser.test_login_journey import login

SCHOOL = "2133990102"  # 东湖区第一初级中学, the demo school_admin's school


def roster() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["学号", "姓名", "性别", "年级", "班级", "身份证号", "出生日期", "监护人", "监护人电话"])
    for n, (name, gender) in enumerate([("欧阳晓峰", "男"), ("司马静", "女"), ("上官云", "男")]):
        first17 = f"33010220110{n + 3}1500{1 if gender == '男' else 2}"
        sheet.cell(row=n + 2, column=6).number_format = "@"  # ID numbers as text, as the template says
        sheet.append([f"J90{n + 1}", name, gender, "九年级", "2", first17 + check_digit(first17), None, "家长",
                      "13600000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_admin_imports_a_class_and_prints_slips_then_a_student_changes_the_initial_password(
        page, browser, live_server):
    login(page, live_server, "school_admin", DEMO_PASSWORD)
    page.goto(f"{live_server}/schools/{SCHOOL}/classes")
    page.select_option("#f-grade", label="九年级")
    page.fill("#f-number", "2")
    page.click("#class-form button")
    page.wait_for_selector("text=已新建班级 九年级(2)班")

    page.goto(f"{live_server}/schools/{SCHOOL}/import")
    page.select_option("#f-kind", "students")
    page.set_input_files("#f-file", files=[{"name": "九年级2班名册.xlsx", "buffer": roster(),
                                            "mimeType": "application/vnd.openxmlformats-officedocument"
                                                        ".spreadsheetml.sheet"}])
    page.click("#import-form button[type=submit]")
    assert "预检通过：新增 3 人" in page.locator("#import-ready").inner_text()
    page.click("#confirm-import")
    page.wait_for_selector("text=导入完成：新增 3 人")

    page.goto(f"{live_server}/schools/{SCHOOL}/classes")
    page.click("text=九年级(2)班")
    assert page.locator("#student-table tbody tr").count() == 3
    page.click("#provision-accounts")
    page.wait_for_selector("#slips")
    slips = page.locator(".slip")
    assert slips.count() == 3
    first = slips.filter(has_text="欧阳晓峰")
    username = first.locator(".slip-username").inner_text()
    password = first.locator(".slip-password").inner_text()
    assert username == f"s{SCHOOL}J901" and len(password) >= 8
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.click("#print-slips")
    assert page.evaluate("window.__printed") is True

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    student = context.new_page()
    try:
        login(student, live_server, username, password)
        student.wait_for_selector("#must-change")
        student.goto(f"{live_server}/school")  # anything else leads back to the change form
        assert student.url.endswith("/account/password")
        student.fill("#current_password", password)
        student.fill("#new_password", "Xuesheng#2026")
        student.fill("#confirm_password", "Xuesheng#2026")
        student.click("text=保存新密码")
        student.wait_for_selector("text=密码已修改")
        student.goto(f"{live_server}/school")
        assert "欧阳晓峰" in student.locator("#my-record").inner_text()
        assert "九年级(2)班" in student.locator("#my-record").inner_text()
    finally:
        context.close()


def test_city_staff_drills_down_the_indicator_dashboard(page, live_server):
    login(page, live_server, "city_staff", DEMO_PASSWORD)
    page.goto(f"{live_server}/indicators")
    page.wait_for_selector("#chart-ratio canvas")  # ECharts from /static drew the chart (no CSP errors)
    assert page.locator("#indicator-table tbody tr").count() == 2
    page.click("#indicator-table >> text=东湖区教育局")
    page.wait_for_selector("#indicator-trail >> text=东湖区教育局")
    assert page.locator("#indicator-table tbody tr").count() == 3
    assert "东湖区第一初级中学" in page.locator("#indicator-table").inner_text()
