"""IMS QTI 1.2 (ASI) items as the Common Cartridge profile writes them (``cc.multiple_choice.v0p1``,
``cc.multiple_response.v0p1``, ``cc.true_false.v0p1``, ``cc.essay.v0p1``, ``cc.fib.v0p1``).

Shared reader: :func:`read_items` takes a ``<questestinterop>`` root (an ``objectbank`` or an
``assessment``) and a resolver for referenced files, and gives canonical question dicts and
problems. The cartridge importer (``formats/cc.py``) uses it; a course-cartridge importer can too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from eduplatform.core.text.richtext import from_text, sanitize
from eduplatform.core.text.xml import local
from eduplatform.questions.formats.base import ParseResult, new_item

PROFILES = {"cc.multiple_choice.v0p1", "cc.multiple_response.v0p1", "cc.true_false.v0p1", "cc.essay.v0p1",
            "cc.fib.v0p1"}
FILEBASE = "$IMS-CC-FILEBASE$"


def _children(el, name: str):
    return [c for c in el if isinstance(c.tag, str) and local(c.tag) == name]


def _find(el, *path: str):
    for name in path:
        found = _children(el, name) if el is not None else []
        el = found[0] if found else None
    return el


def _descendants(el, name: str):
    return [c for c in el.iter() if isinstance(c.tag, str) and local(c.tag) == name]


def _material(el, images: Callable[[str], str]) -> str:
    """The rich text of a <material> (mattext in text/html or text/plain; matimage)."""
    if el is None:
        return ""
    out = []
    for part in el:
        if not isinstance(part.tag, str):
            continue
        if local(part.tag) == "mattext":
            text = part.text or ""
            if (part.get("texttype") or "text/plain").lower() == "text/html":
                text = re.sub(r'(src=["\'])([^"\']+)', lambda m: m.group(1) + images(m.group(2)), text)
                out.append(sanitize(text))
            else:
                out.append(from_text(text))
        elif local(part.tag) == "matimage" and part.get("uri"):
            out.append(f'<img src="{images(part.get("uri"))}" alt="">')
    return "".join(out).strip()


def _metadata(item) -> dict[str, str]:
    fields = {}
    for field in _descendants(item, "qtimetadatafield"):
        label, entry = _find(field, "fieldlabel"), _find(field, "fieldentry")
        if label is not None:
            fields[(label.text or "").strip()] = (entry.text or "").strip() if entry is not None else ""
    return fields


def read_items(root, images: Callable[[str], str], result: ParseResult, *, category: str = "",
               start: int = 0) -> int:
    """Append the items under ``root`` to ``result``; returns the last question number used."""
    number = start
    for item in _descendants(root, "item"):
        number += 1
        title = item.get("title") or item.get("ident") or ""
        try:
            result.items.append(_item(item, images, number, category, title))
        except ValueError as exc:
            result.problem(f"“{title}”：{exc}" if title else str(exc), number=number, line=item.sourceline)
    return number


def _item(item, images, number: int, category: str, title: str) -> dict[str, Any]:
    meta = _metadata(item)
    profile = meta.get("cc_profile") or meta.get("qmd_itemtype") or ""
    if profile not in PROFILES:
        raise ValueError(f"不支持的 QTI 1.2 题型：{profile or '（未注明 cc_profile）'}")
    presentation = _find(item, "presentation")
    if presentation is None:
        raise ValueError("缺少 presentation")
    stem = _material(_find(presentation, "material"), images)
    feedback = {}
    for fb in _children(item, "itemfeedback"):
        material = _find(fb, "material")
        if material is None:  # lxml elements are falsy when empty: compare with None
            material = _find(fb, "flow_mat", "material")
        feedback[fb.get("ident")] = _material(material, images)
    conditions = _descendants(item, "respcondition")
    common = {"number": number, "line": item.sourceline, "category": category, "title": title,
              "analysis": feedback.get("general_fb", "")}

    def scored(cond) -> float:
        total = 0.0
        for setvar in _children(cond, "setvar"):
            try:
                value = float((setvar.text or "0").strip())
            except ValueError:
                value = 0.0
            total = value if setvar.get("action", "Set") == "Set" else total + value
        return total

    def linked(cond) -> str:
        ids = [d.get("linkrefid") for d in _children(cond, "displayfeedback")]
        return "".join(feedback.get(i, "") for i in ids if i != "general_fb")

    if profile == "cc.essay.v0p1":
        return new_item("essay", stem, {"reference": ""}, **common)
    if profile == "cc.fib.v0p1":
        accepted, notes, case = [], [], False
        for cond in conditions:
            if scored(cond) <= 0:
                continue
            for eq in _descendants(cond, "varequal"):
                accepted.append((eq.text or "").strip())
                notes.append(linked(cond))
                case = case or (eq.get("case") or "No").lower() == "yes"
        if not accepted:
            raise ValueError("填空题没有得分的答案")
        return new_item("fill_blank", f"{stem} [[1]]", {"blanks": [accepted], "feedback": [notes],
                                                         "case_sensitive": case}, **common)
    labels = _descendants(presentation, "response_label")
    idents = [label.get("ident") for label in labels]
    options = [_material(_find(label, "material"), images) for label in labels]
    option_feedback = [""] * len(labels)
    right: set[str] = set()
    for cond in conditions:
        var = _find(cond, "conditionvar")
        if var is None:
            continue
        positive = [eq.text.strip() for eq in _children(var, "varequal") if eq.text]
        positive += [eq.text.strip() for a in _children(var, "and") for eq in _children(a, "varequal") if eq.text]
        text = linked(cond)
        if scored(cond) > 0:
            right.update(positive)
        elif len(positive) == 1 and positive[0] in idents and text:
            option_feedback[idents.index(positive[0])] = text
    unknown = right - set(idents)
    if unknown or not right:
        raise ValueError("正确答案不在选项中" if unknown else "没有正确答案（resprocessing 中没有得分的条件）")
    answer = sorted(idents.index(r) for r in right)
    extra = {"feedback": option_feedback} if any(option_feedback) else {}
    if profile == "cc.true_false.v0p1":
        words = [o.strip().lower() for o in options]
        truth = words[answer[0]] in ("true", "正确", "对", "yes")
        return new_item("true_false", stem, {"answer": truth}, **common)
    if profile == "cc.multiple_choice.v0p1":
        return new_item("single", stem, {"options": options, "answer": answer[0], **extra}, **common)
    return new_item("multiple", stem, {"options": options, "answer": answer, **extra}, **common)
