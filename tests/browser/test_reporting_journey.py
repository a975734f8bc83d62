"""数据填报 end to end: the city issues a task, a school fills it in and submits, the district returns
it with a comment, the school fixes and resubmits, the district and the city approve, and the city
downloads the aggregate."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook

from eduplatform.accounts.seed import DEMO_PASSWORD

TITLE = "浏览器旅程：教师与学生情况统计"


def login(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user")


def logout(page):
    # Let the page's static requests finish first: a response still in flight after the logout
    # would carry the old (permanent, refreshed-on-every-request) session cookie back.
    page.wait_for_load_state("networkidle")
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def open_submission_as_school(page, base):
    page.goto(f"{base}/reporting/todo")
    page.locator("#todo-table tr", has_text=TITLE).get_by_role("link").click()
    page.wait_for_selector("#fill-form")


def open_submission_as_bureau(page, base, task_url, school):
    page.goto(task_url)
    if page.locator("#school-table").count() == 0:  # the city drills down into 东湖区 first
        page.locator("#group-table a", has_text="东湖区教育局").click()
    page.locator("#school-table tr", has_text=school).get_by_role("link", name="查看").click()
    page.wait_for_selector("#events")


def test_issue_fill_return_resubmit_approve_and_aggregate(page, live_server):
    base = live_server
    page.on("dialog", lambda dialog: dialog.accept())

    # The city issues the task to 东湖区 with the seeded template.
    login(page, base, "city_staff")
    page.goto(f"{base}/reporting/tasks")
    page.click("#new-task")
    page.select_option("#template_id", label="学校基本情况统计表（V1，示范市教育局）")
    page.fill("#title", TITLE)
    page.fill("#period", "2026秋")
    page.fill("#due_at", "2099-12-01T17:00")
    page.fill("#instructions", "请于期限内如实填报。")
    page.check("label:has-text('东湖区教育局')")
    page.click("#issue-task")
    page.wait_for_selector("#completeness-chart[data-rendered='1']")
    task_url = page.url
    assert re.search(r"/reporting/tasks/\d+$", task_url)
    assert page.locator("#count-expected").inner_text() == "3"
    logout(page)

    # The school fills in; autosave computes the totals; a broken rule stops the submission.
    login(page, base, "school_admin")
    open_submission_as_school(page, base)
    page.select_option("#in-school_kind", label="公办")
    page.fill("#in-principal", "孙校长")
    page.fill("#in-classes", "12")
    page.fill("#in-teachers_total", "30")
    page.fill("#in-teachers_female", "40")
    for row, (boys, girls) in {"g1": (100, 95), "g2": (98, 97), "g3": (90, 92)}.items():
        page.fill(f"[id='in-grades.{row}.boys']", str(boys))
        page.fill(f"[id='in-grades.{row}.girls']", str(girls))
    page.wait_for_selector("#autosave-status.text-success")
    page.wait_for_function("document.getElementById('in-students_total').value === '572'")
    assert page.locator("[id='in-grades.g1.total']").input_value() == "195"
    page.click("#submit-report")
    page.wait_for_selector("[data-error-for='teachers_female']:has-text('女教师数不能超过专任教师数')")
    page.fill("#in-teachers_female", "20")
    page.click("#submit-report")
    page.wait_for_selector("#lock-reason")
    assert page.locator("#submission-status").inner_text() == "已上报待审核"
    assert "等待东湖区教育局审核" in page.locator("#lock-reason").inner_text()
    logout(page)

    # The district returns it with a comment.
    login(page, base, "dh_staff")
    open_submission_as_bureau(page, base, task_url, "东湖区第一初级中学")
    page.fill("#review-comment", "请补充学生社团信息")
    page.click("#return")
    page.wait_for_selector("#submission-status:has-text('已退回')")
    logout(page)

    # The school sees the reason, adds a club and resubmits.
    login(page, base, "school_admin")
    open_submission_as_school(page, base)
    assert "请补充学生社团信息" in page.locator("#return-reason").inner_text()
    page.fill("[id='in-clubs.1.name']", "数学建模社")
    page.fill("[id='in-clubs.1.members']", "18")
    page.wait_for_selector("#autosave-status.text-success")
    page.click("#submit-report")
    page.wait_for_selector("#submission-status:has-text('已上报待审核')")
    logout(page)

    # The district approves, then the city.
    login(page, base, "dh_staff")
    open_submission_as_bureau(page, base, task_url, "东湖区第一初级中学")
    page.click("#approve")
    page.wait_for_selector("#submission-status:has-text('区县已通过待市级审核')")
    logout(page)
    login(page, base, "city_staff")
    open_submission_as_bureau(page, base, task_url, "东湖区第一初级中学")
    assert "请补充学生社团信息" in page.locator("#events").inner_text()
    page.click("#approve")
    page.wait_for_selector("#submission-status:has-text('审核通过')")
    steps = page.locator("#events li").all_inner_texts()
    assert [s.split("）")[-1].strip()[:4] for s in steps] == ["上报", "退回：请", "上报", "审核通过", "审核通过"]

    # The city downloads the aggregate.
    page.goto(task_url)
    page.click("#open-aggregate")
    row = page.locator("#aggregate-table tr[data-key='teachers_total'] td")
    assert row.last.inner_text() == "30"
    with page.expect_download() as download_info:
        page.click("#download-aggregate")
    download = download_info.value
    assert download.suggested_filename.endswith("汇总.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    sums = {r[0]: r[-1] for r in workbook["合计"].iter_rows(values_only=True)}
    assert sums["teachers_total"] == 30 and sums["students_total"] == 572 and sums["clubs.*.members"] == 18
