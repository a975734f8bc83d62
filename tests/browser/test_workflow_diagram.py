"""Journeys: a process model is drawn in the browser (SVG with its lanes); the leader finds the
incoming document in the to-do list and gives the instruction (批办) on the instance page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_the_incoming_document_process_is_drawn_with_its_lanes(page, live_server):
    login(page, live_server, "city_staff")
    page.goto(f"{live_server}/processes/incoming_document")
    page.wait_for_selector("#bpmn-diagram[data-rendered=true]")
    svg = page.locator("#bpmn-diagram svg").first
    assert svg.is_visible()
    text = page.locator("#bpmn-diagram svg").first.text_content()
    for lane in ("办公室", "局领导", "主办科室", "协办科室"):
        assert lane in text, lane
    # Every step of the definition is a shape in the drawing.
    assert page.locator("#bpmn-diagram [data-element-id^='Task_']").count() == 7


def test_the_leader_gives_the_instruction_from_the_todo_list(page, live_server):
    login(page, live_server, "leader")
    page.click("#nav-todo")
    page.click("text=关于做好2026年秋季学期中小学开学工作的通知")
    page.wait_for_selector("#todo-nav")  # the to-do opens the 收文 itself, its place in the queue above
    # its forms say which to-do they act on, so that the platform can go on to the next one
    expect(page.locator("main form[method=post] input[name=todo]").first).to_be_attached()  # after the script ran
    page.click("#act-link")  # then its step on the engine's page
    page.wait_for_selector("#bpmn-diagram[data-rendered=true]")
    assert page.locator("#bpmn-diagram .wf-current").count() == 1  # the current step is marked
    page.fill("#f-instruction", "同意拟办意见，请基础教育处抓紧落实")
    page.click("button[value=instruct]")
    page.wait_for_selector("text=已办理：批办")
    assert page.locator("#instance-state").inner_text() == "承办"
    assert "同意拟办意见" in page.locator("#event-flow").inner_text()
