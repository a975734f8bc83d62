"""documents: a 正文 version remembers the DOCX it was uploaded as

Revision ID: b8d0f2a4c6e8
Revises: f3a9c1e5b7d2
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8d0f2a4c6e8'
down_revision = 'f3a9c1e5b7d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_body_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_file_key', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('document_body_versions', schema=None) as batch_op:
        batch_op.drop_column('source_file_key')
