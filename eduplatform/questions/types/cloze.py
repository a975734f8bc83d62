"""完形填空 (Moodle's "embedded answers", multianswer/cloze): a text with inline sub-questions.

Each part sits at a ``[[n]]`` marker of the stem and is a short answer (text box), a number, a
single choice (drop-down or radio list) or a multiple response; parts carry a weight, and each
answer a credit and feedback, as in Moodle. The score is the weighted mean of the parts' credits.
Responses: one entry per part — text (short answer, number), an option index (choice) or a list
of indexes (multiple response).
"""

from __future__ import annotations

import math
from typing import Any

from eduplatform.core.text.richtext import clean_html, plain_text
from eduplatform.questions.types.base import QuestionType, TypeDataError, register
from eduplatform.questions.types.builtin import blank_matches, format_number

KINDS = {"shortanswer": "填空", "numerical": "数值", "multichoice": "选择", "multiresponse": "多选"}
DISPLAYS = ("dropdown", "vertical", "horizontal")


def _float(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeDataError(f"{what}必须是数字") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise TypeDataError(f"{what}必须是数字")
    return number


@register
class Cloze(QuestionType):
    code, label, default_score = "cloze", "完形填空", 5.0

    def clean(self, data):
        parts = data.get("parts")
        if not isinstance(parts, list) or not parts:
            raise TypeDataError("完形填空至少要有一个空")
        cleaned = []
        for n, part in enumerate(parts, 1):
            if not isinstance(part, dict) or part.get("kind") not in KINDS:
                raise TypeDataError(f"第 {n} 空的类型不正确")
            kind = part["kind"]
            weight = _float(part.get("weight", 1), f"第 {n} 空的权重")
            if weight <= 0 or not weight.is_integer():
                raise TypeDataError(f"第 {n} 空的权重须为正整数")
            answers = part.get("answers")
            if not isinstance(answers, list) or not answers:
                raise TypeDataError(f"第 {n} 空没有答案")
            out_answers = []
            for a in answers:
                credit = _float(a.get("credit", 1), f"第 {n} 空答案的得分比例")
                if not -1 <= credit <= 1:
                    raise TypeDataError(f"第 {n} 空答案的得分比例须在 -100% 到 100% 之间")
                text = a.get("text")
                if kind in ("multichoice", "multiresponse"):
                    text = clean_html(text)
                    if not plain_text(text):
                        raise TypeDataError(f"第 {n} 空的选项不能为空")
                else:
                    text = str(text or "").strip()
                    if not text:
                        raise TypeDataError(f"第 {n} 空的答案不能为空")
                    if kind == "numerical" and text != "*":
                        _float(text, f"第 {n} 空的答案")
                answer = {"text": text, "credit": round(credit, 7), "feedback": clean_html(a.get("feedback") or "")}
                if kind == "numerical":
                    answer["tolerance"] = abs(_float(a.get("tolerance", 0) or 0, f"第 {n} 空的误差"))
                out_answers.append(answer)
            if not any(a["credit"] > 0 for a in out_answers):
                raise TypeDataError(f"第 {n} 空没有得分的答案")
            item = {"kind": kind, "weight": int(weight), "answers": out_answers}
            if kind == "shortanswer":
                item["case_sensitive"] = bool(part.get("case_sensitive"))
            if kind in ("multichoice", "multiresponse"):
                item["display"] = part.get("display") if part.get("display") in DISPLAYS else (
                    "dropdown" if kind == "multichoice" else "vertical")
                item["shuffle"] = bool(part.get("shuffle"))
            cleaned.append(item)
        return {"parts": cleaned}

    def clean_response(self, data, response):
        if response in (None, "", []):
            return None
        if not isinstance(response, list):
            raise TypeDataError("完形填空的作答须是每空一项")
        out = []
        for part, given in zip(data["parts"], response + [None] * len(data["parts"]), strict=False):
            count = len(part["answers"])
            if part["kind"] == "multichoice":
                try:
                    index = int(given) if given not in (None, "") and not isinstance(given, bool) else None
                except (TypeError, ValueError):
                    index = None
                out.append(index if index is not None and 0 <= index < count else None)
            elif part["kind"] == "multiresponse":
                values = given if isinstance(given, list) else []
                out.append(sorted({int(v) for v in values if str(v).isdigit() and int(v) < count}))
            else:
                out.append("" if given is None else str(given)[:500])
        return out

    def _answer(self, part: dict, given: Any) -> list[dict]:
        """The answers a part's response earns (first match for text; the chosen options)."""
        kind = part["kind"]
        if kind == "multichoice":
            return [part["answers"][given]] if isinstance(given, int) else []
        if kind == "multiresponse":
            return [part["answers"][i] for i in given or []]
        if not str(given or "").strip():
            return []
        for a in part["answers"]:
            if kind == "numerical":
                if a["text"] == "*":
                    return [a]
                try:
                    value = float(str(given).strip())
                except ValueError:
                    return []
                if abs(value - float(a["text"])) <= a["tolerance"] + 1e-9 * max(1.0, abs(float(a["text"]))):
                    return [a]
            elif blank_matches(given, a["text"], part.get("case_sensitive", False), wildcard=True):
                return [a]
        return []

    def grade(self, data, response):
        if not response:
            return 0.0
        total = sum(p["weight"] for p in data["parts"])
        earned = 0.0
        for part, given in zip(data["parts"], response, strict=False):
            credit = sum(a["credit"] for a in self._answer(part, given))
            earned += part["weight"] * min(1.0, max(0.0, credit))
        return earned / total

    def feedback(self, data, response):
        out = []
        for part, given in zip(data["parts"], response or [], strict=False):
            out += [a["feedback"] for a in self._answer(part, given) if a["feedback"]]
        return out

    def answer_text(self, data):
        texts = []
        for n, part in enumerate(data["parts"], 1):
            best = [plain_text(a["text"]) if part["kind"] in ("multichoice", "multiresponse") else a["text"]
                    for a in part["answers"] if a["credit"] == max(x["credit"] for x in part["answers"])]
            if part["kind"] == "multiresponse":
                best = [plain_text(a["text"]) for a in part["answers"] if a["credit"] > 0]
            if part["kind"] == "numerical" and part["answers"][0].get("tolerance"):
                best = [f"{best[0]}（误差 ±{format_number(part['answers'][0]['tolerance'])}）"]
            texts.append(f"({n}) " + " / ".join(best))
        return "；".join(texts)

    def response_text(self, data, response):
        shown = []
        for part, given in zip(data["parts"], response or [], strict=False):
            if part["kind"] == "multichoice":
                shown.append(plain_text(part["answers"][given]["text"]) if isinstance(given, int) else "")
            elif part["kind"] == "multiresponse":
                shown.append("、".join(plain_text(part["answers"][i]["text"]) for i in given or []))
            else:
                shown.append(str(given or ""))
        return "；".join(shown)
