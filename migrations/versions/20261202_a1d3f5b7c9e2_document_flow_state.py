"""documents: direction, flow state, the sealed file, access grants

Revision ID: a1d3f5b7c9e2
Revises: d7e3b5a1c9f0
Create Date: 2026-12-02 19:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1d3f5b7c9e2'
down_revision = 'd7e3b5a1c9f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direction', sa.String(length=8), server_default='out', nullable=False))
        batch_op.add_column(sa.Column('state', sa.String(length=32), server_default='draft', nullable=False))
        batch_op.add_column(sa.Column('sealed_file_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('sealed_sha256', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_state'), ['state'], unique=False)
    op.create_table('document_access_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_access_grants_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_document_access_grants_granted_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_access_grants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_access_grants')),
    sa.UniqueConstraint('document_id', 'user_id', name='uq_document_access_grants_user')
    )
    with op.batch_alter_table('document_access_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_access_grants_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_access_grants_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_access_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_access_grants_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_access_grants_document_id'))
    op.drop_table('document_access_grants')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_state'))
        batch_op.drop_column('sealed_sha256')
        batch_op.drop_column('sealed_file_key')
        batch_op.drop_column('state')
        batch_op.drop_column('direction')
