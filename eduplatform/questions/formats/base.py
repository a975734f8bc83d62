"""What every format shares: the canonical question dict, problems, the registry."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eduplatform.core.errors import ValidationFailed

#: Keys of a canonical question dict (what parsers produce and exporters take).
#: type, stem (rich text), data (the type's data), analysis, score, difficulty, tags, category ("a/b/c"),
#: title (the file's own name for the question, if any).
CANONICAL_KEYS = ("type", "stem", "data", "analysis", "score", "difficulty", "tags", "category", "title")


@dataclass
class Problem:
    message: str
    line: int | None = None
    number: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "number": self.number, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.number is not None:
            where.append(f"第 {self.number} 题")
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        return f"{'，'.join(where)}：{self.message}" if where else self.message


@dataclass
class ParseResult:
    #: Canonical dicts, each with "number" (1-based position in the file) and "line" (or None).
    items: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, message: str, *, line: int | None = None, number: int | None = None) -> None:
        self.problems.append(Problem(message, line, number))


@dataclass(frozen=True)
class Format:
    code: str
    label: str
    extensions: tuple[str, ...]
    parse: Callable[[bytes], ParseResult] | None
    export: Callable[[list[dict[str, Any]]], bytes] | None
    content_type: str = "text/plain; charset=utf-8"
    #: File extension of an export.
    export_extension: str = ""
    #: What an export in this format would lose of a question (Chinese, by name); [] when nothing.
    losses: Callable[[dict[str, Any]], list[str]] | None = None
    #: The file can hold pictures (exports get them inline as data URIs and package them).
    embeds_files: bool = False


DATA_IMAGE = re.compile(r'src="data:image/(png|jpeg|gif|webp);base64,([A-Za-z0-9+/=\s]+)"')


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` (a question's dicts and lists) with ``change`` applied to every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    return value


IMAGE_MAGIC = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def image_data_uri(data: bytes, what: str) -> str:
    """A picture a file carried, as an inline data URI (the import then stores it); ``what`` names
    it in the refusal when it is not a PNG, JPEG, GIF or WebP image."""
    import base64

    kind = next((ct for magic, ct in IMAGE_MAGIC.items() if data.startswith(magic)), None)
    if kind is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    if kind is None:
        raise ValueError(f"{what}不是 PNG、JPEG、GIF 或 WebP 图片，无法保留")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def packaged_images(text: str, store: Callable[[str, bytes], str]) -> str:
    """Inline images in ``text`` replaced by what ``store(file name, bytes)`` answers."""
    import base64
    import hashlib

    def replace(match) -> str:
        data = base64.b64decode(re.sub(r"\s", "", match.group(2)))
        ext = "jpg" if match.group(1) == "jpeg" else match.group(1)
        return f'src="{store(f"img-{hashlib.sha256(data).hexdigest()[:16]}.{ext}", data)}"'

    return DATA_IMAGE.sub(replace, text) if "data:image/" in text else text


#: Names of the type data that not every format can say.
EXTRA_NAMES = {"weights": "逐项得分比例", "feedback": "逐项反馈", "credits": "答案的部分得分",
               "wildcard": "通配符 *", "answers": "多个数值答案（部分得分或反馈）"}


def extras_lost(item: dict[str, Any], carried: dict[str, set[str]] | None,
                unsupported: set[str] = frozenset()) -> list[str]:
    """The extras of ``item`` a format does not carry (``carried``: type → keys it does; None: all)."""
    from eduplatform.questions.types import QUESTION_TYPES

    if item["type"] in unsupported:
        return [f"{QUESTION_TYPES[item['type']].label}这种题型"]
    if carried is None:
        return []
    keep = carried.get(item["type"], set())
    return [EXTRA_NAMES[key] for key in EXTRA_NAMES if item["data"].get(key) and key not in keep]


FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> Format:
    FORMATS[fmt.code] = fmt
    return fmt


def get_format(code: str, *, for_import: bool = False, for_export: bool = False) -> Format:
    fmt = FORMATS.get(code)
    if fmt is None or (for_import and fmt.parse is None) or (for_export and fmt.export is None):
        what = "导入" if for_import else "导出"
        usable = [f.label for f in FORMATS.values() if (f.parse if for_import else f.export)]
        raise ValidationFailed(f"不支持的{what}格式：{code}（可用：{'、'.join(usable)}）",
                               fields={"format": ["格式不支持"]})
    return fmt


def decode_text(raw: bytes) -> str:
    """Text files from Chinese teachers come in UTF-8 (with or without BOM) or GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("文件编码无法识别，请另存为 UTF-8 编码", code="bad_encoding")


def new_item(qtype: str, stem: str, data: dict, *, number: int, line: int | None = None, analysis: str = "",
             score: float | None = None, difficulty: int | None = None, tags: list[str] | None = None,
             category: str = "", title: str = "") -> dict[str, Any]:
    from eduplatform.questions.types import TypeDataError, get_type

    try:  # the canonical shape (extras that say nothing dropped); the preview reports what fails
        data = get_type(qtype).clean(data)
    except TypeDataError:
        pass
    return {"type": qtype, "stem": stem, "data": data, "analysis": analysis, "score": score,
            "difficulty": difficulty, "tags": tags or [], "category": category, "title": title,
            "number": number, "line": line}
