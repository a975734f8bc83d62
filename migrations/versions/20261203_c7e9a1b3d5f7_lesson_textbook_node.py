"""courses: a lesson names the 教材目录 node it teaches

Revision ID: c7e9a1b3d5f7
Revises: b8d0f2a4c6e8
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7e9a1b3d5f7'
down_revision = 'b8d0f2a4c6e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('textbook_node', sa.String(length=96), nullable=True))
        batch_op.create_index(batch_op.f('ix_course_lessons_textbook_node'), ['textbook_node'], unique=False)


def downgrade():
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_lessons_textbook_node'))
        batch_op.drop_column('textbook_node')
