"""portal: 依申请公开 requests, pauses, timeline, letter counters; the public forms' captcha and rate limit

Revision ID: d6f8b0c2e4a9
Revises: c4e6a8b0d2f1
Create Date: 2026-12-03 11:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd6f8b0c2e4a9'
down_revision = 'c4e6a8b0d2f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('captcha_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('question', sa.String(length=32), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_captcha_challenges')),
    sa.UniqueConstraint('token', name=op.f('uq_captcha_challenges_token'))
    )
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_challenges_expires_at'), ['expires_at'], unique=False)

    op.create_table('rate_limit_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.String(length=48), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_bucket_key_at', ['bucket', 'key', 'at'], unique=False)

    op.create_table('disclosure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('tracking_code', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('applicant_type', sa.String(length=16), nullable=False),
    sa.Column('org_kind', sa.String(length=24), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('id_type', sa.String(length=40), nullable=False),
    sa.Column('id_number', sa.String(length=40), nullable=False),
    sa.Column('contact_person', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('postcode', sa.String(length=12), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('doc_title', sa.String(length=255), nullable=False),
    sa.Column('doc_number', sa.String(length=80), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('provide_format', sa.String(length=16), nullable=False),
    sa.Column('obtain_method', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('clock_start_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('correction_requested_on', sa.Date(), nullable=True),
    sa.Column('correction_notice', sa.Text(), nullable=False),
    sa.Column('correction_submitted_on', sa.Date(), nullable=True),
    sa.Column('correction_text', sa.Text(), nullable=False),
    sa.Column('correction_received_on', sa.Date(), nullable=True),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('extension_requested_days', sa.Integer(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('extension_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('extension_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('extension_approved_on', sa.Date(), nullable=True),
    sa.Column('answer_type', sa.String(length=16), nullable=True),
    sa.Column('answer_fields', sa.JSON(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('letter_year', sa.Integer(), nullable=True),
    sa.Column('letter_seq', sa.Integer(), nullable=True),
    sa.Column('letter_number', sa.String(length=40), nullable=True),
    sa.Column('letter_emailed_at', sa.DateTime(), nullable=True),
    sa.Column('letter_email_error', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['stored_files.id'], name=op.f('fk_disclosure_requests_attachment_id_stored_files')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_disclosure_requests_answered_by_id_users')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_disclosure_requests_entered_by_id_users')),
    sa.ForeignKeyConstraint(['extension_approved_by_id'], ['users.id'], name=op.f('fk_disclosure_requests_extension_approved_by_id_users')),
    sa.ForeignKeyConstraint(['extension_requested_by_id'], ['users.id'], name=op.f('fk_disclosure_requests_extension_requested_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_disclosure_requests_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_requests')),
    sa.UniqueConstraint('org_id', 'letter_year', 'letter_seq', name='uq_disclosure_requests_letter'),
    sa.UniqueConstraint('tracking_code', name=op.f('uq_disclosure_requests_tracking_code'))
    )
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_requests_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_requests_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_requests_state'), ['state'], unique=False)

    op.create_table('disclosure_letter_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_disclosure_letter_counters_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_letter_counters')),
    sa.UniqueConstraint('org_id', 'year', name='uq_disclosure_letter_counters_org_year')
    )
    op.create_table('disclosure_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('third_party', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('third_party_due_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_disclosure_pauses_ended_by_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['disclosure_requests.id'], name=op.f('fk_disclosure_pauses_request_id_disclosure_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_disclosure_pauses_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_pauses'))
    )
    with op.batch_alter_table('disclosure_pauses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_pauses_request_id'), ['request_id'], unique=False)

    op.create_table('disclosure_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_disclosure_entries_actor_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['disclosure_requests.id'], name=op.f('fk_disclosure_entries_request_id_disclosure_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_entries'))
    )
    with op.batch_alter_table('disclosure_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_entries_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('disclosure_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_entries_request_id'))
    op.drop_table('disclosure_entries')
    with op.batch_alter_table('disclosure_pauses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_pauses_request_id'))
    op.drop_table('disclosure_pauses')
    op.drop_table('disclosure_letter_counters')
    with op.batch_alter_table('disclosure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_requests_state'))
        batch_op.drop_index(batch_op.f('ix_disclosure_requests_org_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_requests_due_on'))
    op.drop_table('disclosure_requests')
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_hits_bucket_key_at')
    op.drop_table('rate_limit_hits')
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_challenges_expires_at'))
    op.drop_table('captcha_challenges')
