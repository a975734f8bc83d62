"""The completeness dashboard adds up: for every mix of states, the tiles, the rates, the chart's data
and the table tell the same figures, and those are the ones counted by hand from the definitions
(应报 = 已报 + 已退回 + 未报, 已报 = 按时 + 逾期, 上报率 = 已报 ÷ 应报, 及时率 = 按时 ÷ 应报)."""

from __future__ import annotations

import itertools
import json
import random
from datetime import timedelta

import lxml.html
import pytest

from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.reporting.models import Submission, SubmissionStatus

S = SubmissionStatus
#: a school's state: (status, first hand-in on time?) — None where it never handed in
STATES = {
    "未填报": (S.NOT_STARTED, None),
    "草稿": (S.DRAFT, None),
    "按时待审": (S.SUBMITTED, True),
    "逾期待审": (S.SUBMITTED, False),
    "区县已过": (S.DISTRICT_APPROVED, True),
    "按时通过": (S.APPROVED, True),
    "逾期通过": (S.APPROVED, False),
    "按时后退回": (S.RETURNED, True),
    "逾期后退回": (S.RETURNED, False),
}
TILES = ("expected", "reported", "on_time", "late", "returned", "missing", "approved")


def by_hand(states: list[str]) -> dict[str, int]:
    """The figures counted from the page's 统计口径, one school at a time."""
    counts = dict.fromkeys(TILES, 0)
    for name in states:
        status, on_time = STATES[name]
        counts["expected"] += 1
        if status in (S.SUBMITTED, S.DISTRICT_APPROVED, S.APPROVED):
            counts["reported"] += 1
            counts["on_time" if on_time else "late"] += 1
            counts["approved"] += status == S.APPROVED
        elif status == S.RETURNED:
            counts["returned"] += 1
        else:
            counts["missing"] += 1
    return counts


def mixes() -> list[tuple[str, ...]]:
    """Every state alone on all four schools, and 40 random mixes (fixed seed)."""
    names = list(STATES)
    chosen = [(name,) * 4 for name in names]
    rng = random.Random(20261203)
    everything = list(itertools.product(names, repeat=4))
    chosen += rng.sample(everything, 40)
    return chosen


def put(task, schools, states) -> None:
    """Write the submissions' states directly: the dashboard reads only these columns."""
    start = utcnow() - timedelta(days=1)
    for school, name in zip(schools, states, strict=True):
        status, on_time = STATES[name]
        submission = db.session.scalar(db.select(Submission).where(Submission.task_id == task.id,
                                                                   Submission.school_id == school.id))
        submission.status = status
        submission.on_time = on_time
        submission.first_submitted_at = None if on_time is None else start
    db.session.commit()


def read_page(client, url) -> dict:
    tree = lxml.html.fromstring(client.get(url).get_data(as_text=True))
    tiles = {key: int(tree.get_element_by_id(f"count-{key}").text_content()) for key in TILES}
    rates = tree.get_element_by_id("rates").text_content().replace(" ", "")
    chart = json.loads(tree.get_element_by_id("completeness-data").text_content())["groups"]
    table = []
    for row in tree.get_element_by_id("group-table").xpath("./tbody/tr"):
        cells = [cell.text_content().strip() for cell in row.xpath("./td")]
        table.append(dict(zip(("expected", "reported", "on_time", "late", "returned", "missing", "approved"),
                              map(int, cells[1:]), strict=True)))
    return {"tiles": tiles, "rates": rates, "chart": chart, "table": table,
            "definitions": tree.get_element_by_id("definitions").text_content()}


@pytest.fixture
def city_client(client, auth, people):
    auth.login(people.city_staff)
    return client


def test_tiles_rates_chart_and_table_agree_for_every_mix(city_client, task, tree):
    schools = [tree.school_a1, tree.school_a2, tree.school_b1, tree.school_b2]
    for states in mixes():
        put(task, schools, states)
        seen = read_page(city_client, f"/reporting/tasks/{task.id}")
        expected = by_hand(list(states))
        assert seen["tiles"] == expected, states
        assert expected["expected"] == expected["reported"] + expected["returned"] + expected["missing"]
        assert expected["reported"] == expected["on_time"] + expected["late"]
        rate = f"{100 * expected['reported'] / 4:.0f}%/{100 * expected['on_time'] / 4:.0f}%"
        assert seen["rates"] == rate, states
        # The table's rows (one per district) and the chart's bars add up to the tiles.
        for key in TILES:
            assert sum(row[key] for row in seen["table"]) == expected[key], (states, key)
        for group in seen["chart"]:
            stacked = group["on_time"] + group["late"] + group["returned"] + group["missing"]
            assert stacked == group["expected"], (states, group)
        for key in ("on_time", "late", "returned", "missing"):
            assert sum(group[key] for group in seen["chart"]) == expected[key], (states, key)
        # Per district, against the hand count of its two schools.
        east, west = by_hand(list(states[:2])), by_hand(list(states[2:]))
        assert seen["table"] == [east, west], states
    assert "按时 ÷ 应报" in seen["definitions"] and "不计入已报" in seen["definitions"]


def test_a_returned_form_counts_again_when_handed_in_again(city_client, task, tree):
    """The report that showed 已报 1 with 按时 2: a returned school is neither reported nor on time."""
    schools = [tree.school_a1, tree.school_a2, tree.school_b1, tree.school_b2]
    put(task, schools, ("按时通过", "按时后退回", "未填报", "未填报"))
    tiles = read_page(city_client, f"/reporting/tasks/{task.id}")["tiles"]
    assert (tiles["reported"], tiles["on_time"], tiles["returned"]) == (1, 1, 1)
    put(task, schools, ("按时通过", "按时待审", "未填报", "未填报"))  # handed in again
    tiles = read_page(city_client, f"/reporting/tasks/{task.id}")["tiles"]
    assert (tiles["reported"], tiles["on_time"], tiles["returned"]) == (2, 2, 0)


def test_the_task_list_never_shows_more_on_time_than_reported(city_client, task, tree):
    schools = [tree.school_a1, tree.school_a2, tree.school_b1, tree.school_b2]
    put(task, schools, ("按时后退回", "按时后退回", "逾期通过", "草稿"))
    tree_ = lxml.html.fromstring(city_client.get("/reporting/tasks").get_data(as_text=True))
    row = next(r for r in tree_.xpath("//table//tbody/tr") if task.title in r.text_content())
    cells = [c.text_content().strip() for c in row.xpath("./td")]
    # 任务 周期 下发单位 截止 应报 已报 按时 已退回 未报 状态
    assert cells[4:9] == ["4", "1", "0", "2", "1"]
