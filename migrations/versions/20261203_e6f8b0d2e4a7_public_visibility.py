"""resources and courses: 向社会公开 (the requested visibility, the reviewer's note)

Revision ID: e6f8b0d2e4a7
Revises: e1a3c5e7f9b1
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e6f8b0d2e4a7'
down_revision = 'e1a3c5e7f9b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_visibility', sa.Enum(
            'public', 'platform', 'district', 'school', name='visibility', native_enum=False, length=32),
            nullable=True))
        batch_op.add_column(sa.Column('visibility_note', sa.Text(), nullable=True))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publicity', sa.Enum(
            'none', 'requested', 'public', name='coursepublicity', native_enum=False, length=32),
            nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('publicity_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('publicity_note')
        batch_op.drop_column('publicity')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_column('visibility_note')
        batch_op.drop_column('requested_visibility')
