"""The seven built-in types: 单选, 多选, 判断, 填空, 数值, 匹配, 简答."""

from __future__ import annotations

import math
import re
from typing import Any

from eduplatform.questions.richtext import clean_html, plain_text
from eduplatform.questions.types.base import QuestionType, TypeDataError, register

LETTERS = "ABCDEFGHIJ"
MAX_OPTIONS = len(LETTERS)
#: Blanks in a fill-in stem are written [[1]], [[2]] … (in order); without markers they follow the stem.
BLANK_RE = re.compile(r"\[\[(\d+)\]\]")
#: Share of the score for a multiple-choice answer that picks some right options and no wrong one.
MULTIPLE_PARTIAL_CREDIT = 0.5


def letter(index: int) -> str:
    return LETTERS[index]


def _options(data: dict, minimum: int = 2) -> list[str]:
    options = data.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise TypeDataError("选项必须是文本列表")
    options = [clean_html(o) for o in options]
    if len(options) < minimum:
        raise TypeDataError(f"至少需要 {minimum} 个选项")
    if len(options) > MAX_OPTIONS:
        raise TypeDataError(f"选项不能超过 {MAX_OPTIONS} 个")
    if any(not plain_text(o) and "<img" not in o for o in options):
        raise TypeDataError("选项不能为空")
    if len({plain_text(o) + o for o in options}) != len(options):
        raise TypeDataError("选项不能重复")
    return options


def _index(value: Any, count: int) -> int:
    if isinstance(value, str) and len(value) == 1 and value.upper() in LETTERS:
        value = LETTERS.index(value.upper())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise TypeDataError("答案必须是已有选项之一")
    return value


@register
class SingleChoice(QuestionType):
    code, label, default_score = "single", "单选题", 3.0

    def clean(self, data):
        options = _options(data)
        return {"options": options, "answer": _index(data.get("answer"), len(options))}

    def clean_response(self, data, response):
        if response is None or response == "":
            return None
        try:
            return _index(response, len(data["options"]))
        except TypeDataError:
            raise TypeDataError("请选择一个选项") from None

    def grade(self, data, response):
        return 1.0 if response == data["answer"] else 0.0

    def answer_text(self, data):
        return letter(data["answer"])

    def response_text(self, data, response):
        return "" if response is None else letter(response)


@register
class MultipleChoice(QuestionType):
    code, label, default_score = "multiple", "多选题", 4.0

    def clean(self, data):
        options = _options(data)
        answer = data.get("answer")
        if isinstance(answer, str):
            answer = list(answer.replace(",", "").replace(" ", ""))
        if not isinstance(answer, list) or not answer:
            raise TypeDataError("多选题至少要有一个正确选项")
        indexes = sorted({_index(a, len(options)) for a in answer})
        return {"options": options, "answer": indexes}

    def clean_response(self, data, response):
        if response in (None, "", []):
            return None
        if not isinstance(response, list):
            raise TypeDataError("多选题的作答必须是选项列表")
        return sorted({_index(r, len(data["options"])) for r in response})

    def grade(self, data, response):
        if not response:
            return 0.0
        chosen, right = set(response), set(data["answer"])
        if chosen == right:
            return 1.0
        if chosen < right:
            return MULTIPLE_PARTIAL_CREDIT
        return 0.0

    def answer_text(self, data):
        return "".join(letter(i) for i in data["answer"])

    def response_text(self, data, response):
        return "".join(letter(i) for i in response or [])


TRUE_WORDS = {"true", "t", "对", "正确", "√", "是", "yes", "1"}
FALSE_WORDS = {"false", "f", "错", "错误", "×", "否", "no", "0"}


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


@register
class TrueFalse(QuestionType):
    code, label, default_score = "true_false", "判断题", 2.0

    def clean(self, data):
        answer = parse_bool(data.get("answer"))
        if answer is None:
            raise TypeDataError("判断题的答案必须是“对”或“错”")
        return {"answer": answer}

    def clean_response(self, data, response):
        if response is None or response == "":
            return None
        value = parse_bool(response)
        if value is None:
            raise TypeDataError("请选择“对”或“错”")
        return value

    def grade(self, data, response):
        return 1.0 if response is data["answer"] else 0.0

    def answer_text(self, data):
        return "对" if data["answer"] else "错"

    def response_text(self, data, response):
        return "" if response is None else ("对" if response else "错")


def normalise_blank(text: str, case_sensitive: bool) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    # Full-width letters, digits and punctuation count as their half-width forms.
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    return text if case_sensitive else text.lower()


@register
class FillBlank(QuestionType):
    code, label, default_score = "fill_blank", "填空题", 2.0

    def clean(self, data):
        blanks = data.get("blanks")
        if not isinstance(blanks, list) or not blanks:
            raise TypeDataError("填空题至少要有一个空")
        cleaned = []
        for n, accepted in enumerate(blanks, 1):
            if isinstance(accepted, str):
                accepted = [accepted]
            if not isinstance(accepted, list):
                raise TypeDataError(f"第 {n} 空的答案格式不正确")
            accepted = [str(a).strip() for a in accepted if str(a).strip()]
            if not accepted:
                raise TypeDataError(f"第 {n} 空没有答案")
            cleaned.append(list(dict.fromkeys(accepted)))
        return {"blanks": cleaned, "case_sensitive": bool(data.get("case_sensitive", False))}

    def clean_response(self, data, response):
        if response in (None, "", []):
            return None
        if isinstance(response, str):
            response = [response]
        if not isinstance(response, list):
            raise TypeDataError("填空题的作答必须是每空一个文本")
        response = [str(r)[:500] if r is not None else "" for r in response][: len(data["blanks"])]
        response += [""] * (len(data["blanks"]) - len(response))
        return response

    def grade(self, data, response):
        if not response:
            return 0.0
        sensitive = data.get("case_sensitive", False)
        right = 0
        for given, accepted in zip(response, data["blanks"], strict=False):
            if normalise_blank(given, sensitive) in {normalise_blank(a, sensitive) for a in accepted}:
                right += 1
        return right / len(data["blanks"])

    def answer_text(self, data):
        return "；".join(" / ".join(accepted) for accepted in data["blanks"])

    def response_text(self, data, response):
        return "；".join(response or [])


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise TypeDataError(f"{what}必须是数字")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise TypeDataError(f"{what}必须是数字") from None
    if not math.isfinite(number):
        raise TypeDataError(f"{what}必须是有限的数字")
    return number


@register
class Numerical(QuestionType):
    code, label, default_score = "numerical", "数值题", 3.0

    def clean(self, data):
        answer = _number(data.get("answer"), "答案")
        tolerance = _number(data.get("tolerance", 0) or 0, "允许误差")
        if tolerance < 0:
            raise TypeDataError("允许误差不能为负数")
        return {"answer": answer, "tolerance": tolerance}

    def clean_response(self, data, response):
        if response is None or str(response).strip() == "":
            return None
        try:
            return _number(response, "答案")
        except TypeDataError:
            raise TypeDataError("请填写一个数字") from None

    def grade(self, data, response):
        if response is None:
            return 0.0
        # A relative epsilon keeps 0.1 + 0.2 within a tolerance of 0.
        slack = data["tolerance"] + 1e-9 * max(1.0, abs(data["answer"]))
        return 1.0 if abs(response - data["answer"]) <= slack else 0.0

    def answer_text(self, data):
        text = format_number(data["answer"])
        return f"{text}（误差 ±{format_number(data['tolerance'])}）" if data["tolerance"] else text

    def response_text(self, data, response):
        return "" if response is None else format_number(response)


def format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@register
class Matching(QuestionType):
    code, label, default_score = "matching", "匹配题", 4.0

    def clean(self, data):
        pairs = data.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            raise TypeDataError("匹配题至少需要 2 组配对")
        cleaned = []
        for n, pair in enumerate(pairs, 1):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise TypeDataError(f"第 {n} 组配对格式不正确")
            left, right = clean_html(pair[0]), clean_html(pair[1])
            if not plain_text(left) or not plain_text(right):
                raise TypeDataError(f"第 {n} 组配对的左项和右项都不能为空")
            cleaned.append([left, right])
        if len({p[0] for p in cleaned}) != len(cleaned):
            raise TypeDataError("匹配题的左项不能重复")
        distractors = [clean_html(d) for d in data.get("distractors") or [] if plain_text(clean_html(d))]
        return {"pairs": cleaned, "distractors": distractors}

    def choices(self, data) -> list[str]:
        """The right-hand items offered to students (sorted so their order gives nothing away)."""
        return sorted(set([p[1] for p in data["pairs"]] + data.get("distractors", [])), key=plain_text)

    def clean_response(self, data, response):
        if response in (None, "", []):
            return None
        if not isinstance(response, list):
            raise TypeDataError("匹配题的作答必须是每个左项对应的右项")
        offered = set(self.choices(data))
        response = [r if isinstance(r, str) and r in offered else "" for r in response]
        response = response[: len(data["pairs"])]
        return response + [""] * (len(data["pairs"]) - len(response))

    def grade(self, data, response):
        if not response:
            return 0.0
        right = sum(1 for given, pair in zip(response, data["pairs"], strict=False) if given == pair[1])
        return right / len(data["pairs"])

    def answer_text(self, data):
        return "；".join(f"{plain_text(left)} → {plain_text(right)}" for left, right in data["pairs"])

    def response_text(self, data, response):
        return "；".join(f"{plain_text(pair[0])} → {plain_text(given) or '（未答）'}"
                        for pair, given in zip(data["pairs"], response or [], strict=False))


@register
class Essay(QuestionType):
    code, label, default_score = "essay", "简答题", 10.0
    objective = False

    def clean(self, data):
        return {"reference": clean_html(data.get("reference") or "")}

    def clean_response(self, data, response):
        if response is None or str(response).strip() == "":
            return None
        return str(response)[:20000]

    def grade(self, data, response):
        return 0.0 if response is None else None

    def answer_text(self, data):
        return plain_text(data.get("reference")) or "（略）"


def blank_count(stem: str) -> int:
    return len(BLANK_RE.findall(stem or ""))
