"""portal: the ferry between the internal and the external node (cursors, package log, sent digests)

Revision ID: e3c5e7a9b1d3
Revises: e5e7a9c1d3f6
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e3c5e7a9b1d3'
down_revision = 'e5e7a9c1d3f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_ferry_cursors',
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('sent_seq', sa.Integer(), nullable=False),
    sa.Column('applied_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('direction', name=op.f('pk_portal_ferry_cursors'))
    )
    op.create_table('portal_ferry_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_ferry_packages'))
    )
    with op.batch_alter_table('portal_ferry_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portal_ferry_packages_direction'), ['direction'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_ferry_packages_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_ferry_packages_created_at'), ['created_at'], unique=False)
    op.create_table('portal_ferry_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_ferry_digests')),
    sa.UniqueConstraint('kind', 'key', name='uq_portal_ferry_digests_kind_key')
    )


def downgrade():
    op.drop_table('portal_ferry_digests')
    with op.batch_alter_table('portal_ferry_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_ferry_packages_created_at'))
        batch_op.drop_index(batch_op.f('ix_portal_ferry_packages_action'))
        batch_op.drop_index(batch_op.f('ix_portal_ferry_packages_direction'))
    op.drop_table('portal_ferry_packages')
    op.drop_table('portal_ferry_cursors')
