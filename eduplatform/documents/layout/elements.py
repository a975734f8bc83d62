"""The elements of a 公文 (GB/T 9704-2012 §7) as one value the layout reads.

An element left empty (None, "", []) is left out of the layout — not printed blank and not
leaving a gap. 附件 (the attachments themselves) and 页码 are not fields: attachments are separate
documents, and page numbers are drawn by the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


def chinese_date(value: date) -> str:
    """2026年12月2日: Arabic numerals, the full year, no leading zeros (GB/T 9704 §7.3.5.1)."""
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class DocumentElements:
    """What a 公文 says, element by element (the names are the standard's)."""

    # 版头 (head)
    份号: str | None = None
    密级和保密期限: str | None = None
    紧急程度: str | None = None
    发文机关标志: str | None = None
    发文字号: str | None = None
    签发人: list[str] = field(default_factory=list)
    # 主体 (body)
    标题: str | None = None
    主送机关: str | None = None
    正文: list[str] = field(default_factory=list)
    附件说明: list[str] = field(default_factory=list)
    发文机关署名: str | None = None
    成文日期: date | None = None
    #: The seal image (PNG bytes, transparent background), centred over 署名 and 成文日期.
    印章: bytes | None = None
    附注: str | None = None
    # 版记 (imprint)
    抄送机关: list[str] = field(default_factory=list)
    印发机关: str | None = None
    印发日期: date | None = None
    #: 上行文 (请示, 报告): 发文字号 left and 签发人 right on one line (§7.2.5).
    上行文: bool = False
    #: Lay the signature out for a seal (§7.3.5.1: 成文日期 右空四字, 署名 centred on it, room for the
    #: seal) even before the image is applied — the 用印 step stamps it at ``seal_box``. False gives
    #: the unsealed layout of §7.3.5.2 unless an image is given.
    加盖印章: bool = True

    @property
    def sealed(self) -> bool:
        return self.印章 is not None or self.加盖印章
