"""resources: staged uploads (the file first, the form second)

Revision ID: e8b0d2f4a6c9
Revises: d6f8b0c2e4a9
Create Date: 2026-12-03 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e8b0d2f4a6c9'
down_revision = 'd6f8b0c2e4a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resource_staged_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('media_info', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_resource_staged_uploads_file_id_stored_files')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_resource_staged_uploads_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_staged_uploads')),
    sa.UniqueConstraint('token', name=op.f('uq_resource_staged_uploads_token'))
    )
    with op.batch_alter_table('resource_staged_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_staged_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_staged_uploads_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('resource_staged_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_staged_uploads_owner_id'))
        batch_op.drop_index(batch_op.f('ix_resource_staged_uploads_created_at'))
    op.drop_table('resource_staged_uploads')
