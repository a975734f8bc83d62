"""URL converters: every ``<int:...>`` in the application is bounded to what the database can hold.

Werkzeug's ``int`` converter accepts any number of digits; an id the id column cannot hold then
reaches the database driver and fails there as a 500: past 2**63 - 1 on SQLite (``OverflowError``),
already past 2**31 - 1 on PostgreSQL, whose INTEGER (every id and counter column here) is 32 bits
("integer out of range"). Replacing the converter app-wide, before any blueprint adds its routes, gives every existing
and future route the bound without per-route edits: a URL whose number does not fit simply does not
match, so the answer is the ordinary 404.
"""

from __future__ import annotations

import builtins

from flask import Flask
from werkzeug.routing import IntegerConverter

#: The largest value of an INTEGER column on PostgreSQL (int4): the bound of every id.
MAX_INT = 2**31 - 1
#: The largest signed 64-bit integer: PostgreSQL's BIGINT, SQLite's INTEGER, JSON numbers we keep.
MAX_BIGINT = 2**63 - 1


def _at_most(bound: int) -> str:
    """A regular expression matching exactly the decimal numbers 0 … ``bound`` (leading zeros allowed).

    The bound is checked by the pattern, not only in ``to_python``: werkzeug tests a rule's methods
    before its converters, so a number refused in ``to_python`` would come back as a misleading 405
    when the same path has rules for other methods; a path that does not match at all is a 404.
    """
    digits = str(bound)
    shorter = f"[0-9]{{1,{len(digits) - 1}}}" if len(digits) > 1 else None
    same_length = []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            same_length.append(digits[:i] + (f"[0-{int(digit) - 1}]" if digit != "1" else "0")
                               + (f"[0-9]{{{rest}}}" if rest else ""))
    same_length.append(digits)
    return "0*(?:" + "|".join(filter(None, [shorter, *same_length])) + ")"


class BoundedIntConverter(IntegerConverter):
    """``int`` limited to 0 … 2**31 - 1 (signed: down to -(2**31 - 1)) unless the rule narrows it."""

    regex = _at_most(MAX_INT)

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_INT if max is None else builtins.min(max, MAX_INT), signed=signed)


def init_app(app: Flask) -> None:
    """Install the bounded converter; must run before any route is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
