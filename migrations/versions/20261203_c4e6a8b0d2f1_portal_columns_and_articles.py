"""portal: the public site's columns and articles (versions, attachments, 索引号 counters)

Revision ID: c4e6a8b0d2f1
Revises: c7e9a1b3d5f7
Create Date: 2026-12-03 11:14:20.871106

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e6a8b0d2f1'
down_revision = 'c7e9a1b3d5f7'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('portal_columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), server_default='list', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('on_home', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('from_file', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['portal_columns.id'], name=op.f('fk_portal_columns_parent_id_portal_columns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_columns')),
    sa.UniqueConstraint('key', name=op.f('uq_portal_columns_key'))
    )
    with op.batch_alter_table('portal_columns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_columns_parent_id'), ['parent_id'], unique=False)

    op.create_table('portal_index_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_portal_index_counters_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_index_counters')),
    sa.UniqueConstraint('org_id', 'year', name=op.f('uq_portal_index_counters_org_id_year'))
    )
    op.create_table('portal_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'review', 'scheduled', 'published', 'withdrawn', name='articlestate', native_enum=False, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('doc_number', sa.String(length=64), nullable=True),
    sa.Column('written_on', sa.Date(), nullable=True),
    sa.Column('index_no', sa.String(length=64), nullable=True),
    sa.Column('index_year', sa.Integer(), nullable=True),
    sa.Column('index_seq', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('publish_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('validity', sa.Enum('valid', 'amended', 'repealed', name='validity', native_enum=False, length=32), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('validity_note', sa.String(length=300), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdraw_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['portal_columns.id'], name=op.f('fk_portal_articles_column_id_portal_columns')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_portal_articles_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_portal_articles_org_id_org_units')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['portal_articles.id'], name=op.f('fk_portal_articles_replaced_by_id_portal_articles')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_portal_articles_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_articles')),
    sa.UniqueConstraint('index_no', name=op.f('uq_portal_articles_index_no'))
    )
    with op.batch_alter_table('portal_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_articles_column_id'), ['column_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_articles_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_articles_publish_at'), ['publish_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_articles_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_articles_state'), ['state'], unique=False)

    op.create_table('portal_article_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['portal_articles.id'], name=op.f('fk_portal_article_attachments_article_id_portal_articles')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_portal_article_attachments_file_id_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_article_attachments'))
    )
    with op.batch_alter_table('portal_article_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_article_attachments_article_id'), ['article_id'], unique=False)

    op.create_table('portal_article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['portal_articles.id'], name=op.f('fk_portal_article_versions_article_id_portal_articles')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_portal_article_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_portal_article_versions_article_id_number'))
    )
    with op.batch_alter_table('portal_article_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_article_versions_article_id'), ['article_id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('portal_article_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_article_versions_article_id'))

    op.drop_table('portal_article_versions')
    with op.batch_alter_table('portal_article_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_article_attachments_article_id'))

    op.drop_table('portal_article_attachments')
    with op.batch_alter_table('portal_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_articles_state'))
        batch_op.drop_index(batch_op.f('ix_portal_articles_published_at'))
        batch_op.drop_index(batch_op.f('ix_portal_articles_publish_at'))
        batch_op.drop_index(batch_op.f('ix_portal_articles_org_id'))
        batch_op.drop_index(batch_op.f('ix_portal_articles_column_id'))

    op.drop_table('portal_articles')
    op.drop_table('portal_index_counters')
    with op.batch_alter_table('portal_columns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_columns_parent_id'))

    op.drop_table('portal_columns')

