"""Queries: user text → a Whoosh query, and what a query selects, evaluated on bitmaps.

Queries are built directly (no query-language parser), so user input can never be a syntax error:
the text is split on whitespace into words (at most ``MAX_WORDS``); each word is analysed and its
tokens — minus jieba's search-mode extras inside a longer token ('必达' in '洛必达'), which are
always indexed with it and so add nothing — become ``Or(title: AND(tokens), summary: …, content: …,
keywords: …, tags: word)``; the words are OR-ed. Scores add up (BM25F, field weights are schema
``field_boost``s: title 3, keywords 2, summary 1.5, content 1), so a document holding every word
outranks one holding some. Every ``Or`` is Whoosh's ``DefaultOr`` (a binary tree of unions) and
there is no coordination factor: ``Or(scale=…)``'s ``CoordMatcher`` and the small-segment
``ArrayUnionMatcher`` score depending on how far the matchers have run (their sum differed between
segments and between Whoosh's own collectors), and their bonus was small anyway (0.01–0.1 per
matching term on scores of 5–20).

A query's match set is the AND/OR of its term bitmaps, intersected with the bitmaps of the kinds,
filters and ACL it asks for (:func:`select`).

Highlighting wraps occurrences of the query's analysed tokens in ``<mark>`` on the stored
title/summary, escaping everything else. It is done with one compiled regex rather than Whoosh's
highlighter, because that re-runs jieba on every shown text (≈360k chars/s: ~18 ms for a page of
20 summaries — more than the rest of a query).
"""

from __future__ import annotations

import functools
import html
import re

from whoosh import query as wq
from whoosh.query.compound import DefaultOr

from eduplatform.core.search.analysis import chinese_analyzer, nfkc
from eduplatform.core.search.base import SearchQuery
from eduplatform.core.search.bitsets import ids_to_bits
from eduplatform.core.search.caches import GenerationCache, Selection
from eduplatform.core.search.schema import FACET_NAME_RE, FACET_PREFIX, TEXT_FIELDS, clean_values

MAX_QUERY_CHARS = 200
MAX_WORDS = 12


class ParsedText:
    """The whoosh query for a text, plus what the highlighter needs."""

    def __init__(self, query: wq.Query | None, tokens: list[str], words: list[str]):
        self.query = query
        self.tokens = tokens
        self.words = words
        self._rx: re.Pattern | None | bool = False

    @property
    def highlight_re(self) -> re.Pattern | None:
        if self._rx is False:
            parts = []
            terms = set(self.tokens) | {w.lower() for w in self.words if len(w) >= 2}
            for term in sorted(terms, key=lambda t: (-len(t), t)):
                if term.isascii() and term.replace("_", "").isalnum():
                    # Stemmed English tokens ('studi'): match whole words starting with them.
                    parts.append(r"(?<![0-9a-z])" + re.escape(term) + r"[0-9a-z]*")
                elif term.strip():
                    parts.append(re.escape(term))
            self._rx = re.compile("|".join(parts), re.IGNORECASE) if parts else None
        return self._rx  # type: ignore[return-value]


def parse_text(text: str) -> ParsedText:
    """Build the query for user text; never raises. Empty/blank text → ``query=None`` (all)."""
    text = nfkc(text or "")[: MAX_QUERY_CHARS].strip()
    if not text:
        return ParsedText(None, [], [])
    ana = chinese_analyzer()
    word_queries: list[wq.Query] = []
    all_tokens: list[str] = []
    words: list[str] = []
    for word in text.split():
        if word in words:
            continue
        if len(words) >= MAX_WORDS:
            break
        words.append(word)
        tokens = main_tokens(ana, word)
        all_tokens.extend(t for t in tokens if t not in all_tokens)
        alternatives: list[wq.Query] = []
        for fieldname in TEXT_FIELDS if tokens else ():
            terms = [wq.Term(fieldname, t) for t in tokens]
            # Several tokens ('教学设计' → 教学, 设计) must meet in one field: the index keeps no
            # positions, so this is the closest it gets to "the word as typed".
            alternatives.append(terms[0] if len(terms) == 1 else wq.And(terms))
        alternatives.append(wq.Term("tags", word.lower()))
        word_queries.append(alternatives[0] if len(alternatives) == 1 else DefaultOr(alternatives))
    q = word_queries[0] if len(word_queries) == 1 else DefaultOr(word_queries)
    return ParsedText(q, all_tokens, words)


def main_tokens(ana, word: str) -> list[str]:
    """The analysed tokens of ``word`` minus jieba's search-mode extras inside longer tokens.

    jieba's search mode (used for indexing) emits '二次', '函数' and '二次函数' for '二次函数': the
    extras are always indexed alongside the whole word, so requiring them adds nothing to the
    match and only costs scoring time (and adds the score of '教学' to a search for '教学设计').
    """
    spans = [(t.text, t.startchar, t.endchar) for t in ana(word, chars=True)]
    out: list[str] = []
    for text, start, end in spans:
        inside = any(s <= start and end <= e and e - s > end - start for _, s, e in spans)
        if text and not inside and text not in out:
            out.append(text)
    return out


@functools.lru_cache(maxsize=1024)
def parse_cached(text: str) -> ParsedText:
    """``parse_text`` for a search (jieba is deterministic: the same text, the same query)."""
    return parse_text(text)


def selection_key(query: SearchQuery) -> tuple:
    """What decides the documents a query selects (ACL order and duplicates don't matter)."""
    filters = tuple(sorted((str(name), tuple(sorted(clean_values(value))))
                           for name, value in (query.filters or {}).items()))
    kinds = None if query.kinds is None else tuple(sorted(clean_values(query.kinds)))
    acl = None if query.acl is None else tuple(sorted(clean_values(query.acl)))
    return (query.text or "", kinds, filters, acl)


def match_bits(q: wq.Query, gc: GenerationCache, searcher) -> int:
    if isinstance(q, wq.Term):
        return gc.term_bits(q.fieldname, q.text)
    if isinstance(q, wq.And):
        out = None
        for sub in q.subqueries:
            bits = match_bits(sub, gc, searcher)
            out = bits if out is None else out & bits
            if not out:
                return 0
        return out or 0
    if isinstance(q, wq.Or):
        out = 0
        for sub in q.subqueries:
            out |= match_bits(sub, gc, searcher)
        return out
    if isinstance(q, wq.Every):
        return gc.live
    if q is wq.NullQuery:
        return 0
    # Anything else (not produced by parse_text): ask Whoosh.
    return ids_to_bits([list(searcher.docs_for_query(q))], gc.ndocs)


def highlight(text: str, rx: re.Pattern | None) -> str:
    if not text:
        return ""
    if rx is None:
        return html.escape(text)
    out: list[str] = []
    pos = 0
    for m in rx.finditer(text):
        start, end = m.span()
        if start == end:
            continue
        if start > pos:
            out.append(html.escape(text[pos:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        pos = end
    if pos < len(text):
        out.append(html.escape(text[pos:]))
    return "".join(out).replace("</mark><mark>", "")


def filter_bits(gc: GenerationCache, query: SearchQuery) -> int | None:
    """Bitmap of documents allowed by kinds/filters/ACL (None = no restriction)."""
    allowed: int | None = None

    def narrow(bits: int) -> None:
        nonlocal allowed
        allowed = bits if allowed is None else allowed & bits

    if query.kinds is not None:
        narrow(gc.any_of("kind", clean_values(query.kinds)))
    for name, value in (query.filters or {}).items():
        values = clean_values(value)
        if not values:
            continue  # an empty filter value means "no filter on this field"
        if not FACET_NAME_RE.match(str(name)):
            narrow(0)  # no document can have such a facet
            continue
        narrow(gc.any_of(FACET_PREFIX + name, values))
    if query.acl is not None:
        narrow(gc.any_of("acl", clean_values(query.acl)))
    return allowed


def select(searcher, gc: GenerationCache, query: SearchQuery, parsed: ParsedText) -> Selection:
    """What ``query`` (its text already parsed) selects among the live documents."""
    live = gc.live
    match = live if parsed.query is None else match_bits(parsed.query, gc, searcher) & live
    return Selection(match, filter_bits(gc, query))
