"""Rich text of stems, options and analyses: sanitised HTML with images and LaTeX.

Formulas stay as LaTeX between ``$…$``, ``\\(…\\)`` or ``\\[…\\]`` and are rendered in the browser by
the locally served KaTeX; images are ``<img>`` tags pointing at this platform's own media URLs.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "span", "div", "img", "ul", "ol",
    "li", "table", "thead", "tbody", "tr", "td", "th", "code", "pre", "blockquote",
}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}, "span": {"class"}}
#: Images may only come from this platform (question media) or be inline data.
_IMG_SRC_OK = re.compile(r"^(/questions/media/\d+|data:image/(png|jpeg|gif|webp);base64,)")
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
_HTML_HINT = re.compile(r"<(/?)(p|br|b|strong|i|em|u|s|sub|sup|span|div|img|ul|ol|li|table|tr|td|code)\b"
                        r"|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if _IMG_SRC_OK.match(value) else None
    return value


def clean_html(text: str | None) -> str:
    """Sanitise user HTML (scripts, event handlers, foreign images removed); plain text is escaped.

    Idempotent: cleaning cleaned text changes nothing (imports and edits rely on it).
    """
    if not text:
        return ""
    text = str(text).strip()
    if not looks_like_html(text):
        return from_text(text)
    cleaned = sanitize(text)
    if "\n" in cleaned and not looks_like_html(cleaned):
        # Nothing HTML-like is left: keep it idempotent (a line break in HTML shows as a space).
        cleaned = cleaned.replace("\n", " ")
    return cleaned


def sanitize(text: str) -> str:
    """Sanitise text that is HTML (entities and all)."""
    return nh3.clean(str(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     attribute_filter=_attribute_filter, url_schemes={"data", "http", "https"},
                     link_rel=None).strip()


def from_text(text: str | None) -> str:
    """Plain text (from a file format or a form) as safe rich text: escaped, newlines as <br>."""
    text = (text or "").strip().replace("\r\n", "\n")
    return html.escape(text, quote=False).replace("\n", "<br>")


def from_markdown(text: str | None) -> str:
    """Markdown (GIFT ``[markdown]``, Moodle's markdown format) as sanitised rich text."""
    from markdown_it import MarkdownIt

    html_out = MarkdownIt("commonmark", {"html": True}).render((text or "").strip())
    return sanitize(html_out)


def as_plain(rich: str) -> str | None:
    """The plain text that gives exactly ``rich`` back through :func:`from_text`, or None."""
    candidate = html.unescape(re.sub(r"<br\s*/?>", "\n", rich or ""))
    return candidate if from_text(candidate) == rich and "<" not in rich.replace("<br>", "") else None


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text))


def plain_text(text: str | None) -> str:
    """The text of rich text, for search, previews and plain formats."""
    if not text:
        return ""
    text = re.sub(r"<br\s*/?>", "\n", text, flags=re.IGNORECASE)
    text = re.sub(r"</(p|div|li|tr)>", "\n", text, flags=re.IGNORECASE)
    text = _TAG_RE.sub("", text)
    text = html.unescape(text)
    lines = [_SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def one_line(text: str | None, limit: int = 80) -> str:
    flat = _SPACE_RE.sub(" ", plain_text(text)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

