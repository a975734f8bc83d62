"""documents: 公文交换 (one delivery per recipient unit: 签收, 退文, read receipt, 催办)

Revision ID: e5b7d9f1a3c4
Revises: d4a6c8e0f2b3
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b7d9f1a3c4'
down_revision = 'd4a6c8e0f2b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('recipient_org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('first_read_at', sa.DateTime(), nullable=True),
    sa.Column('first_read_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('return_reason', sa.String(length=500), nullable=True),
    sa.Column('chase_count', sa.Integer(), nullable=False),
    sa.Column('last_chased_at', sa.DateTime(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('incoming_document_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_deliveries_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_org_id'], ['org_units.id'], name=op.f('fk_document_deliveries_recipient_org_id_org_units')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_document_deliveries_sent_by_id_users')),
    sa.ForeignKeyConstraint(['first_read_by_id'], ['users.id'], name=op.f('fk_document_deliveries_first_read_by_id_users')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_document_deliveries_signed_by_id_users')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_document_deliveries_returned_by_id_users')),
    sa.ForeignKeyConstraint(['incoming_document_id'], ['documents.id'], name=op.f('fk_document_deliveries_incoming_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_deliveries')),
    sa.UniqueConstraint('document_id', 'recipient_org_id', name='uq_document_deliveries_unit')
    )
    with op.batch_alter_table('document_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_deliveries_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_deliveries_recipient_org_id'), ['recipient_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_deliveries_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('document_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_deliveries_status'))
        batch_op.drop_index(batch_op.f('ix_document_deliveries_recipient_org_id'))
        batch_op.drop_index(batch_op.f('ix_document_deliveries_document_id'))
    op.drop_table('document_deliveries')
