"""The seven built-in types: 单选, 多选, 判断, 填空, 数值, 匹配, 简答."""

from __future__ import annotations

import math
import re
from typing import Any

from eduplatform.core.text.richtext import clean_html, plain_text
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


def _percentages(data: dict, count: int) -> list[float] | None:
    """Per-option grades in percent as a file gave them (Moodle fractions × 100, negatives kept)."""
    weights = data.get("weights")
    if weights in (None, []):
        return None
    if not isinstance(weights, list) or len(weights) != count:
        raise TypeDataError("每个选项须有一个得分比例")
    out = []
    for value in weights:
        number = _number(value, "选项的得分比例")
        if not -100 <= number <= 100:
            raise TypeDataError("选项的得分比例须在 -100% 到 100% 之间")
        out.append(round(number, 5))
    return out


def _feedback_list(data: dict, count: int, key: str = "feedback") -> list[str] | None:
    """Per-option feedback (rich text); None when there is none."""
    feedback = data.get(key)
    if not feedback:
        return None
    if not isinstance(feedback, list) or len(feedback) != count:
        raise TypeDataError("每个选项的反馈须一一对应")
    cleaned = [clean_html(f) if isinstance(f, str) else "" for f in feedback]
    return cleaned if any(cleaned) else None


def _with_extras(out: dict, **extras) -> dict:
    out.update({k: v for k, v in extras.items() if v is not None})
    return out


@register
class SingleChoice(QuestionType):
    code, label, default_score = "single", "单选题", 3.0

    def clean(self, data):
        options = _options(data)
        weights = _percentages(data, len(options))
        if weights is not None:
            if 100 not in weights:
                raise TypeDataError("单选题须有一个得分 100% 的选项")
            answer = weights.index(100)
            if weights == [100.0 if n == answer else 0.0 for n in range(len(options))]:
                weights = None  # the plain right/wrong question: nothing extra to keep
        else:
            answer = _index(data.get("answer"), len(options))
        return _with_extras({"options": options, "answer": answer}, weights=weights,
                            feedback=_feedback_list(data, len(options)))

    def clean_response(self, data, response):
        if response is None or response == "":
            return None
        try:
            return _index(response, len(data["options"]))
        except TypeDataError:
            raise TypeDataError("请选择一个选项") from None

    def grade(self, data, response):
        if response is None:
            return 0.0
        if data.get("weights"):
            return min(1.0, max(0.0, data["weights"][response] / 100))
        return 1.0 if response == data["answer"] else 0.0

    def answer_text(self, data):
        partial = [f"{letter(n)} {format_number(w)}%" for n, w in enumerate(data.get("weights") or [])
                   if w and n != data["answer"]]
        return letter(data["answer"]) + (f"（部分得分：{'，'.join(partial)}）" if partial else "")

    def feedback(self, data, response):
        texts = data.get("feedback") or []
        return [texts[response]] if response is not None and response < len(texts) and texts[response] else []

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
        weights = _percentages(data, len(options))
        if weights is not None:
            # Moodle's meaning: the chosen options' grades add up (wrong ones may subtract).
            answer = [n for n, w in enumerate(weights) if w > 0]
        if not isinstance(answer, list) or not answer:
            raise TypeDataError("多选题至少要有一个正确选项")
        indexes = sorted({_index(a, len(options)) for a in answer})
        return _with_extras({"options": options, "answer": indexes}, weights=weights,
                            feedback=_feedback_list(data, len(options)))

    def clean_response(self, data, response):
        if response in (None, "", []):
            return None
        if not isinstance(response, list):
            raise TypeDataError("多选题的作答必须是选项列表")
        return sorted({_index(r, len(data["options"])) for r in response})

    def grade(self, data, response):
        if not response:
            return 0.0
        if data.get("weights"):
            return min(1.0, max(0.0, sum(data["weights"][n] for n in response) / 100))
        chosen, right = set(response), set(data["answer"])
        if chosen == right:
            return 1.0
        if chosen < right:
            return MULTIPLE_PARTIAL_CREDIT
        return 0.0

    def answer_text(self, data):
        text = "".join(letter(i) for i in data["answer"])
        if data.get("weights"):
            text += "（" + "，".join(f"{letter(n)} {format_number(w)}%" for n, w in enumerate(data["weights"])) + "）"
        return text

    def feedback(self, data, response):
        texts = data.get("feedback") or []
        return [texts[n] for n in response or [] if n < len(texts) and texts[n]]

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
        feedback = data.get("feedback")
        if feedback:
            if not isinstance(feedback, dict):
                raise TypeDataError("判断题的反馈格式不正确")
            feedback = {key: clean_html(feedback.get(key) or "") for key in ("true", "false")}
        return _with_extras({"answer": answer}, feedback=feedback if feedback and any(feedback.values()) else None)

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

    def feedback(self, data, response):
        if response is None or not data.get("feedback"):
            return []
        text = data["feedback"]["true" if response else "false"]
        return [text] if text else []

    def response_text(self, data, response):
        return "" if response is None else ("对" if response else "错")


def normalise_blank(text: str, case_sensitive: bool) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    # Full-width letters, digits and punctuation count as their half-width forms.
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    return text if case_sensitive else text.lower()


def blank_matches(given: str, accepted: str, case_sensitive: bool, wildcard: bool = False) -> bool:
    """Moodle short-answer matching: with ``wildcard``, ``*`` stands for any text and ``\\*`` for a star."""
    given, accepted = normalise_blank(given, case_sensitive), normalise_blank(accepted, case_sensitive)
    if not wildcard or "*" not in accepted:
        return given == accepted.replace("\\*", "*") if wildcard else given == accepted
    pattern = "".join(".*" if part == "*" else re.escape("*" if part == "\\*" else part)
                      for part in re.split(r"(\\\*|\*)", accepted) if part)
    return re.fullmatch(pattern, given, flags=re.DOTALL) is not None


def _credit(value: Any) -> float:
    number = _number(value, "答案的得分比例")
    if not 0 <= number <= 1:
        raise TypeDataError("答案的得分比例须在 0 到 1 之间")
    return round(number, 7)


@register
class FillBlank(QuestionType):
    """Blanks with accepted answers; an answer may earn part of the blank (``credits``), carry
    feedback, and — for answers from Moodle — use ``*`` as a wildcard (``wildcard``)."""

    code, label, default_score = "fill_blank", "填空题", 2.0

    def clean(self, data):
        blanks = data.get("blanks")
        if not isinstance(blanks, list) or not blanks:
            raise TypeDataError("填空题至少要有一个空")
        credits_in, feedback_in = data.get("credits") or [], data.get("feedback") or []
        if not isinstance(credits_in, list) or not isinstance(feedback_in, list):
            raise TypeDataError("填空题的得分比例或反馈格式不正确")
        cleaned, credits, feedback = [], [], []
        for n, accepted in enumerate(blanks, 1):
            if isinstance(accepted, str):
                accepted = [accepted]
            if not isinstance(accepted, list):
                raise TypeDataError(f"第 {n} 空的答案格式不正确")
            shares = credits_in[n - 1] if n <= len(credits_in) and isinstance(credits_in[n - 1], list) else []
            notes = feedback_in[n - 1] if n <= len(feedback_in) and isinstance(feedback_in[n - 1], list) else []
            seen: dict[str, tuple[float, str]] = {}
            for i, answer in enumerate(accepted):
                text = str(answer).strip()
                if text and text not in seen:  # the first of equal answers decides, as in Moodle
                    seen[text] = (_credit(shares[i]) if i < len(shares) else 1.0,
                                  clean_html(notes[i]) if i < len(notes) and isinstance(notes[i], str) else "")
            if not any(credit > 0 for credit, _ in seen.values()):
                raise TypeDataError(f"第 {n} 空没有答案")
            cleaned.append(list(seen))
            credits.append([credit for credit, _ in seen.values()])
            feedback.append([note for _, note in seen.values()])
        out = {"blanks": cleaned, "case_sensitive": bool(data.get("case_sensitive", False))}
        if any(c != 1.0 for row in credits for c in row):
            out["credits"] = credits
        if any(note for row in feedback for note in row):
            out["feedback"] = feedback
        if data.get("wildcard"):
            if any(re.search(r"(?<!\\)\*", a) for row in cleaned for a in row):
                out["wildcard"] = True
            else:  # only literal stars (\*): the same answers without wildcards, in one canonical form
                out["blanks"] = [[a.replace("\\*", "*") for a in row] for row in cleaned]
        return out

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

    def _match(self, data, n: int, given: str) -> int | None:
        """Index of the first accepted answer of blank ``n`` that ``given`` matches."""
        if not str(given).strip():
            return None
        for i, accepted in enumerate(data["blanks"][n]):
            if blank_matches(given, accepted, data.get("case_sensitive", False), data.get("wildcard", False)):
                return i
        return None

    def grade(self, data, response):
        if not response:
            return 0.0
        earned = 0.0
        for n, given in enumerate(response[: len(data["blanks"])]):
            i = self._match(data, n, given)
            if i is not None:
                earned += data["credits"][n][i] if data.get("credits") else 1.0
        return earned / len(data["blanks"])

    def feedback(self, data, response):
        if not response or not data.get("feedback"):
            return []
        out = []
        for n, given in enumerate(response[: len(data["blanks"])]):
            i = self._match(data, n, given)
            if i is not None and data["feedback"][n][i]:
                out.append(data["feedback"][n][i])
        return out

    def answer_text(self, data):
        credits = data.get("credits")

        def one(n, i, a):
            share = credits[n][i] if credits else 1.0
            return a if share == 1.0 else f"{a}（{format_number(round(share * 100, 5))}%）"

        return "；".join(" / ".join(one(n, i, a) for i, a in enumerate(accepted))
                        for n, accepted in enumerate(data["blanks"]))

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
    """A number within a tolerance; several answers may each earn a share and carry feedback
    (``answers``, in order: the first that matches decides; a ``value`` of None matches anything)."""

    code, label, default_score = "numerical", "数值题", 3.0

    def clean(self, data):
        answers = data.get("answers")
        if not answers:
            answer = _number(data.get("answer"), "答案")
            tolerance = _number(data.get("tolerance", 0) or 0, "允许误差")
            if tolerance < 0:
                raise TypeDataError("允许误差不能为负数")
            return {"answer": answer, "tolerance": tolerance}
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise TypeDataError("数值题的答案格式不正确")
        cleaned = []
        for a in answers:
            value = None if a.get("value") in (None, "*") else _number(a.get("value"), "答案")
            tolerance = _number(a.get("tolerance", 0) or 0, "允许误差")
            if tolerance < 0:
                raise TypeDataError("允许误差不能为负数")
            cleaned.append({"value": value, "tolerance": tolerance if value is not None else 0.0,
                            "credit": _credit(a.get("credit", 1)), "feedback": clean_html(a.get("feedback") or "")})
        scored = [a for a in cleaned if a["value"] is not None and a["credit"] > 0]
        if not scored:
            raise TypeDataError("数值题没有得分的答案")
        main = max(scored, key=lambda a: a["credit"])
        out = {"answer": main["value"], "tolerance": main["tolerance"]}
        if cleaned != [{**main, "credit": 1.0, "feedback": ""}]:
            out["answers"] = cleaned
        return out

    def clean_response(self, data, response):
        if response is None or str(response).strip() == "":
            return None
        try:
            return _number(response, "答案")
        except TypeDataError:
            raise TypeDataError("请填写一个数字") from None

    @staticmethod
    def _within(value: float, answer: float, tolerance: float) -> bool:
        # A relative epsilon keeps 0.1 + 0.2 within a tolerance of 0.
        return abs(value - answer) <= tolerance + 1e-9 * max(1.0, abs(answer))

    def _matching(self, data, response) -> dict | None:
        answers = data.get("answers") or [{"value": data["answer"], "tolerance": data["tolerance"],
                                           "credit": 1.0, "feedback": ""}]
        for a in answers:
            if a["value"] is None or self._within(response, a["value"], a["tolerance"]):
                return a
        return None

    def grade(self, data, response):
        if response is None:
            return 0.0
        match = self._matching(data, response)
        return match["credit"] if match else 0.0

    def feedback(self, data, response):
        match = None if response is None else self._matching(data, response)
        return [match["feedback"]] if match and match["feedback"] else []

    def answer_text(self, data):
        text = format_number(data["answer"])
        text = f"{text}（误差 ±{format_number(data['tolerance'])}）" if data["tolerance"] else text
        partial = [f"{format_number(a['value'])}±{format_number(a['tolerance'])} 得 {format_number(a['credit'] * 100)}%"
                   for a in data.get("answers") or [] if a["value"] is not None and 0 < a["credit"] < 1]
        return text + (f"；部分得分：{'，'.join(partial)}" if partial else "")

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
