"""What a parent's pages show of a child, gathered in a fixed number of queries (no query per row)."""

from __future__ import annotations

from eduplatform.families import child_panels, services
from eduplatform.learning import services as learning


def homework_rows(student, *, days: int = 14) -> list[dict]:
    """Today's and recent homework (learning's public face) with the child's status and marks per item."""
    homeworks = learning.recent_homework(student, days=days)
    answers = learning.answers_of(student, homeworks)
    today = learning.local_today()
    rows = []
    for homework in homeworks:
        items = [{"item": item, "answer": answers.get(item.id)} for item in homework.items]
        handed = sum(1 for entry in items if entry["answer"] is not None)
        marked = [e["answer"] for e in items if e["answer"] is not None and e["answer"].status.value == "marked"]
        scored = [(e["answer"].score, e["item"].max_score) for e in items
                  if e["answer"] is not None and e["answer"].score is not None]
        rows.append({"homework": homework, "items": items, "handed": handed, "count": len(items),
                     "marked": len(marked), "today": homework.load_date == today,
                     "returned": sum(1 for e in items if e["answer"] is not None and e["answer"].status.value == "returned"),
                     "late": any(e["answer"] is not None and e["answer"].late for e in items),
                     "score": sum(s for s, _ in scored) if scored else None,
                     "max_score": sum(m for _, m in scored) if scored else None})
    return rows


def notice_rows(student) -> list[dict]:
    if student.class_id is None:
        return []
    notices = services.notices_for_class(student.class_id, authors=True)
    receipts = services.receipts_for(student, notices)
    return [{"notice": n, "receipt": receipts.get(n.id)} for n in notices]


def panels(student, parent) -> list[dict]:
    """Other domains' cards (错题本, 学情 …) registered with ``families.register_child_panel``."""
    shown = []
    for panel in child_panels():
        ctx = panel.context(student, parent)
        if ctx is not None:
            shown.append({"panel": panel, "ctx": ctx})
    return shown


def workbench_card(user) -> dict | None:
    children = services.children_of(user)
    return {"children": children}
