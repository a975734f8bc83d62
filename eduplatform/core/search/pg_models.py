"""The tables of the PostgreSQL search backend (``EDU_SEARCH=postgres``).

They exist on every database (the migrations and models stay one set), but only the PostgreSQL
backend writes them; on SQLite they stay empty. ``tsv`` is a ``tsvector`` on PostgreSQL (text
elsewhere) and its GIN index is PostgreSQL's; SQLite gets a plain index it never uses.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from eduplatform.core.extensions import db

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
TEXT_ARRAY = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
JSONB = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class SearchDocumentRow(db.Model):
    """One indexed document: what a hit shows, what filters read, and what BM25 needs."""

    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
        sa.Index("ix_search_documents_kind", "kind"),
    )

    uid: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    #: Insertion order of the current version (a replaced document gets a new one): ties in the
    #: ranking go to the older document, like Whoosh's document numbers.
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.Text)
    object_id: Mapped[str] = mapped_column(sa.Text)
    title: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text)
    #: Field-tagged jieba tokens ('t|函数', 's|…', 'c|…', 'k|…'), exact tags ('g|c++') and what filters
    #: read ('n|resource' kind, 'a|org:5' ACL, 'f|type=courseware' facets); no positions.
    tsv = mapped_column(TSVECTOR, nullable=False)
    #: token → [count in title, summary, content, keywords] (BM25's term frequencies).
    tf = mapped_column(JSONB, nullable=False)
    #: Tokens per field (BM25's field lengths).
    len_title: Mapped[int] = mapped_column(sa.Integer)
    len_summary: Mapped[int] = mapped_column(sa.Integer)
    len_content: Mapped[int] = mapped_column(sa.Integer)
    len_keywords: Mapped[int] = mapped_column(sa.Integer)
    tags = mapped_column(TEXT_ARRAY, nullable=False)
    acl = mapped_column(TEXT_ARRAY, nullable=False)
    #: 'name=value' for every facet value (filters and counts).
    facet_terms = mapped_column(TEXT_ARRAY, nullable=False)
    #: The facets as given (a value or a list), shown with a hit.
    facets = mapped_column(JSONB, nullable=False)
    created: Mapped[int] = mapped_column(sa.BigInteger)
    popularity: Mapped[int] = mapped_column(sa.BigInteger)
    #: Thousandths, as the Whoosh backend keeps them.
    rating: Mapped[int] = mapped_column(sa.BigInteger)


class SearchTermRow(db.Model):
    """How many live documents hold a token in a field (BM25's document frequency)."""

    __tablename__ = "search_terms"

    field: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    term: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    df: Mapped[int] = mapped_column(sa.BigInteger)


class SearchFieldRow(db.Model):
    """Per field: the total token count of the live documents ('*': the number of documents)."""

    __tablename__ = "search_fields"

    field: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    total: Mapped[int] = mapped_column(sa.BigInteger)
