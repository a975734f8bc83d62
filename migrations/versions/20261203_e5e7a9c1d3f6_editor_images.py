"""editor: pictures put into rich text through the editor (served by an unguessable token)

Revision ID: e5e7a9c1d3f6
Revises: e4d6f8b0c2e5
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5e7a9c1d3f6'
down_revision = 'e4d6f8b0c2e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('editor_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_editor_images_file_id_stored_files')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_editor_images_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_editor_images')),
    sa.UniqueConstraint('token', name=op.f('uq_editor_images_token'))
    )
    with op.batch_alter_table('editor_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_editor_images_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('editor_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_editor_images_owner_id'))

    op.drop_table('editor_images')
