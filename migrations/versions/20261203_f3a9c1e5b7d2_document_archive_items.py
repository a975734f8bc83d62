"""documents: 归档 件 (DA/T 22-2015) and their 件号 counters

Revision ID: f3a9c1e5b7d2
Revises: e5b7d9f1a3c4
Create Date: 2026-12-03 06:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3a9c1e5b7d2'
down_revision = 'e5b7d9f1a3c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_archive_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('fonds_code', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('retention', sa.String(length=8), nullable=False),
    sa.Column('retention_rule', sa.String(length=64), nullable=True),
    sa.Column('retention_reason', sa.String(length=500), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('department_code', sa.String(length=32), server_default='', nullable=False),
    sa.Column('department_name', sa.String(length=120), nullable=True),
    sa.Column('item_number', sa.Integer(), nullable=False),
    sa.Column('archival_code', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=True),
    sa.Column('doc_number', sa.String(length=64), nullable=True),
    sa.Column('doc_date', sa.Date(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=True),
    sa.Column('secrecy', sa.String(length=8), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=False),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('package_key', sa.String(length=255), nullable=True),
    sa.Column('package_sha256', sa.String(length=64), nullable=True),
    sa.Column('package_size', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_document_archive_items_archived_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['org_units.id'], name=op.f('fk_document_archive_items_department_id_org_units')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_archive_items_document_id_documents')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_document_archive_items_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_archive_items')),
    sa.UniqueConstraint('archival_code', name=op.f('uq_document_archive_items_archival_code')),
    sa.UniqueConstraint('document_id', name=op.f('uq_document_archive_items_document_id')),
    sa.UniqueConstraint('org_id', 'year', 'retention', 'department_code', 'item_number',
                        name='uq_document_archive_items_number')
    )
    with op.batch_alter_table('document_archive_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_archive_items_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_archive_items_year'), ['year'], unique=False)
    op.create_table('document_archive_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('retention', sa.String(length=8), nullable=False),
    sa.Column('department_code', sa.String(length=32), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_document_archive_counters_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_archive_counters')),
    sa.UniqueConstraint('org_id', 'year', 'retention', 'department_code', name='uq_document_archive_counters_class')
    )


def downgrade():
    op.drop_table('document_archive_counters')
    with op.batch_alter_table('document_archive_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_archive_items_year'))
        batch_op.drop_index(batch_op.f('ix_document_archive_items_org_id'))
    op.drop_table('document_archive_items')
