"""Raw codes in what a page shows: Python values (``= True``, ``['smart']``, ``None``), bare ids
(``#12``) and snake_case identifiers (``students_total``, ``city_staff``) — what a user should see as
a label or a name. Text inside ``code``/``kbd``/``samp``/``pre``, form controls, scripts and elements
marked ``translate="no"`` (an identifier shown on purpose, such as a login name on the account page)
is not looked at; attributes (tooltips) are not text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

PATTERNS = (
    ("Python 值", re.compile(r"==?\s*(?:True|False)\b|\b(?:True|False|None)\b")),
    ("Python 列表", re.compile(r"\[\s*['\"]")),
    ("裸编号", re.compile(r"(?<![&\w])#\d+")),
    ("代码", re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")),
)
SKIPPED = frozenset({"script", "style", "code", "pre", "kbd", "samp", "textarea", "select", "template",
                     "svg", "math"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                  "track", "wbr"})


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: is its text skipped?
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        skipped = (tag in SKIPPED or dict(attrs).get("translate") == "no"
                   or (bool(self.stack) and self.stack[-1]))
        self.stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return " ".join(parser.parts)


def raw_codes(page: str) -> list[str]:
    """'kind: …context…' for each raw code in the page's visible text."""
    text = re.sub(r"\s+", " ", visible_text(page))
    found = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            found.append(f"{kind}: …{text[max(0, match.start() - 20):match.end() + 20]}…")
    return found
