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
    # what the rich-text editor (Quill 2) writes besides: headings, links, rules
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "hr",
}
_BLOCK_CLASSED = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div", "span"}
ALLOWED_ATTRIBUTES = {
    # Quill 2's table module marks each cell with its row (``data-row="row-xxxx"``)
    "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan", "data-row"},
    "th": {"colspan", "rowspan", "data-row"},
    "a": {"href", "target"}, "li": {"class", "data-list"}, "div": {"class", "data-language"},
    "pre": {"class", "data-language"}, **{tag: {"class"} for tag in _BLOCK_CLASSED - {"li", "div", "pre"}},
}
#: Images may only come from this platform — question media, the editor's pictures
#: (``/editor/images/<token>``) — or, where the caller allows it, be inline data.
_OWN_IMG_SRC = re.compile(r"^(/questions/media/\d+|/editor/images/[A-Za-z0-9_-]{20,64})$")
_DATA_IMG_SRC = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,")
#: Links: the web, mail, or a place on this site; never javascript:, data: or vbscript:.
_HREF_OK = re.compile(r"^(https?://|mailto:|/(?!/)|#)", re.IGNORECASE)
#: Classes the editor writes (alignment, indent, its list and code-block markers); nothing else, so
#: text cannot borrow the page's own classes (a fixed overlay, a fake button).
_CLASS_OK = re.compile(r"^ql-(align-(center|right|justify)|indent-[1-8]|direction-rtl|ui|code-block"
                       r"|code-block-container|syntax)$")
_LIST_KINDS = {"bullet", "ordered", "checked", "unchecked"}
_LANGUAGE_OK = re.compile(r"^[a-z0-9+#-]{1,20}$")
_ROW_OK = re.compile(r"^row-[a-z0-9]{1,16}$")
_SPAN_OK = re.compile(r"^[1-9][0-9]?$")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
_HTML_HINT = re.compile(r"<(/?)(p|br|b|strong|i|em|u|s|sub|sup|span|div|img|ul|ol|li|table|thead|tbody|tr|td|th"
                        r"|code|pre"
                        r"|h[1-6]|a|blockquote)\b"
                        r"|&(#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)


def _attribute_filter(inline_images: bool):
    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "img" and attr == "src":
            return value if _OWN_IMG_SRC.match(value) or (inline_images and _DATA_IMG_SRC.match(value)) else None
        if attr == "href":
            return value if _HREF_OK.match(value.strip()) else None
        if attr == "target":
            return "_blank" if value == "_blank" else None
        if attr == "class":
            kept = " ".join(c for c in value.split() if _CLASS_OK.match(c))
            return kept or None
        if attr == "data-list":
            return value if value in _LIST_KINDS else None
        if attr == "data-language":
            return value if _LANGUAGE_OK.match(value) else None
        if attr == "data-row":
            return value if _ROW_OK.match(value) else None
        if attr in ("colspan", "rowspan"):
            return value if _SPAN_OK.match(value.strip()) else None
        return value
    return keep


_FILTERS = {True: _attribute_filter(True), False: _attribute_filter(False)}


def clean_html(text: str | None, *, inline_images: bool = True) -> str:
    """Sanitise user HTML (scripts, styles, event handlers, foreign images, javascript: links
    removed); plain text is escaped. ``inline_images=False`` also drops ``data:`` pictures: a field
    written in the editor holds only pictures stored on this platform.

    Idempotent: cleaning cleaned text changes nothing (imports and edits rely on it).
    """
    if not text:
        return ""
    text = str(text).strip()
    if not looks_like_html(text):
        return from_text(text)
    cleaned = sanitize(text, inline_images=inline_images)
    if "\n" in cleaned and not looks_like_html(cleaned):
        # Nothing HTML-like is left: keep it idempotent (a line break in HTML shows as a space).
        cleaned = cleaned.replace("\n", " ")
    return cleaned


def sanitize(text: str, *, inline_images: bool = True) -> str:
    """Sanitise text that is HTML (entities and all)."""
    cleaned = nh3.clean(str(text), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=_FILTERS[inline_images], url_schemes={"data", "http", "https", "mailto"},
                        link_rel="noopener noreferrer")
    # a picture whose source was refused is dropped whole, not left as an empty frame
    return _IMG_WITHOUT_SRC.sub("", cleaned).strip()


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

