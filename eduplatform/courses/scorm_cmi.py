"""The SCORM run-time data models (1.2 and 2004) as data: one table per version, used both by the server
(to validate what a SCO commits) and by the browser adapter (``static/courses/scorm-api.js`` gets the
same table as JSON, so GetValue/SetValue answer with the same rules and error codes).

Each element: access ("ro", "rw", "wo") and a type:
  ``str`` (max length), ``vocab`` (allowed values), ``decimal`` (min/max, blank allowed in 1.2),
  ``real`` (min/max), ``int``, ``timespan`` (1.2 HHHH:MM:SS.SS), ``duration`` (2004 ISO 8601 PT…),
  ``time`` (1.2 HH:MM:SS), ``timestamp`` (2004), ``keyword`` (read-only constants like _children),
  ``result`` (interaction result: vocab or a number), ``any`` (unchecked text, bounded).
"""

from __future__ import annotations

import re
from datetime import datetime

ELEMENTS_12 = {
    "cmi.core._children": {"access": "ro", "type": "keyword",
                           "value": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,"
                                    "total_time,lesson_mode,exit,session_time"},
    "cmi.core.student_id": {"access": "ro", "type": "str", "max": 255},
    "cmi.core.student_name": {"access": "ro", "type": "str", "max": 255},
    "cmi.core.lesson_location": {"access": "rw", "type": "str", "max": 255},
    "cmi.core.credit": {"access": "ro", "type": "vocab", "values": ["credit", "no-credit"]},
    "cmi.core.lesson_status": {"access": "rw", "type": "vocab",
                               "values": ["passed", "completed", "failed", "incomplete", "browsed"]},
    "cmi.core.entry": {"access": "ro", "type": "vocab", "values": ["ab-initio", "resume", ""]},
    "cmi.core.score._children": {"access": "ro", "type": "keyword", "value": "raw,min,max"},
    "cmi.core.score.raw": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.core.score.min": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.core.score.max": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.core.total_time": {"access": "ro", "type": "timespan"},
    "cmi.core.lesson_mode": {"access": "ro", "type": "vocab", "values": ["browse", "normal", "review"]},
    "cmi.core.exit": {"access": "wo", "type": "vocab", "values": ["time-out", "suspend", "logout", ""]},
    "cmi.core.session_time": {"access": "wo", "type": "timespan"},
    "cmi.suspend_data": {"access": "rw", "type": "str", "max": 4096},
    "cmi.launch_data": {"access": "ro", "type": "str", "max": 4096},
    "cmi.comments": {"access": "rw", "type": "str", "max": 4096},
    "cmi.comments_from_lms": {"access": "ro", "type": "str", "max": 4096},
    "cmi.objectives._children": {"access": "ro", "type": "keyword", "value": "id,score,status"},
    "cmi.objectives._count": {"access": "ro", "type": "count", "array": "cmi.objectives"},
    "cmi.objectives.n.id": {"access": "rw", "type": "str", "max": 255, "key": True},
    "cmi.objectives.n.score._children": {"access": "ro", "type": "keyword", "value": "raw,min,max"},
    "cmi.objectives.n.score.raw": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.objectives.n.score.min": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.objectives.n.score.max": {"access": "rw", "type": "decimal", "min": 0, "max": 100, "blank": True},
    "cmi.objectives.n.status": {"access": "rw", "type": "vocab",
                                "values": ["passed", "completed", "failed", "incomplete", "browsed",
                                           "not attempted"]},
    "cmi.student_data._children": {"access": "ro", "type": "keyword",
                                   "value": "mastery_score,max_time_allowed,time_limit_action"},
    "cmi.student_data.mastery_score": {"access": "ro", "type": "decimal", "min": 0, "max": 100},
    "cmi.student_data.max_time_allowed": {"access": "ro", "type": "timespan"},
    "cmi.student_data.time_limit_action": {"access": "ro", "type": "vocab",
                                           "values": ["exit,message", "exit,no message", "continue,message",
                                                      "continue,no message"]},
    "cmi.student_preference._children": {"access": "ro", "type": "keyword", "value": "audio,language,speed,text"},
    "cmi.student_preference.audio": {"access": "rw", "type": "int", "min": -1, "max": 100},
    "cmi.student_preference.language": {"access": "rw", "type": "str", "max": 255},
    "cmi.student_preference.speed": {"access": "rw", "type": "int", "min": -100, "max": 100},
    "cmi.student_preference.text": {"access": "rw", "type": "int", "min": -1, "max": 1},
    "cmi.interactions._children": {"access": "ro", "type": "keyword",
                                   "value": "id,objectives,time,type,correct_responses,weighting,"
                                            "student_response,result,latency"},
    "cmi.interactions._count": {"access": "ro", "type": "count", "array": "cmi.interactions"},
    "cmi.interactions.n.id": {"access": "wo", "type": "str", "max": 255, "key": True},
    "cmi.interactions.n.objectives._count": {"access": "ro", "type": "count", "array": "cmi.interactions.n.objectives"},
    "cmi.interactions.n.objectives.n.id": {"access": "wo", "type": "str", "max": 255, "key": True},
    "cmi.interactions.n.time": {"access": "wo", "type": "time"},
    "cmi.interactions.n.type": {"access": "wo", "type": "vocab",
                                "values": ["true-false", "choice", "fill-in", "matching", "performance",
                                           "sequencing", "likert", "numeric"]},
    "cmi.interactions.n.correct_responses._count": {"access": "ro", "type": "count",
                                                    "array": "cmi.interactions.n.correct_responses"},
    "cmi.interactions.n.correct_responses.n.pattern": {"access": "wo", "type": "str", "max": 255, "key": True},
    "cmi.interactions.n.weighting": {"access": "wo", "type": "decimal"},
    "cmi.interactions.n.student_response": {"access": "wo", "type": "str", "max": 255},
    "cmi.interactions.n.result": {"access": "wo", "type": "result",
                                  "values": ["correct", "wrong", "unanticipated", "neutral"]},
    "cmi.interactions.n.latency": {"access": "wo", "type": "timespan"},
}

_OBJ_2004 = {
    "id": {"access": "rw", "type": "str", "max": 4000, "key": True},
    "score._children": {"access": "ro", "type": "keyword", "value": "scaled,raw,min,max"},
    "score.scaled": {"access": "rw", "type": "real", "min": -1, "max": 1},
    "score.raw": {"access": "rw", "type": "real"},
    "score.min": {"access": "rw", "type": "real"},
    "score.max": {"access": "rw", "type": "real"},
    "success_status": {"access": "rw", "type": "vocab", "values": ["passed", "failed", "unknown"]},
    "completion_status": {"access": "rw", "type": "vocab",
                          "values": ["completed", "incomplete", "not attempted", "unknown"]},
    "progress_measure": {"access": "rw", "type": "real", "min": 0, "max": 1},
    "description": {"access": "rw", "type": "str", "max": 250},
}

ELEMENTS_2004 = {
    "cmi._version": {"access": "ro", "type": "keyword", "value": "1.0"},
    "cmi.comments_from_learner._children": {"access": "ro", "type": "keyword", "value": "comment,location,timestamp"},
    "cmi.comments_from_learner._count": {"access": "ro", "type": "count", "array": "cmi.comments_from_learner"},
    "cmi.comments_from_learner.n.comment": {"access": "rw", "type": "str", "max": 4000, "key": True},
    "cmi.comments_from_learner.n.location": {"access": "rw", "type": "str", "max": 250},
    "cmi.comments_from_learner.n.timestamp": {"access": "rw", "type": "timestamp"},
    "cmi.comments_from_lms._children": {"access": "ro", "type": "keyword", "value": "comment,location,timestamp"},
    "cmi.comments_from_lms._count": {"access": "ro", "type": "count", "array": "cmi.comments_from_lms"},
    "cmi.completion_status": {"access": "rw", "type": "vocab",
                              "values": ["completed", "incomplete", "not attempted", "unknown"]},
    "cmi.completion_threshold": {"access": "ro", "type": "real", "min": 0, "max": 1},
    "cmi.credit": {"access": "ro", "type": "vocab", "values": ["credit", "no-credit"]},
    "cmi.entry": {"access": "ro", "type": "vocab", "values": ["ab-initio", "resume", ""]},
    "cmi.exit": {"access": "wo", "type": "vocab", "values": ["time-out", "suspend", "logout", "normal", ""]},
    "cmi.interactions._children": {"access": "ro", "type": "keyword",
                                   "value": "id,type,objectives,timestamp,correct_responses,weighting,"
                                            "learner_response,result,latency,description"},
    "cmi.interactions._count": {"access": "ro", "type": "count", "array": "cmi.interactions"},
    "cmi.interactions.n.id": {"access": "rw", "type": "str", "max": 4000, "key": True},
    "cmi.interactions.n.type": {"access": "rw", "type": "vocab",
                                "values": ["true-false", "choice", "fill-in", "long-fill-in", "matching",
                                           "performance", "sequencing", "likert", "numeric", "other"]},
    "cmi.interactions.n.objectives._count": {"access": "ro", "type": "count",
                                             "array": "cmi.interactions.n.objectives"},
    "cmi.interactions.n.objectives.n.id": {"access": "rw", "type": "str", "max": 4000, "key": True},
    "cmi.interactions.n.timestamp": {"access": "rw", "type": "timestamp"},
    "cmi.interactions.n.correct_responses._count": {"access": "ro", "type": "count",
                                                    "array": "cmi.interactions.n.correct_responses"},
    "cmi.interactions.n.correct_responses.n.pattern": {"access": "rw", "type": "any", "max": 8000, "key": True},
    "cmi.interactions.n.weighting": {"access": "rw", "type": "real"},
    "cmi.interactions.n.learner_response": {"access": "rw", "type": "any", "max": 8000},
    "cmi.interactions.n.result": {"access": "rw", "type": "result",
                                  "values": ["correct", "incorrect", "unanticipated", "neutral"]},
    "cmi.interactions.n.latency": {"access": "rw", "type": "duration"},
    "cmi.interactions.n.description": {"access": "rw", "type": "str", "max": 250},
    "cmi.launch_data": {"access": "ro", "type": "str", "max": 4000},
    "cmi.learner_id": {"access": "ro", "type": "str", "max": 4000},
    "cmi.learner_name": {"access": "ro", "type": "str", "max": 250},
    "cmi.learner_preference._children": {"access": "ro", "type": "keyword",
                                         "value": "audio_level,language,delivery_speed,audio_captioning"},
    "cmi.learner_preference.audio_level": {"access": "rw", "type": "real", "min": 0},
    "cmi.learner_preference.language": {"access": "rw", "type": "str", "max": 250},
    "cmi.learner_preference.delivery_speed": {"access": "rw", "type": "real", "min": 0},
    "cmi.learner_preference.audio_captioning": {"access": "rw", "type": "vocab", "values": ["-1", "0", "1"]},
    "cmi.location": {"access": "rw", "type": "str", "max": 1000},
    "cmi.max_time_allowed": {"access": "ro", "type": "duration"},
    "cmi.mode": {"access": "ro", "type": "vocab", "values": ["browse", "normal", "review"]},
    "cmi.objectives._children": {"access": "ro", "type": "keyword",
                                 "value": "id,score,success_status,completion_status,progress_measure,description"},
    "cmi.objectives._count": {"access": "ro", "type": "count", "array": "cmi.objectives"},
    **{f"cmi.objectives.n.{k}": v for k, v in _OBJ_2004.items()},
    "cmi.progress_measure": {"access": "rw", "type": "real", "min": 0, "max": 1},
    "cmi.scaled_passing_score": {"access": "ro", "type": "real", "min": -1, "max": 1},
    "cmi.score._children": {"access": "ro", "type": "keyword", "value": "scaled,raw,min,max"},
    "cmi.score.scaled": {"access": "rw", "type": "real", "min": -1, "max": 1},
    "cmi.score.raw": {"access": "rw", "type": "real"},
    "cmi.score.min": {"access": "rw", "type": "real"},
    "cmi.score.max": {"access": "rw", "type": "real"},
    "cmi.session_time": {"access": "wo", "type": "duration"},
    "cmi.success_status": {"access": "rw", "type": "vocab", "values": ["passed", "failed", "unknown"]},
    "cmi.suspend_data": {"access": "rw", "type": "str", "max": 64000},
    "cmi.time_limit_action": {"access": "ro", "type": "vocab",
                              "values": ["exit,message", "continue,message", "exit,no message",
                                         "continue,no message"]},
    "cmi.total_time": {"access": "ro", "type": "duration"},
    "adl.nav.request": {"access": "rw", "type": "navrequest"},
}

TABLES = {"1.2": ELEMENTS_12, "2004": ELEMENTS_2004}
#: Read-only elements whose values the server supplies at launch (everything else starts empty).
_INDEX_RE = re.compile(r"\.(\d+)(?=\.|$)")
_TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
_TIME_12 = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$")
_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$")
_NAV = re.compile(r"^(\{target=[^}]+\}(choice|jump)|continue|previous|exit|exitAll|abandon|abandonAll|"
                  r"suspendAll|_none_)$")


def pattern_of(element: str) -> str:
    """'cmi.objectives.3.id' → 'cmi.objectives.n.id'."""
    return _INDEX_RE.sub(".n", element)


def definition(version: str, element: str) -> dict | None:
    return TABLES[version].get(pattern_of(element))


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if re.fullmatch(r"-?\d+(\.\d+)?", value.strip()) else None


def check_value(version: str, element: str, value) -> str | None:
    """None when ``value`` may be stored in ``element``; else the reason (in Chinese) for a 422."""
    spec = definition(version, element)
    if spec is None:
        return "未定义的数据元素"
    if spec["access"] == "ro":
        return "只读元素，课件不能设置"
    if not isinstance(value, str):
        value = "" if value is None else str(value)
    kind = spec["type"]
    if kind in ("str", "any"):
        return None if len(value) <= spec.get("max", 4096) else f"超过 {spec.get('max')} 个字符"
    if kind == "vocab":
        return None if value in spec["values"] else "取值不在允许的词表中"
    if kind == "result":
        return None if value in spec["values"] or _number(value) is not None else "取值不正确"
    if kind in ("decimal", "real", "int"):
        if value == "" and spec.get("blank"):
            return None
        number = _number(value)
        if number is None or (kind == "int" and not re.fullmatch(r"-?\d+", value.strip())):
            return "须为数字"
        if "min" in spec and number < spec["min"] or "max" in spec and number > spec["max"]:
            return "数值超出范围"
        return None
    if kind == "timespan":
        return None if _TIMESPAN_12.match(value) else "时间长度格式须为 HHHH:MM:SS.SS"
    if kind == "time":
        return None if _TIME_12.match(value) else "时间格式须为 HH:MM:SS"
    if kind == "duration":
        return None if _DURATION.match(value) else "时间长度格式须为 ISO 8601（如 PT1H2M3S）"
    if kind == "timestamp":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return "时间戳格式须为 ISO 8601"
        return None
    if kind == "navrequest":
        return None if _NAV.match(value) else "导航请求不正确"
    return "不能设置"


# --- times ------------------------------------------------------------------------------------

def parse_timespan(value: str) -> float:
    """1.2 CMITimespan 'HHHH:MM:SS.SS' → seconds."""
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_duration(value: str) -> float:
    """2004 ISO 8601 duration 'P1DT2H3M4.5S' → seconds (months as 30 days, years as 365)."""
    match = re.match(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", value)
    if not match:
        return 0.0
    y, mo, d, h, mi, s = (float(g) if g else 0.0 for g in match.groups())
    return ((y * 365 + mo * 30 + d) * 24 + h) * 3600 + mi * 60 + s


def format_timespan(seconds: float) -> str:
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):04d}:{int(minutes):02d}:{secs:05.2f}"


def format_duration(seconds: float) -> str:
    seconds = max(0.0, round(seconds, 2))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{secs:.2f}S".replace(".00S", "S")


def session_seconds(version: str, value: str | None) -> float:
    if not value:
        return 0.0
    try:
        return parse_timespan(value) if version == "1.2" else parse_duration(value)
    except (ValueError, TypeError):
        return 0.0
