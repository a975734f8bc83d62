"""The 15 文种 of 条例 Art. 8, read from ``doctypes.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml


@dataclass(frozen=True)
class DocType:
    code: str
    name: str
    upward: bool  # 上行文: 签发人 is required and shown
    template: str


@cache
def doctypes() -> dict[str, DocType]:
    rows = yaml.safe_load(Path(__file__).with_name("doctypes.yaml").read_text(encoding="utf-8"))
    return {row["code"]: DocType(**row) for row in rows}


def get_doctype(code: str) -> DocType | None:
    return doctypes().get(code)
