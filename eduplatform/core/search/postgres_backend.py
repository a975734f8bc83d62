"""The PostgreSQL search backend (``EDU_SEARCH=postgres``): full-text search that scales with the database.

Every node of a cluster sees the same index because it is three tables of the platform's own
database (:mod:`~eduplatform.core.search.pg_models`), written after the commit like the Whoosh index.

* **Analysis** is the Whoosh backend's, token for token: :func:`~eduplatform.core.search.schema.document_fields`
  (NFKC, jieba's search mode, lower-casing, stop words, stemming) and, for queries,
  :func:`~eduplatform.core.search.query.main_tokens`. PostgreSQL never re-parses the text: its
  default parser would split 'c++' or '3d打印' differently from jieba. The ``tsvector`` is made
  with ``array_to_tsvector`` from the tokens, which is what the ``simple`` configuration does to a
  word (no stemming, no stop words, no dictionary) without the parser. Each lexeme carries its field
  ('t|函数' title, 's|' summary, 'c|' content, 'k|' keywords, 'g|c++' an exact tag), so "the tokens
  of a word meet in one field" — the Whoosh query — is one ``tsquery`` on one GIN index.
* **Ranking** is BM25F as the Whoosh backend computes it (B 0.75, K1 1.2, field weights title 3,
  keywords 2, summary 1.5, content 1, an exact tag 2): per field, idf = ln(N / (df + 1)) + 1 with
  the document frequency kept per (field, token) in ``search_terms``, the field's average length
  from ``search_fields``, the term frequency and length of each document from its row. Not
  ``ts_rank_cd``: that ranks by lexeme proximity and would disagree with Whoosh on what comes first.
  Scores differ from Whoosh's in the last digits (Whoosh stores lengths as one log-scaled byte and
  counts deleted documents until a merge); ties go to the older document, as there.
* **Filters** (kinds, facets, ACL) are lexemes of the same ``tsvector`` ('n|resource', 'f|type=courseware',
  'a|org:5'), so a search is one ``tsquery`` on one GIN index; facet counts are a ``GROUP BY`` over
  the matches' ``facet_terms``, in the same statement as the total and the page (the matches are
  found once). Highlighting is the Whoosh backend's.
* **Writes** of a batch are one transaction holding an advisory lock (writers one at a time, as
  Whoosh's write lock; waiting longer than ``lock_timeout`` → :class:`SearchError`): the document
  rows, the document frequencies and field lengths change together, so the statistics always
  describe exactly the committed documents.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from eduplatform.core.search.analysis import chinese_analyzer, ensure_jieba, nfkc
from eduplatform.core.search.base import (
    SORT_ORDERS,
    SearchBackend,
    SearchDocument,
    SearchError,
    SearchHit,
    SearchQuery,
    SearchResults,
)
from eduplatform.core.search.query import MAX_QUERY_CHARS, MAX_WORDS, ParsedText, highlight, main_tokens
from eduplatform.core.search.schema import FACET_NAME_RE, FACET_PREFIX, clean_values, document_fields

MAX_PER_PAGE = 200
BUSY_MESSAGE = "搜索索引忙，请稍后再试"
#: (field, lexeme prefix, weight): the Whoosh schema's ``field_boost``s; tf index in ``tf`` arrays.
FIELDS = (("title", "t", 3.0), ("summary", "s", 1.5), ("content", "c", 1.0), ("keywords", "k", 2.0))
TAG_PREFIX = "g"
KIND_PREFIX, ACL_PREFIX, FACET_LEXEME = "n", "a", "f"
#: An exact tag adds its weight (Whoosh scores an ID field by weight alone).
TAG_WEIGHT = 2.0
B, K1 = 0.75, 1.2
SORT_COLUMNS = {"newest": "created", "popularity": "popularity", "rating": "rating"}
RATING_SCALE = 1000
#: PostgreSQL refuses lexemes of 2 KiB and more; no real token comes near.
MAX_LEXEME_BYTES = 2000
#: pg_advisory_xact_lock key of the writers ("edu-srch").
WRITE_LOCK_KEY = 0x6564752D73726368
DOCS = "*"
SEQ = "#seq"
WRITE_CHUNK = 500


def _lexeme_ok(lexeme: str) -> bool:
    return bool(lexeme) and len(lexeme.encode("utf-8")) <= MAX_LEXEME_BYTES


def document_row(doc: SearchDocument) -> dict[str, Any]:
    """The ``search_documents`` row of ``doc`` (without ``seq``), analysed as the Whoosh backend does."""
    f = document_fields(doc, pretokenize=True)
    tf: dict[str, list[int]] = {}
    lexemes: set[str] = set()
    lengths: dict[str, int] = {}
    for i, (name, prefix, _weight) in enumerate(FIELDS):
        tokens = [t for t in f.get(name) or [] if t]
        lengths[name] = len(tokens)
        for token, count in Counter(tokens).items():
            tf.setdefault(token, [0, 0, 0, 0])[i] = count
            lexemes.add(f"{prefix}|{token}")
    tags = list(f.get("tags") or [])
    lexemes.update(f"{TAG_PREFIX}|{tag}" for tag in tags)
    facet_terms = sorted(f"{key[len(FACET_PREFIX):]}={value}"
                         for key, values in f.items() if key.startswith(FACET_PREFIX) for value in values)
    acl = list(f.get("acl") or [])
    # What filters read, too: kind, ACL and facets are conditions of the same tsquery on the same index.
    lexemes.add(f"{KIND_PREFIX}|{f['kind']}")
    lexemes.update(f"{ACL_PREFIX}|{token}" for token in acl)
    lexemes.update(f"{FACET_LEXEME}|{term}" for term in facet_terms)
    return {
        "uid": f["uid"], "kind": f["kind"], "object_id": f["object_id"],
        "title": f["_stored_title"], "summary": f["_stored_summary"],
        "lexemes": sorted(lx for lx in lexemes if _lexeme_ok(lx)),
        "tf": json.dumps(tf, ensure_ascii=False, separators=(",", ":")),
        "len_title": lengths["title"], "len_summary": lengths["summary"],
        "len_content": lengths["content"], "len_keywords": lengths["keywords"],
        "tags": tags, "acl": acl, "facet_terms": facet_terms,
        "facets": f["facets"],
        "created": f["created"], "popularity": f["popularity"], "rating": f["rating"],
    }


def _terms_of(tf: dict[str, list[int]], tags: Iterable[str]) -> list[tuple[str, str]]:
    """(field, term) pairs a document holds (each counts once for the document frequency)."""
    out = [(FIELDS[i][0], token) for token, counts in tf.items() for i, c in enumerate(counts) if c]
    out.extend(("tags", tag) for tag in tags)
    return out


def _tsquery_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class ParsedWords:
    """User text → words, each with its main tokens (as the Whoosh backend's ``parse_text``)."""

    def __init__(self, text: str):
        text = nfkc(text or "")[:MAX_QUERY_CHARS].strip()
        self.words: list[str] = []
        self.word_tokens: list[list[str]] = []
        tokens_seen: list[str] = []
        ana = chinese_analyzer() if text else None
        for word in text.split():
            if word in self.words:
                continue
            if len(self.words) >= MAX_WORDS:
                break
            self.words.append(word)
            tokens = main_tokens(ana, word)
            self.word_tokens.append(tokens)
            tokens_seen.extend(t for t in tokens if t not in tokens_seen)
        self.tokens = tokens_seen
        self.highlight_re = ParsedText(None, tokens_seen, self.words).highlight_re if self.words else None

    @property
    def empty(self) -> bool:
        return not self.words

    def tsquery(self) -> str:
        """The words OR-ed; a word = its tokens AND-ed within one field, or its exact tag."""
        words = []
        for word, tokens in zip(self.words, self.word_tokens, strict=True):
            alternatives = []
            if tokens and all(_lexeme_ok(f"x|{t}") for t in tokens):
                for _name, prefix, _weight in FIELDS:
                    alternatives.append("(" + " & ".join(_tsquery_lexeme(f"{prefix}|{t}") for t in tokens) + ")")
            tag = f"{TAG_PREFIX}|{word.lower()}"
            if _lexeme_ok(tag):
                alternatives.append(_tsquery_lexeme(tag))
            if alternatives:
                words.append("(" + " | ".join(alternatives) + ")")
        return " | ".join(words)


class PostgresSearch(SearchBackend):
    """The index in the platform's PostgreSQL database (``url``: an SQLAlchemy URL or engine)."""

    def __init__(self, url: str | Engine, *, lock_timeout: float = 30.0, pool_size: int = 5):
        if isinstance(url, Engine):
            self.engine = url
        else:
            self.engine = sa.create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        if self.engine.dialect.name != "postgresql":
            raise SearchError("EDU_SEARCH=postgres 需要 PostgreSQL 数据库（当前为 "
                              f"{self.engine.dialect.name}）；SQLite 请使用默认的 Whoosh 索引")
        self.lock_timeout = float(lock_timeout)

    def __repr__(self) -> str:
        return f"PostgresSearch({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    # ---- writing ------------------------------------------------------------------------

    def _begin(self):
        try:
            return self.engine.begin()
        except sa.exc.OperationalError as exc:
            raise SearchError(f"搜索索引不可用：{exc.orig}") from exc

    def _lock(self, conn) -> None:
        conn.execute(sa.text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'"))
        try:
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise SearchError(BUSY_MESSAGE) from exc
            raise

    def index(self, docs: Iterable[SearchDocument]) -> int:
        batch: dict[str, dict[str, Any]] = {}
        for doc in docs:
            row = document_row(doc)
            batch.pop(row["uid"], None)  # last one wins, keep order
            batch[row["uid"]] = row
        if not batch:
            return 0
        rows = list(batch.values())
        try:
            with self._begin() as conn:
                self._lock(conn)
                for start in range(0, len(rows), WRITE_CHUNK):
                    self._write(conn, rows[start:start + WRITE_CHUNK])
        except sa.exc.SQLAlchemyError as exc:
            raise SearchError(f"搜索索引不可用：{getattr(exc, 'orig', exc)}") from exc
        return len(rows)

    def _old(self, conn, uids: list[str]) -> list[sa.Row]:
        return list(conn.execute(sa.text(
            "SELECT uid, tf, tags, len_title, len_summary, len_content, len_keywords FROM search_documents "
            "WHERE uid = ANY(CAST(:uids AS text[]))"), {"uids": uids}))

    def _write(self, conn, rows: list[dict[str, Any]]) -> None:
        df: Counter = Counter()
        totals: Counter = Counter()
        old = self._old(conn, [r["uid"] for r in rows])
        self._forget(old, df, totals)
        for row in rows:
            for key in _terms_of(json.loads(row["tf"]), row["tags"]):
                df[key] += 1
            for name, _p, _w in FIELDS:
                totals[name] += row[f"len_{name}"]
            totals[DOCS] += 1
        last = self._bump(conn, {SEQ: len(rows)})[SEQ]
        for i, row in enumerate(rows):
            row["seq"] = last - len(rows) + 1 + i
        conn.execute(sa.text(
            "INSERT INTO search_documents (uid, seq, kind, object_id, title, summary, tsv, tf, len_title, "
            "len_summary, len_content, len_keywords, tags, acl, facet_terms, facets, created, popularity, rating) "
            "VALUES (:uid, :seq, :kind, :object_id, :title, :summary, array_to_tsvector(CAST(:lexemes AS text[])), "
            "CAST(:tf AS jsonb), :len_title, :len_summary, :len_content, :len_keywords, CAST(:tags AS text[]), "
            "CAST(:acl AS text[]), CAST(:facet_terms AS text[]), CAST(:facets AS jsonb), :created, :popularity, "
            ":rating) "
            "ON CONFLICT (uid) DO UPDATE SET seq = excluded.seq, kind = excluded.kind, "
            "object_id = excluded.object_id, title = excluded.title, summary = excluded.summary, tsv = excluded.tsv, "
            "tf = excluded.tf, len_title = excluded.len_title, len_summary = excluded.len_summary, "
            "len_content = excluded.len_content, len_keywords = excluded.len_keywords, tags = excluded.tags, "
            "acl = excluded.acl, facet_terms = excluded.facet_terms, facets = excluded.facets, "
            "created = excluded.created, popularity = excluded.popularity, rating = excluded.rating"), rows)
        self._apply(conn, df, totals)

    @staticmethod
    def _forget(old: list[sa.Row], df: Counter, totals: Counter) -> None:
        """Subtract what the replaced or deleted rows held from the statistics' deltas."""
        for row in old:
            tf = row.tf if isinstance(row.tf, dict) else json.loads(row.tf)
            for key in _terms_of(tf, row.tags or []):
                df[key] -= 1
            for name, _p, _w in FIELDS:
                totals[name] -= getattr(row, f"len_{name}")
            totals[DOCS] -= 1

    def _bump(self, conn, deltas: dict[str, int]) -> dict[str, int]:
        keys = sorted(deltas)
        result = conn.execute(sa.text(
            "INSERT INTO search_fields (field, total) "
            "SELECT * FROM unnest(CAST(:f AS text[]), CAST(:d AS bigint[])) "
            "ON CONFLICT (field) DO UPDATE SET total = search_fields.total + excluded.total "
            "RETURNING field, total"), {"f": keys, "d": [deltas[k] for k in keys]})
        return {field: total for field, total in result}

    def _apply(self, conn, df: Counter, totals: Counter) -> None:
        changed = sorted(k for k, v in df.items() if v)
        if changed:
            conn.execute(sa.text(
                "INSERT INTO search_terms (field, term, df) "
                "SELECT * FROM unnest(CAST(:f AS text[]), CAST(:t AS text[]), CAST(:d AS bigint[])) "
                "ON CONFLICT (field, term) DO UPDATE SET df = search_terms.df + excluded.df"),
                {"f": [k[0] for k in changed], "t": [k[1] for k in changed], "d": [df[k] for k in changed]})
            fallen = [k for k in changed if df[k] < 0]
            if fallen:
                conn.execute(sa.text(
                    "DELETE FROM search_terms s USING unnest(CAST(:f AS text[]), CAST(:t AS text[])) AS u(f, t) "
                    "WHERE s.field = u.f AND s.term = u.t AND s.df <= 0"),
                    {"f": [k[0] for k in fallen], "t": [k[1] for k in fallen]})
        deltas = {k: v for k, v in totals.items() if v}
        if deltas:
            self._bump(conn, deltas)

    def _remove(self, conn, uids: list[str]) -> None:
        for start in range(0, len(uids), WRITE_CHUNK):
            chunk = uids[start:start + WRITE_CHUNK]
            df: Counter = Counter()
            totals: Counter = Counter()
            old = self._old(conn, chunk)
            if not old:
                continue
            self._forget(old, df, totals)
            conn.execute(sa.text("DELETE FROM search_documents WHERE uid = ANY(CAST(:uids AS text[]))"),
                         {"uids": [r.uid for r in old]})
            self._apply(conn, df, totals)

    def delete(self, uids: Iterable[str]) -> None:
        uids = [u for u in dict.fromkeys(str(u) for u in uids) if u]
        if not uids:
            return
        try:
            with self._begin() as conn:
                self._lock(conn)
                self._remove(conn, uids)
        except sa.exc.SQLAlchemyError as exc:
            raise SearchError(f"搜索索引不可用：{getattr(exc, 'orig', exc)}") from exc

    def clear(self, kind: str | None = None) -> None:
        try:
            with self._begin() as conn:
                self._lock(conn)
                if kind is None:
                    for table in ("search_documents", "search_terms", "search_fields"):
                        conn.execute(sa.text(f"DELETE FROM {table}"))
                else:
                    uids = list(conn.scalars(sa.text("SELECT uid FROM search_documents WHERE kind = :k"),
                                             {"k": str(kind)}))
                    self._remove(conn, uids)
        except sa.exc.SQLAlchemyError as exc:
            raise SearchError(f"搜索索引不可用：{getattr(exc, 'orig', exc)}") from exc

    # ---- reading ------------------------------------------------------------------------

    def _read(self, fn):
        try:
            with self.engine.connect() as conn:
                return fn(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise SearchError(f"搜索索引不可用：{getattr(exc, 'orig', exc)}") from exc

    def doc_count(self) -> int:
        return self._read(lambda conn: conn.scalar(sa.text("SELECT count(*) FROM search_documents")))

    def check(self) -> None:
        self._read(lambda conn: conn.execute(sa.text(
            "SELECT 1 FROM search_documents WHERE tsv @@ CAST('a|public' AS tsquery) LIMIT 1")).all())

    def uids(self, kind: str | None = None) -> set[str]:
        if kind is None:
            return set(self._read(lambda conn: conn.scalars(sa.text("SELECT uid FROM search_documents")).all()))
        return set(self._read(lambda conn: conn.scalars(
            sa.text("SELECT uid FROM search_documents WHERE kind = :k"), {"k": str(kind)}).all()))

    @staticmethod
    def _where(query: SearchQuery, parsed: ParsedWords, params: dict[str, Any]) -> str:
        """The condition of the matches: one tsquery (text AND kinds AND each facet AND ACL) on the GIN
        index, or "true" / "false". One query on one index: with the ACL or a facet as a column
        condition of its own, the planner took their index and unpacked every row's tsvector."""
        parts: list[str] = []

        def any_of(prefix: str, values: list[str]) -> bool:
            lexemes = [f"{prefix}|{v}" for v in values if _lexeme_ok(f"{prefix}|{v}")]
            if lexemes:
                parts.append("(" + " | ".join(_tsquery_lexeme(lx) for lx in lexemes) + ")")
            return bool(lexemes)

        if not parsed.empty:
            tsq = parsed.tsquery()
            if not tsq:
                return "false"
            parts.append(f"({tsq})")
        if query.kinds is not None and not any_of(KIND_PREFIX, clean_values(query.kinds)):
            return "false"
        for name, value in (query.filters or {}).items():
            values = clean_values(value)
            if not values:
                continue  # an empty filter value means "no filter on this field"
            if not FACET_NAME_RE.match(str(name)):
                return "false"  # no document can have such a facet
            if not any_of(FACET_LEXEME, [f"{name}={v}" for v in values]):
                return "false"
        if query.acl is not None and not any_of(ACL_PREFIX, clean_values(query.acl)):
            return "false"
        if not parts:
            return "true"
        params["tsq"] = " & ".join(parts)
        return "d.tsv @@ CAST(:tsq AS tsquery)"

    def search(self, query: SearchQuery) -> SearchResults:
        page = max(1, int(query.page or 1))
        per_page = min(MAX_PER_PAGE, max(1, int(query.per_page or 20)))
        ensure_jieba()
        parsed = ParsedWords(query.text or "")
        sort = query.sort if query.sort in SORT_ORDERS else "relevance"
        if sort == "relevance" and parsed.empty:
            sort = "newest"
        facet_names = [f for f in dict.fromkeys(query.facets or []) if FACET_NAME_RE.match(str(f))]
        return self._read(lambda conn: self._search(conn, query, parsed, facet_names, sort, page, per_page))

    def _search(self, conn, query, parsed: ParsedWords, facet_names, sort, page, per_page) -> SearchResults:
        """One statement: the matches once (a materialised CTE), then their count, facet counts and page."""
        params: dict[str, Any] = {}
        where = self._where(query, parsed, params)
        results = SearchResults(total=0, page=page, per_page=per_page)
        results.facet_counts = {name: [] for name in facet_names}
        if where == "false":
            return results
        params.update(limit=per_page, offset=(page - 1) * per_page, facet_names=facet_names)
        # The planner prices ``tsv @@ query`` as one cheap operator, but on a sequential scan it
        # unpacks every document's tsvector (kilobytes, out of line): for a word in a fifth of the
        # documents it chose that over the GIN index and was several times slower.
        seqscan = "on" if where == "true" else "off"
        if sort == "relevance":
            picks, score = self._scoring(conn, parsed, params, seqscan)
            order = "score DESC, seq"
        else:
            conn.execute(sa.text("SELECT set_config('enable_seqscan', :v, true)"), {"v": seqscan})
            picks, score = f", d.{SORT_COLUMNS[sort]} AS key", "0.0"
            order = "key DESC, seq DESC"
        facets = ", d.facet_terms" if facet_names else ""
        sql = (
            f"WITH m AS MATERIALIZED (SELECT d.uid, d.seq{facets}{picks} FROM search_documents d "
            f"WHERE {where}), "
            # row_number() over the ordered page numbers it in that order (the subquery is sorted first).
            f"top AS (SELECT uid, score, row_number() OVER () AS pos FROM (SELECT s.uid, s.score FROM "
            f"(SELECT m.*, ({score}) AS score FROM m) s ORDER BY {order} LIMIT :limit OFFSET :offset) p) "
            "SELECT 'hit' AS what, t.uid, t.score, t.pos AS n, d.kind, d.object_id, d.title, d.summary, "
            "d.facets FROM top t JOIN search_documents d ON d.uid = t.uid "
            "UNION ALL SELECT 'total', NULL, NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM m"
        )
        if facet_names:
            sql += (" UNION ALL SELECT 'facet', v, NULL, count(*), NULL, NULL, NULL, NULL, NULL "
                    "FROM m, unnest(m.facet_terms) AS v "
                    "WHERE split_part(v, '=', 1) = ANY(CAST(:facet_names AS text[])) GROUP BY v")
        ranked: list = []
        for row in conn.execute(sa.text(sql), params):
            if row.what == "hit":
                ranked.append(row)
            elif row.what == "total":
                results.total = row.n
            else:
                name, _, value = row.uid.partition("=")
                results.facet_counts[name].append((value, row.n))
        for counts in results.facet_counts.values():
            counts.sort(key=lambda vc: (-vc[1], vc[0]))
        ranked.sort(key=lambda row: row.n)
        rx = parsed.highlight_re
        for row in ranked:
            facets_ = row.facets if isinstance(row.facets, dict) else json.loads(row.facets or "{}")
            results.hits.append(SearchHit(
                uid=row.uid, kind=row.kind, object_id=row.object_id, score=float(row.score),
                title=row.title, summary=row.summary,
                highlights={"title": highlight(row.title, rx), "summary": highlight(row.summary, rx)},
                facets=facets_,
            ))
        return results

    def _scoring(self, conn, parsed: ParsedWords, params: dict[str, Any], seqscan: str) -> tuple[str, str]:
        """BM25F over the matches: the statistics read first, the arithmetic in SQL.

        Returns the columns the matches' CTE ``m`` must pick and the score expression over them.
        """
        tokens = parsed.tokens
        # One round trip: this transaction's planner setting, the field lengths, the document frequencies.
        fields_ = [name for name, _p, _w in FIELDS for _t in tokens]
        terms = [t for _f in FIELDS for t in tokens]
        stats: dict[str, int] = {}
        df: dict[tuple[str, str], int] = {}
        for field, term, count in conn.execute(sa.text(
                "SELECT '', set_config('enable_seqscan', :seqscan, true), 0::bigint "
                "UNION ALL SELECT field, NULL, total FROM search_fields WHERE field = ANY(CAST(:sf AS text[])) "
                "UNION ALL SELECT s.field, s.term, s.df FROM search_terms s JOIN unnest(CAST(:f AS text[]), "
                "CAST(:t AS text[])) AS u(f, t) ON s.field = u.f AND s.term = u.t"),
                {"seqscan": seqscan, "sf": [DOCS] + [name for name, _p, _w in FIELDS], "f": fields_, "t": terms}):
            if not field:
                continue
            if term is None:
                stats[field] = count
            else:
                df[(field, term)] = count
        n_docs = max(1, stats.get(DOCS, 0))
        token_col = {t: f"v{i}" for i, t in enumerate(tokens)}
        for t, col in token_col.items():
            params[f"k_{col}"] = t
        word_parts: list[str] = []
        for word, word_tokens in zip(parsed.words, parsed.word_tokens, strict=True):
            for i, (name, _prefix, weight) in enumerate(FIELDS):
                if not word_tokens or any(df.get((name, t), 0) <= 0 for t in word_tokens):
                    continue  # the tokens never meet in this field
                avgfl = max(stats.get(name, 0), 1) / n_docs
                present, scores = [], []
                for t in word_tokens:
                    idf = math.log(n_docs / (df[(name, t)] + 1)) + 1
                    tf = f"COALESCE(CAST(m.{token_col[t]} ->> {i} AS float8), 0)"
                    present.append(f"{tf} > 0")
                    w = f"({tf} * {weight!r})"
                    norm = f"({K1!r} * ({1 - B!r} + {B!r} * m.len_{name} / {avgfl!r}))"
                    scores.append(f"({idf!r} * (({w} * {K1 + 1!r}) / ({w} + {norm})))")
                word_parts.append(f"CASE WHEN {' AND '.join(present)} THEN {' + '.join(scores)} ELSE 0 END")
            tag = f"tag{len(params)}"
            params[tag] = [word.lower()]
            word_parts.append(f"CASE WHEN m.tags @> CAST(:{tag} AS text[]) THEN {TAG_WEIGHT!r} ELSE 0 END")
        picks = ", d.tags, d.len_title, d.len_summary, d.len_content, d.len_keywords" + "".join(
            f", d.tf -> :k_{col} AS {col}" for col in token_col.values())
        return picks, " + ".join(word_parts) or "0"
