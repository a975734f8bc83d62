"""The faces a 公文 is set in, resolved from configuration.

GB/T 9704 names 仿宋 (body), 小标宋 (标志, 标题), 黑体 (密级, 紧急程度), 楷体 (签发人's names) and
宋体 (page numbers). Bureaus hold licensed files (方正仿宋_GBK, 方正小标宋简体 …) and point the
platform at them with ``EDU_DOC_FONT_<ROLE>``; without them free Debian faces stand in (there is no
free GB 仿宋 in Debian: fonts-cwtex-fs is Traditional and lacks 关 学 区 县 发 …):

* 仿宋, 楷体: AR PL KaitiM GB (fonts-arphic-gkai00mp)
* 小标宋, 宋体: AR PL UMing (fonts-arphic-uming); 小标宋 drawn with a thin outline stroke so the
  light Ming face reads as the heavy 标宋
* 黑体: WenQuanYi Micro Hei (fonts-wqy-microhei), else the 宋体 substitute

reportlab embeds TrueType outlines only (.ttf, or .ttc with ``path#index``); OpenType/CFF files
(.otf, Noto CJK) are refused with a message.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

ROLES = ("fangsong", "xiaobiaosong", "heiti", "kaiti", "songti")

#: Config key of each role (``EDU_DOC_FONT_FANGSONG`` in the environment → ``DOC_FONT_FANGSONG``).
CONFIG_KEYS = {role: f"DOC_FONT_{role.upper()}" for role in ROLES}

_KAI = "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"
_MING = "/usr/share/fonts/truetype/arphic/uming.ttc#0"
_HEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0"

#: Free substitutes, first present wins.
DEFAULTS: dict[str, tuple[str, ...]] = {
    "fangsong": (_KAI, _MING),
    "kaiti": (_KAI, _MING),
    "xiaobiaosong": (_MING, _KAI),
    "songti": (_MING, _KAI),
    "heiti": (_HEI, _MING, _KAI),
}

#: Stroke width (pt) added to substitute 小标宋 text: UMing is a light face.
SUBSTITUTE_BOLD_STROKE = 0.45


class FontError(ValueError):
    """A configured font file is missing or cannot be embedded."""


_lock = threading.Lock()
_registered: dict[tuple[str, int], str] = {}
_by_spec: dict[str, str] = {}


def _split(spec: str) -> tuple[str, int]:
    path, _, index = spec.partition("#")
    return path, int(index or 0)


def register(spec: str) -> str:
    """Register a TrueType file with reportlab once per process; return its font name."""
    name = _by_spec.get(spec)
    if name:
        return name
    path, index = _split(spec)
    key = (str(Path(path).resolve()), index)
    with _lock:
        name = _registered.get(key)
        if name:
            _by_spec[spec] = name
            return name
        if not os.path.isfile(path):
            raise FontError(f"字体文件不存在：{path}")
        if Path(path).suffix.lower() == ".otf":
            raise FontError(f"不支持 OpenType/CFF 字体（请使用 TrueType .ttf/.ttc）：{path}")
        name = "edu-" + hashlib.sha1(f"{key[0]}#{index}".encode()).hexdigest()[:12]
        try:
            kwargs = {"subfontIndex": index} if Path(path).suffix.lower() == ".ttc" else {}
            pdfmetrics.registerFont(TTFont(name, path, **kwargs))
        except Exception as exc:  # reportlab raises TTFError and friends
            raise FontError(f"无法嵌入字体 {path}：{exc}") from exc
        _registered[key] = _by_spec[spec] = name
        return name


@dataclass(frozen=True)
class FontSet:
    """One file (``path`` or ``path#index``) per role, and whether 小标宋 needs the outline stroke."""

    fangsong: str
    xiaobiaosong: str
    heiti: str
    kaiti: str
    songti: str
    #: Extra stroke (pt) on 小标宋 text; 0 for a real 小标宋.
    xiaobiaosong_stroke: float = 0.0

    @classmethod
    def from_config(cls, config: Mapping | None = None) -> FontSet:
        """Take each role from ``config[DOC_FONT_<ROLE>]`` (e.g. app.config), else a free substitute."""
        config = config or {}
        chosen: dict[str, str] = {}
        for role in ROLES:
            configured = config.get(CONFIG_KEYS[role])
            if configured:
                chosen[role] = str(configured)
                continue
            present = [spec for spec in DEFAULTS[role] if os.path.isfile(_split(spec)[0])]
            if not present:
                raise FontError(
                    f"未找到{role}字体：请设置 EDU_{CONFIG_KEYS[role]}，或安装 fonts-arphic-gkai00mp "
                    "fonts-arphic-uming"
                )
            chosen[role] = present[0]
        stroke = 0.0 if config.get(CONFIG_KEYS["xiaobiaosong"]) else SUBSTITUTE_BOLD_STROKE
        return cls(**chosen, xiaobiaosong_stroke=stroke)

    def name(self, role: str) -> str:
        """The reportlab font name of a role (registering its file on first use)."""
        return register(getattr(self, role))

    def missing_characters(self, role: str, text: str) -> list[str]:
        """Characters of ``text`` the role's face has no glyph for (they would print as boxes)."""
        face = pdfmetrics.getFont(self.name(role)).face
        cmap = face.charToGlyph
        return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
