"""documents: 收文 (source, 收文号, received day), 答复 link, 传阅

Revision ID: d4a6c8e0f2b3
Revises: a1d3f5b7c9e2
Create Date: 2026-12-02 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4a6c8e0f2b3'
down_revision = 'a1d3f5b7c9e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_org_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('source_doc_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_document_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('receipt_number', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('received_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reply_to_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_source_document_id'), ['source_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_reply_to_id'), ['reply_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_source_document_id_documents'), 'documents',
                                    ['source_document_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_documents_reply_to_id_documents'), 'documents',
                                    ['reply_to_id'], ['id'])
    op.create_table('document_circulations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('recalled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_circulations_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reader_id'], ['users.id'], name=op.f('fk_document_circulations_reader_id_users')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_document_circulations_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_circulations'))
    )
    with op.batch_alter_table('document_circulations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_circulations_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_circulations_reader_id'), ['reader_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_circulations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_circulations_reader_id'))
        batch_op.drop_index(batch_op.f('ix_document_circulations_document_id'))
    op.drop_table('document_circulations')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_reply_to_id_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_documents_source_document_id_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_reply_to_id'))
        batch_op.drop_index(batch_op.f('ix_documents_source_document_id'))
        batch_op.drop_column('reply_to_id')
        batch_op.drop_column('received_on')
        batch_op.drop_column('receipt_number')
        batch_op.drop_column('source_document_id')
        batch_op.drop_column('source_doc_number')
        batch_op.drop_column('source_org_name')
