"""The 工作台 (workbench) a signed-in person lands on: panels the domains offer, in three sections.

A domain lists ``WORKBENCH_PANELS`` (and, for the merged to-do list, ``TODO_SOURCES``) in its package;
the home page asks every panel whether it applies (``when(user)``) and for its variables
(``context(user)``), section by section, lower ``order`` first. The foundation knows no domain: a
to-do is a :class:`TodoItem` (what it is, its deadline, where it opens), sorted here by urgency.
Each panel keeps its query cheap: counts and a short top list with links, never a whole table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

#: The sections, in the order they appear: what to do today, one's own things, what is new.
SECTIONS = [("todo", "今日待办"), ("mine", "我的"), ("new", "新动态")]

#: Urgency buckets, most urgent first, and how they are shown.
URGENCY = ["overdue", "today", "soon", "later", "none"]
URGENCY_LABELS = {"overdue": "已逾期", "today": "今日到期", "soon": "即将到期", "later": "", "none": ""}
#: "soon" = due within this many days after today (``WORKBENCH_SOON_DAYS``).
SOON_DAYS = 3
#: How many to-dos the workbench lists (the full lists are one click away).
TODO_LIMIT = 8


def _always(user) -> bool:
    return True


@dataclass(frozen=True)
class WorkbenchPanel:
    """A card of the workbench: ``template`` rendered with ``ctx`` = ``context(user)``.

    ``context`` may return None when it has nothing to show for this user after all.
    """

    section: str  # "todo" | "mine" | "new"
    template: str
    context: Callable[[object], dict | None]
    when: Callable[[object], bool] = _always
    order: int = 50


@dataclass
class TodoItem:
    """One thing a person must do: the business object (not the process) and when it is due."""

    title: str
    kind: str  # what the object is: 教学资源, 填报任务, 公文 …
    url: str
    due_at: datetime | None = None  # naive UTC, as stored
    step: str = ""  # what is asked at this step: 待学校审核, 签发 …
    returned: bool = False  # sent back (退回 / 退文) to this person
    note: str = ""  # e.g. the reason it was returned
    urgency: str = field(default="none")


@dataclass(frozen=True)
class TodoSource:
    """A domain's to-dos: ``items(user, limit)`` the most urgent ones, ``count(user)`` how many."""

    items: Callable[[object, int], list[TodoItem]]
    count: Callable[[object], int]
    when: Callable[[object], bool] = _always


def urgency(due_at: datetime | None, now: datetime | None = None) -> str:
    """overdue · today (before local midnight) · soon (within SOON_DAYS days) · later · none."""
    if due_at is None:
        return "none"
    now = now or datetime.now(UTC).replace(tzinfo=None)
    if due_at < now:
        return "overdue"
    local_now = now.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    local_due = due_at.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
    days = (local_due.date() - local_now.date()).days
    if days <= 0:
        return "today"
    soon = current_app.config.get("WORKBENCH_SOON_DAYS", SOON_DAYS) if current_app else SOON_DAYS
    return "soon" if days <= soon else "later"


def sort_todos(items: list[TodoItem], now: datetime | None = None) -> list[TodoItem]:
    """Most urgent first; within a bucket returned items first, then the earliest deadline."""
    for item in items:
        item.urgency = urgency(item.due_at, now)
    far = datetime.max - timedelta(days=1)
    return sorted(items, key=lambda i: (URGENCY.index(i.urgency), not i.returned, i.due_at or far, i.title))


def _packages():
    return current_app.extensions["edu_domains"].values()


def todos(user, limit: int = TODO_LIMIT, now: datetime | None = None) -> tuple[list[TodoItem], int]:
    """The merged to-do list of every domain (the ``limit`` most urgent) and the total count."""
    items: list[TodoItem] = []
    total = 0
    for package in _packages():
        for source in getattr(package, "TODO_SOURCES", []):
            if source.when(user):
                items.extend(source.items(user, limit))
                total += source.count(user)
    return sort_todos(items, now)[:limit], total


def has_todos(user) -> bool:
    """Whether any domain keeps to-dos for this user (the auditor, for one, has none)."""
    return any(source.when(user) for package in _packages() for source in getattr(package, "TODO_SOURCES", []))


def sections(user) -> list[tuple[str, str, list[tuple[WorkbenchPanel, dict]]]]:
    """[(code, label, [(panel, ctx)])] of the sections with something in them, in order."""
    panels = [p for package in _packages() for p in getattr(package, "WORKBENCH_PANELS", [])]
    out = []
    for code, label in SECTIONS:
        shown = []
        for panel in sorted((p for p in panels if p.section == code), key=lambda p: p.order):
            if not panel.when(user):
                continue
            context = panel.context(user)
            if context is not None:
                shown.append((panel, context))
        if shown:
            out.append((code, label, shown))
    return out
