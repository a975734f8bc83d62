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


#: 全国学籍号 (电子学籍): 19 characters, the first saying which kind (secondary sources, see DOMAIN.md).
REGISTRY_KINDS = {"G": "身份证号", "J": "自编号", "L": "临时号"}
_REGISTRY_PATTERN = re.compile(r"^[GJL]\d{17}[\dX]$")


def _birth_of(digits: str, today: date | None) -> date:
    try:
        birth = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValueError("学籍号中的出生日期不正确") from None
    if birth.year < 1900 or birth > (today or date.today()):
        raise ValueError("学籍号中的出生日期不正确")
    return birth


def parse_registry_no(text: str, *, today: date | None = None) -> str:
    """Validate a 全国学籍号; raise ValueError with a Chinese reason. ``G`` + the 18-digit ID number
    (GB 11643 check digit), ``J`` + a self-assigned 18 digits (area 6 + birth date 8 + sequence 3 +
    check 1; the check's algorithm was not confirmed, so only the area and the date are checked), ``L``
    + a temporary area 6 + birth date 8 + 4 random digits; → the number, upper-case."""
    value = (text or "").strip().upper()
    if len(value) != 19:
        raise ValueError("学籍号须为 19 位（G、J 或 L 开头）")
    if value[0] not in REGISTRY_KINDS:
        raise ValueError("学籍号须以 G（身份证号）、J（自编号）或 L（临时号）开头")
    if not _REGISTRY_PATTERN.match(value):
        raise ValueError("学籍号首字母后须为 18 位数字（G 开头时末位可为 X）")
    if value[0] == "G":
        try:
            parse_id_number(value[1:], today=today)
        except ValueError as exc:
            raise ValueError(f"G 开头的学籍号须为“G＋身份证号”：{exc}") from None
        return value
    if value[-1] == "X":
        raise ValueError("J、L 开头的学籍号首字母后须为 18 位数字")
    if int(value[1:3]) not in _PROVINCES:
        raise ValueError("学籍号的地区码不正确")
    _birth_of(value[7:15], today)
    return value


#: 学校标识码: 2-digit category + 2-digit province (GB/T 2260) + 6-digit sequence (secondary sources).
_SCHOOL_ID_PATTERN = re.compile(r"^\d{10}$")


def parse_school_identifier(text: str) -> str:
    """Validate a 10-digit 学校标识码; raise ValueError with a Chinese reason."""
    value = (text or "").strip()
    if not _SCHOOL_ID_PATTERN.match(value):
        raise ValueError("学校标识码须为 10 位数字")
    if int(value[2:4]) not in _PROVINCES:
        raise ValueError("学校标识码第 3–4 位（省级行政区划代码）不正确")
    return value


def mask_id_number(value: str | None) -> str | None:
    """110105********1234: region and last four kept, birth date hidden."""
    if not value:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"
