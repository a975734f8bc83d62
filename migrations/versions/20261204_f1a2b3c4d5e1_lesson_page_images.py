"""courses: page images (or a video's poster) and a thumbnail of a lesson's own uploaded file

Revision ID: f1a2b3c4d5e1
Revises: f2b3c4d5e6f2
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a2b3c4d5e1'
down_revision = 'f2b3c4d5e6f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_pages', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('thumbnail_file_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('preview_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('preview_error', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_course_lessons_preview_state'), ['preview_state'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_course_lessons_thumbnail_file_id_stored_files'), 'stored_files',
                                    ['thumbnail_file_id'], ['id'])


def downgrade():
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_course_lessons_thumbnail_file_id_stored_files'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_course_lessons_preview_state'))
        batch_op.drop_column('preview_error')
        batch_op.drop_column('preview_state')
        batch_op.drop_column('thumbnail_file_id')
        batch_op.drop_column('page_count')
        batch_op.drop_column('preview_pages')
