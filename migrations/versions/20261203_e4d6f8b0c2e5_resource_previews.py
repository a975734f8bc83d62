"""resources: page images (or a video's poster) per file version and the converted page count

Revision ID: e4d6f8b0c2e5
Revises: e8b0d2f4a6c9
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e4d6f8b0c2e5'
down_revision = 'e8b0d2f4a6c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resource_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_pages', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('resource_versions', schema=None) as batch_op:
        batch_op.drop_column('page_count')
        batch_op.drop_column('preview_pages')
