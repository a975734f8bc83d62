"""portal: the 政府信息公开工作年度报告 (hand-entered parts), a request's report row, when a policy's 效力状态 changed; indexes for the public lists

Revision ID: e2b4d6f8a0c2
Revises: e3c5e7a9b1d3
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e2b4d6f8a0c2'
down_revision = 'e3c5e7a9b1d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disclosure_annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['portal_articles.id'],
                            name=op.f('fk_disclosure_annual_reports_article_id_portal_articles')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_disclosure_annual_reports_org_id_org_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_disclosure_annual_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_annual_reports')),
    sa.UniqueConstraint('org_id', 'year', name='uq_disclosure_annual_reports_org_year')
    )
    with op.batch_alter_table('disclosure_annual_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_annual_reports_org_id'), ['org_id'], unique=False)

    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_row', sa.String(length=32), nullable=True))

    with op.batch_alter_table('portal_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('validity_changed_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_portal_articles_state_published_at', ['state', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_portal_articles_column_state_published_at', ['column_id', 'state', 'published_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('portal_articles', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_articles_column_state_published_at')
        batch_op.drop_index('ix_portal_articles_state_published_at')
        batch_op.drop_column('validity_changed_at')

    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.drop_column('report_row')

    with op.batch_alter_table('disclosure_annual_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_annual_reports_org_id'))

    op.drop_table('disclosure_annual_reports')
