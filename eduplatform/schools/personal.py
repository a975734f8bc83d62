"""Personal data: 居民身份证号码 validation (GB 11643-1999) and masking for lists and exports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^[1-9]\d{16}[\dX]$")
#: First two digits: the province-level codes of GB/T 2260 (incl. 71 台湾, 81 香港, 82 澳门).
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
              50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    is_male: bool


def check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_id_number(text: str, *, today: date | None = None) -> IdNumber:
    """Validate an 18-digit ID number; raise ValueError with a Chinese reason."""
    value = (text or "").strip().upper()
    if len(value) != 18:
        raise ValueError("身份证号须为 18 位")
    if not _ID_PATTERN.match(value):
        raise ValueError("身份证号须为 17 位数字加 1 位数字或 X")
    if int(value[:2]) not in _PROVINCES:
        raise ValueError("身份证号的地区码不正确")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValueError("身份证号中的出生日期不正确") from None
    if birth.year < 1900 or birth > (today or date.today()):
        raise ValueError("身份证号中的出生日期不正确")
    if check_digit(value[:17]) != value[17]:
        raise ValueError("身份证号校验位不正确")
    return IdNumber(value=value, birth_date=birth, is_male=int(value[16]) % 2 == 1)


def mask_id_number(value: str | None) -> str | None:
    """110105********1234: region and last four kept, birth date hidden."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"
