"""Text analysis: jieba's Chinese analyzer, loaded once per process, and a clause cache.

Text fields use ``jieba.analyse.ChineseAnalyzer`` (jieba "search" mode, then lowercase, stop words,
Porter stemming), so '函数' finds '二次函数的图像与性质' and 'Python' finds 'python'. Indexed text and
queries are NFKC-normalised first (full-width 'Ｐｙｔｈｏｎ' → 'Python'); the stored title/summary keep
their original form.

Documents are analysed before the index's write lock is taken (:func:`analyze`: clause by clause
with a cache, exactly the analyzer's tokens) and handed to Whoosh as token lists, so concurrent
writers analyse in parallel and hold the lock only to write postings.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import unicodedata
import warnings
from pathlib import Path

_jieba_lock = threading.Lock()
_jieba_ready = False
_analyzer = None
_block_re = None

#: Clauses longer than this are analysed without the cache (they rarely repeat).
MAX_CACHED_CLAUSE = 48


def _import_jieba():
    with warnings.catch_warnings():
        # jieba's modules contain invalid escape sequences.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba
        from jieba.analyse import ChineseAnalyzer
    return jieba, ChineseAnalyzer


def ensure_jieba(cache_dir: Path | None = None) -> None:
    """Load jieba's dictionary once per process, caching it in ``cache_dir`` (not /tmp)."""
    global _jieba_ready
    if _jieba_ready:
        return
    with _jieba_lock:
        if _jieba_ready:
            return
        jieba, _ = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        logging.getLogger("jieba").setLevel(logging.WARNING)
        if cache_dir is not None and jieba.dt.tmp_dir is None and jieba.dt.cache_file is None:
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
                if os.access(cache_dir, os.W_OK):
                    jieba.dt.tmp_dir = str(cache_dir)
            except OSError:
                pass
        jieba.initialize()
        _jieba_ready = True


def chinese_analyzer():
    """The analyzer used for every text field (one shared instance)."""
    global _analyzer
    if _analyzer is None:
        jieba, ChineseAnalyzer = _import_jieba()
        jieba.setLogLevel(logging.WARNING)
        _analyzer = ChineseAnalyzer()
    return _analyzer


def analyze(text: str) -> list[str]:
    """The token texts ``chinese_analyzer()`` yields for ``text``, clause by clause, with a cache.

    jieba cuts each run of ``re_han_default`` characters (a clause between punctuation or spaces)
    on its own and every later step (search-mode extras, lower-casing, stop words, stemming) is
    per token, so the analysis of a text is the concatenation of the analyses of its runs and
    the runs in between. Titles, descriptions and extracted text repeat many clauses (subject,
    grade and type names, headings, boilerplate), and a cached clause skips jieba entirely.
    """
    global _block_re
    if _block_re is None:
        jieba, _ = _import_jieba()
        _block_re = jieba.re_han_default
    out: list[str] = []
    for block in _block_re.split(text):
        if not block:
            continue
        if len(block) <= MAX_CACHED_CLAUSE:
            out.extend(_analyze_clause(block))
        else:
            out.extend([t.text for t in chinese_analyzer()(block)])
    return out


@functools.lru_cache(maxsize=50_000)
def _analyze_clause(block: str) -> tuple[str, ...]:
    return tuple(t.text for t in chinese_analyzer()(block))


def nfkc(text: str) -> str:
    """``text`` NFKC-normalised (full-width letters and digits as ASCII), as indexed and queried."""
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)
