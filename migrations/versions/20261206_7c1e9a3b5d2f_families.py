"""families (家校): parent links, invitation codes, class notices with 回执, messages

Revision ID: 7c1e9a3b5d2f
Revises: 438500527629
Create Date: 2026-12-06 21:07:35.597697

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1e9a3b5d2f'
down_revision = '438500527629'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('family_class_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('needs_receipt', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_family_class_notices_author_id_users')),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_family_class_notices_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_family_class_notices_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_class_notices'))
    )
    with op.batch_alter_table('family_class_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_class_notices_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_class_notices_school_id'), ['school_id'], unique=False)

    op.create_table('family_invite_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_family_invite_codes_created_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_family_invite_codes_school_id_org_units')),
    sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'], name=op.f('fk_family_invite_codes_student_id_student_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_family_invite_codes_used_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_invite_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_family_invite_codes_code_hash'))
    )
    with op.batch_alter_table('family_invite_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_invite_codes_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_invite_codes_student_id'), ['student_id'], unique=False)

    op.create_table('family_notice_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['family_class_notices.id'], name=op.f('fk_family_notice_receipts_notice_id_family_class_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_family_notice_receipts_parent_id_users')),
    sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'], name=op.f('fk_family_notice_receipts_student_id_student_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_notice_receipts')),
    sa.UniqueConstraint('notice_id', 'student_id', name=op.f('uq_family_notice_receipts_notice_id_student_id'))
    )
    op.create_table('family_threads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_family_threads_class_id_school_classes')),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_family_threads_parent_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_family_threads_school_id_org_units')),
    sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'], name=op.f('fk_family_threads_student_id_student_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_threads')),
    sa.UniqueConstraint('student_id', 'parent_id', name=op.f('uq_family_threads_student_id_parent_id'))
    )
    with op.batch_alter_table('family_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_threads_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_threads_school_id'), ['school_id'], unique=False)

    op.create_table('family_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_family_messages_sender_id_users')),
    sa.ForeignKeyConstraint(['thread_id'], ['family_threads.id'], name=op.f('fk_family_messages_thread_id_family_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_messages'))
    )
    with op.batch_alter_table('family_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_messages_thread_id'), ['thread_id'], unique=False)

    op.create_table('family_parent_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['code_id'], ['family_invite_codes.id'], name=op.f('fk_family_parent_links_code_id_family_invite_codes')),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_family_parent_links_parent_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_family_parent_links_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_family_parent_links_school_id_org_units')),
    sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'], name=op.f('fk_family_parent_links_student_id_student_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_parent_links'))
    )
    with op.batch_alter_table('family_parent_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_parent_links_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_parent_links_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_parent_links_student_id'), ['student_id'], unique=False)



def downgrade():
    with op.batch_alter_table('family_parent_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_parent_links_student_id'))
        batch_op.drop_index(batch_op.f('ix_family_parent_links_school_id'))
        batch_op.drop_index(batch_op.f('ix_family_parent_links_parent_id'))

    op.drop_table('family_parent_links')
    with op.batch_alter_table('family_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_messages_thread_id'))

    op.drop_table('family_messages')
    with op.batch_alter_table('family_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_threads_school_id'))
        batch_op.drop_index(batch_op.f('ix_family_threads_class_id'))

    op.drop_table('family_threads')
    op.drop_table('family_notice_receipts')
    with op.batch_alter_table('family_invite_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_invite_codes_student_id'))
        batch_op.drop_index(batch_op.f('ix_family_invite_codes_school_id'))

    op.drop_table('family_invite_codes')
    with op.batch_alter_table('family_class_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_class_notices_school_id'))
        batch_op.drop_index(batch_op.f('ix_family_class_notices_class_id'))

    op.drop_table('family_class_notices')
