"""search: the PostgreSQL full-text backend's tables (documents with a tsvector, document
frequencies, field lengths)

The tsvector type and its GIN index are PostgreSQL's; on SQLite the same tables are made with
text/JSON columns and a plain index (they stay empty there: the PostgreSQL backend refuses SQLite).

Revision ID: f6f7a8b9c0d6
Revises: f1a2b3c4d5e1
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'f6f7a8b9c0d6'
down_revision = 'f1a2b3c4d5e1'
branch_labels = None
depends_on = None


def upgrade():
    pg = op.get_bind().dialect.name == 'postgresql'
    tsvector = postgresql.TSVECTOR() if pg else sa.Text()
    text_array = postgresql.ARRAY(sa.Text()) if pg else sa.JSON()
    jsonb = postgresql.JSONB() if pg else sa.JSON()
    op.create_table(
        'search_documents',
        sa.Column('uid', sa.Text(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.Text(), nullable=False),
        sa.Column('object_id', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('tsv', tsvector, nullable=False),
        sa.Column('tf', jsonb, nullable=False),
        sa.Column('len_title', sa.Integer(), nullable=False),
        sa.Column('len_summary', sa.Integer(), nullable=False),
        sa.Column('len_content', sa.Integer(), nullable=False),
        sa.Column('len_keywords', sa.Integer(), nullable=False),
        sa.Column('tags', text_array, nullable=False),
        sa.Column('acl', text_array, nullable=False),
        sa.Column('facet_terms', text_array, nullable=False),
        sa.Column('facets', jsonb, nullable=False),
        sa.Column('created', sa.BigInteger(), nullable=False),
        sa.Column('popularity', sa.BigInteger(), nullable=False),
        sa.Column('rating', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('uid', name=op.f('pk_search_documents')),
    )
    # postgresql_using is ignored by other dialects: GIN on PostgreSQL, a plain index elsewhere.
    op.create_index('ix_search_documents_tsv', 'search_documents', ['tsv'], postgresql_using='gin')
    op.create_index('ix_search_documents_kind', 'search_documents', ['kind'])
    op.create_table(
        'search_terms',
        sa.Column('field', sa.Text(), nullable=False),
        sa.Column('term', sa.Text(), nullable=False),
        sa.Column('df', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('field', 'term', name=op.f('pk_search_terms')),
    )
    op.create_table(
        'search_fields',
        sa.Column('field', sa.Text(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('field', name=op.f('pk_search_fields')),
    )


def downgrade():
    op.drop_table('search_fields')
    op.drop_table('search_terms')
    op.drop_index('ix_search_documents_kind', table_name='search_documents')
    op.drop_index('ix_search_documents_tsv', table_name='search_documents')
    op.drop_table('search_documents')
