"""Helpers shared by the HTML pages: template globals and form parsing for question fields."""

from __future__ import annotations

from flask import current_app

from eduplatform.core.errors import ValidationFailed
from eduplatform.questions import bp, permissions
from eduplatform.questions.presenters import stem_with_blanks
from eduplatform.questions.types import QUESTION_TYPES
from eduplatform.questions.types.builtin import LETTERS, format_number, letter, parse_bool
from eduplatform.questions.vocab import (
    BAND_LABELS,
    DIFFICULTY_LABELS,
    GRADES,
    SHARING_LABELS,
    STAGES,
    SUBJECTS,
)

ARROWS = ("→", "->")


@bp.app_context_processor
def question_globals():
    return {"QTYPES": QUESTION_TYPES, "SUBJECTS": SUBJECTS, "GRADES": GRADES, "DIFFICULTY_LABELS": DIFFICULTY_LABELS,
            "SHARING_LABELS": {k.value: v for k, v in SHARING_LABELS.items()}, "BAND_LABELS": BAND_LABELS,
            "STAGE_LABELS": STAGES, "qperm": permissions,
            "letter": letter, "fmt_num": format_number}


@bp.app_template_filter("blanks")
def blanks_filter(stem: str, mode: str = "line") -> str:
    """Show [[n]] markers as a line to write on (print) or a numbered gap (screen)."""
    from markupsafe import Markup

    if mode == "line":
        return Markup(stem_with_blanks(stem, lambda n: f"<u>&emsp;&emsp;({n})&emsp;&emsp;</u>"))
    return Markup(stem_with_blanks(stem, lambda n: f'<span class="blank-mark">（{n}）</span>'))


@bp.app_template_filter("cloze")
def cloze_filter(stem: str, item: dict) -> str:
    """A cloze stem with its parts inline: a text box, a drop-down, radio buttons or check boxes."""
    from markupsafe import Markup, escape

    response = item.get("response") or []
    name = f"q{item['id']}"

    def part(n: int) -> str:
        if n > len(item["parts"]):
            return ""
        spec, given = item["parts"][n - 1], response[n - 1] if n - 1 < len(response) else None
        label = f'aria-label="第 {n} 空"'
        if spec["kind"] in ("shortanswer", "numerical"):
            mode = ' inputmode="decimal"' if spec["kind"] == "numerical" else ""
            return (f'<input class="form-control form-control-sm d-inline-block w-auto cloze-part" name="{name}" '
                    f'data-part="{n - 1}" data-kind="text" {label}{mode} value="{escape(given or "")}">')
        if spec["kind"] == "multichoice" and spec["display"] == "dropdown":
            options = "".join(f'<option value="{i}"{" selected" if given == i else ""}>{escape(text)}</option>'
                              for i, text in enumerate(spec["options_text"]))
            return (f'<select class="form-select form-select-sm d-inline-block w-auto cloze-part" name="{name}" '
                    f'data-part="{n - 1}" data-kind="choice" {label}><option value="">请选择</option>{options}</select>')
        box = "radio" if spec["kind"] == "multichoice" else "checkbox"
        chosen = given if isinstance(given, list) else [given]
        inline = " form-check-inline" if spec["display"] == "horizontal" else ""
        boxes = "".join(
            f'<span class="form-check{inline}"><input class="form-check-input cloze-part" type="{box}" '
            f'name="{name}_{n}" data-part="{n - 1}" data-kind="{"choice" if box == "radio" else "multi"}" '
            f'value="{i}" id="{name}_{n}_{i}"{" checked" if i in chosen else ""}>'
            f'<label class="form-check-label" for="{name}_{n}_{i}">{text}</label></span>'
            for i, text in enumerate(spec["options"]))
        return f'<span class="cloze-group" role="group" {label}>{boxes}</span>'

    return Markup(stem_with_blanks(stem, part))


def question_from_form(form) -> dict:
    """The service's question dict from the edit form (type-specific fields in plain text)."""
    qtype = form.get("type", "")
    if qtype not in QUESTION_TYPES:
        raise ValidationFailed("请选择题型", fields={"type": ["请选择题型"]})
    lines = [line.strip() for line in form.get("options", "").splitlines() if line.strip()]
    answer = form.get("answer", "").strip()
    if qtype in ("single", "multiple"):
        picked = [LETTERS.index(c) for c in answer.upper() if c in LETTERS]
        data = {"options": lines, "answer": (picked[0] if picked else None) if qtype == "single" else picked}
    elif qtype == "true_false":
        data = {"answer": parse_bool(answer)}
    elif qtype == "fill_blank":
        data = {"blanks": [[a.strip() for a in line.split("|") if a.strip()] for line in lines],
                "case_sensitive": form.get("case_sensitive") == "1"}
    elif qtype == "numerical":
        data = {"answer": answer, "tolerance": form.get("tolerance") or 0}
    elif qtype == "matching":
        pairs, distractors = [], []
        for line in lines:
            arrow = next((a for a in ARROWS if a in line), None)
            if arrow is None:
                raise ValidationFailed(f"匹配项“{line}”须写成“左项→右项”", fields={"options": ["格式不正确"]})
            left, right = (p.strip() for p in line.split(arrow, 1))
            (pairs.append([left, right]) if left else distractors.append(right))
        data = {"pairs": pairs, "distractors": distractors}
    elif qtype == "cloze":
        data = {}
    else:
        data = {"reference": form.get("answer", "")}
    data = reattach_extras(qtype, data, form.get("extras"))
    return {"type": qtype, "stem": form.get("stem", ""), "data": data, "analysis": form.get("analysis", ""),
            "score": form.get("score") or None, "difficulty": form.get("difficulty") or 3,
            "subject": form.get("subject"), "stage": form.get("stage") or None, "grade": form.get("grade") or None,
            "tags": form.get("tags", ""), "source": form.get("source", ""), "sharing": form.get("sharing") or "org",
            "knowledge_point_ids": [int(k) for k in form.getlist("knowledge_point_ids") if k.isdigit()]}


#: Type data the plain-text edit form does not show (imported credits, weights, feedback, cloze parts).
EXTRA_KEYS = {"single": ("weights", "feedback"), "multiple": ("weights", "feedback"), "true_false": ("feedback",),
              "fill_blank": ("credits", "feedback", "wildcard"), "numerical": ("answers",), "cloze": ("parts",),
              "matching": (), "essay": ()}


def extras_of(qtype: str, data: dict) -> str:
    """The hidden field that carries them through an edit (with what they belong to)."""
    import json

    extras = {k: data[k] for k in EXTRA_KEYS.get(qtype, ()) if k in data}
    if not extras:
        return ""
    return json.dumps({"type": qtype, "data": data}, ensure_ascii=False)


def reattach_extras(qtype: str, data: dict, field: str | None) -> dict:
    """Give an edited question its extras back, matched by option / answer text, so that an edit of
    the stem or a typo never drops an imported grade: options or answers the teacher added get the
    plain default (0 % or full credit); right answers changed in the form win over old weights."""
    import json

    from eduplatform.core.text.richtext import clean_html

    try:
        old = json.loads(field) if field else None
    except ValueError:
        old = None
    if not isinstance(old, dict) or old.get("type") != qtype or not isinstance(old.get("data"), dict):
        return data
    before = old["data"]
    if qtype == "cloze":
        return {"parts": before.get("parts")}
    if qtype in ("single", "multiple") and isinstance(data.get("options"), list):
        by_text = {clean_html(o): n for n, o in enumerate(before.get("options", []))}
        index = [by_text.get(clean_html(o)) for o in data["options"]]
        if before.get("feedback"):
            data["feedback"] = [before["feedback"][i] if i is not None else "" for i in index]
        if before.get("weights"):
            weights = [before["weights"][i] if i is not None else 0.0 for i in index]
            right = {data["answer"]} if qtype == "single" else set(data["answer"] or [])
            if qtype == "single" and data["answer"] is not None:
                weights = [100.0 if n == data["answer"] else (0.0 if w == 100 else w) for n, w in enumerate(weights)]
                data["weights"] = weights
            elif qtype == "multiple" and right == {n for n, w in enumerate(weights) if w > 0}:
                data["weights"] = weights
        return data
    if qtype == "true_false" and before.get("feedback"):
        data["feedback"] = before["feedback"]
    if qtype == "fill_blank":
        lookup = {}
        for n, accepted in enumerate(before.get("blanks", [])):
            for i, text in enumerate(accepted):
                lookup[(n, text)] = (before["credits"][n][i] if before.get("credits") else 1.0,
                                     before["feedback"][n][i] if before.get("feedback") else "")
        data["credits"] = [[lookup.get((n, a), (1.0, ""))[0] for a in row] for n, row in enumerate(data["blanks"])]
        data["feedback"] = [[lookup.get((n, a), (1.0, ""))[1] for a in row] for n, row in enumerate(data["blanks"])]
        data["wildcard"] = before.get("wildcard", False)
    if qtype == "numerical" and before.get("answers"):
        answers = [dict(a) for a in before["answers"]]
        main = max((a for a in answers if a["value"] is not None), key=lambda a: a["credit"])
        main["value"], main["tolerance"] = data["answer"], data["tolerance"]
        data["answers"] = answers
    return data


def form_from_question(q) -> dict:
    """The edit form's plain-text fields for an existing question."""
    from eduplatform.core.text.richtext import as_plain, plain_text

    def text(rich):
        plain = as_plain(rich)
        return plain if plain is not None else rich

    data = q.data
    options, answer, tolerance = "", "", ""
    if q.type in ("single", "multiple"):
        options = "\n".join(text(o) for o in data["options"])
        answer = letter(data["answer"]) if q.type == "single" else "".join(letter(i) for i in data["answer"])
    elif q.type == "true_false":
        answer = "对" if data["answer"] else "错"
    elif q.type == "fill_blank":
        options = "\n".join("|".join(b) for b in data["blanks"])
    elif q.type == "numerical":
        answer, tolerance = format_number(data["answer"]), format_number(data["tolerance"])
    elif q.type == "matching":
        options = "\n".join([f"{plain_text(a)}→{plain_text(b)}" for a, b in data["pairs"]] +
                            [f"→{plain_text(d)}" for d in data.get("distractors", [])])
    else:
        answer = text(data.get("reference", ""))
    return {"type": q.type, "stem": text(q.stem), "options": options, "answer": answer, "tolerance": tolerance,
            "analysis": text(q.analysis), "score": format_number(q.score), "difficulty": q.difficulty,
            "subject": q.subject, "stage": q.stage or "", "grade": q.grade or "", "tags": ",".join(q.tags),
            "source": q.source, "sharing": q.sharing.value, "case_sensitive": data.get("case_sensitive"),
            "knowledge_point_ids": [kp.id for kp in q.knowledge_points], "extras": extras_of(q.type, data)}


def per_page() -> int:
    return current_app.config["API_DEFAULT_PER_PAGE"]
