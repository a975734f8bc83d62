"""resources: OAI-PMH records (what /oai disseminated, tombstones of what stopped being public);
schools: 全国学籍号 of students, 学校标识码 of school profiles

Revision ID: f5e6f7a8b9c5
Revises: e6f8b0d2e4a7
Create Date: 2026-12-04 19:40:00

"""
from datetime import datetime

from alembic import op
import sqlalchemy as sa


revision = 'f5e6f7a8b9c5'
down_revision = 'e6f8b0d2e4a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oai_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=True),
        sa.Column('uid', sa.String(length=64), nullable=False),
        sa.Column('datestamp', sa.DateTime(), nullable=False),
        sa.Column('deleted', sa.Boolean(), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('stage', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('resource_id'),
        sa.UniqueConstraint('uid'),
    )
    op.create_index('ix_oai_records_datestamp_id', 'oai_records', ['datestamp', 'id'], unique=False)
    # The resources public before this revision: harvestable from their last change, in whole seconds
    # (the declared granularity; the keyset paging compares them). The fingerprint is filled by their
    # next flush, which then also moves their datestamp once.
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, uid, COALESCE(updated_at, published_at, created_at) AS stamp, type, stage, subject "
        "FROM resources WHERE state = 'published' AND visibility = 'public' ORDER BY id")).mappings().all()
    records = sa.table('oai_records', sa.column('resource_id'), sa.column('uid'), sa.column('datestamp'),
                       sa.column('deleted'), sa.column('type'), sa.column('stage'), sa.column('subject'))
    stamps = [row['stamp'] if not isinstance(row['stamp'], str)
              else datetime.fromisoformat(row['stamp']) for row in rows]
    if rows:
        op.bulk_insert(records, [
            {'resource_id': row['id'], 'uid': row['uid'], 'datestamp': stamp.replace(microsecond=0),
             'deleted': False, 'type': row['type'], 'stage': row['stage'], 'subject': row['subject']}
            for row, stamp in zip(rows, stamps)])

    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registry_no', sa.String(length=19), nullable=True))
    with op.batch_alter_table('school_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identifier_code', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('school_profiles', schema=None) as batch_op:
        batch_op.drop_column('identifier_code')
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_column('registry_no')
    op.drop_index('ix_oai_records_datestamp_id', table_name='oai_records')
    op.drop_table('oai_records')
