"""reporting: templates and versions, tasks, submissions with their values, history and events, notices, mail queue (numbers packed per submission)

Revision ID: 6aa784eae4b9
Revises: 096544cc2e86
Create Date: 2026-11-25 12:11:50.356076

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6aa784eae4b9'
down_revision = '096544cc2e86'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_addr', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_mail_outbox'))
    )
    with op.batch_alter_table('report_mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_mail_outbox_status'), ['status'], unique=False)

    op.create_table('report_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_templates_created_by_id_users')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['org_units.id'], name=op.f('fk_report_templates_owner_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_report_templates_code'))
    )
    with op.batch_alter_table('report_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_templates_owner_org_id'), ['owner_org_id'], unique=False)

    op.create_table('report_template_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='versionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('field_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_template_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_report_template_versions_published_by_id_users')),
    sa.ForeignKeyConstraint(['template_id'], ['report_templates.id'], name=op.f('fk_report_template_versions_template_id_report_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_template_versions')),
    sa.UniqueConstraint('template_id', 'number', name=op.f('uq_report_template_versions_template_id_number'))
    )
    op.create_table('report_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('template_version_id', sa.Integer(), nullable=False),
    sa.Column('issuer_org_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('lock_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='taskstatus', native_enum=False, length=32), nullable=False),
    sa.Column('target_rule', sa.JSON(), nullable=False),
    sa.Column('target_count', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_report_tasks_issued_by_id_users')),
    sa.ForeignKeyConstraint(['issuer_org_id'], ['org_units.id'], name=op.f('fk_report_tasks_issuer_org_id_org_units')),
    sa.ForeignKeyConstraint(['parent_id'], ['report_tasks.id'], name=op.f('fk_report_tasks_parent_id_report_tasks')),
    sa.ForeignKeyConstraint(['template_version_id'], ['report_template_versions.id'], name=op.f('fk_report_tasks_template_version_id_report_template_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_tasks'))
    )
    with op.batch_alter_table('report_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_tasks_issuer_org_id'), ['issuer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_tasks_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_tasks_template_version_id'), ['template_version_id'], unique=False)

    op.create_table('report_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=255), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('read_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_report_notices_org_id_org_units')),
    sa.ForeignKeyConstraint(['read_by_id'], ['users.id'], name=op.f('fk_report_notices_read_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['report_tasks.id'], name=op.f('fk_report_notices_task_id_report_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_notices'))
    )
    with op.batch_alter_table('report_notices', schema=None) as batch_op:
        batch_op.create_index('ix_report_notices_org_id_read_at', ['org_id', 'read_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_notices_task_id'), ['task_id'], unique=False)

    op.create_table('report_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('via_task_id', sa.Integer(), nullable=True),
    sa.Column('stage_key', sa.String(length=64), nullable=False),
    sa.Column('school_type', sa.String(length=32), nullable=True),
    sa.Column('status', sa.Enum('not_started', 'draft', 'submitted', 'district_approved', 'approved', 'returned', name='submissionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('numbers', sa.LargeBinary(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('first_submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_until', sa.DateTime(), nullable=True),
    sa.Column('last_comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['org_units.id'], name=op.f('fk_report_submissions_district_id_org_units')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_report_submissions_school_id_org_units')),
    sa.ForeignKeyConstraint(['task_id'], ['report_tasks.id'], name=op.f('fk_report_submissions_task_id_report_tasks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_report_submissions_updated_by_id_users')),
    sa.ForeignKeyConstraint(['via_task_id'], ['report_tasks.id'], name=op.f('fk_report_submissions_via_task_id_report_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submissions')),
    sa.UniqueConstraint('task_id', 'school_id', name=op.f('uq_report_submissions_task_id_school_id'))
    )
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submissions_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_report_submissions_task_id_district_id_status', ['task_id', 'district_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_submissions_via_task_id'), ['via_task_id'], unique=False)

    op.create_table('report_task_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_report_task_attachments_stored_file_id_stored_files')),
    sa.ForeignKeyConstraint(['task_id'], ['report_tasks.id'], name=op.f('fk_report_task_attachments_task_id_report_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_task_attachments'))
    )
    with op.batch_alter_table('report_task_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_task_attachments_task_id'), ['task_id'], unique=False)

    op.create_table('report_submission_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('field_key', sa.String(length=160), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_submission_attachments_created_by_id_users')),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_report_submission_attachments_stored_file_id_stored_files')),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submissions.id'], name=op.f('fk_report_submission_attachments_submission_id_report_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submission_attachments'))
    )
    with op.batch_alter_table('report_submission_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submission_attachments_submission_id'), ['submission_id'], unique=False)

    op.create_table('report_submission_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_org_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_report_submission_events_actor_id_users')),
    sa.ForeignKeyConstraint(['actor_org_id'], ['org_units.id'], name=op.f('fk_report_submission_events_actor_org_id_org_units')),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submissions.id'], name=op.f('fk_report_submission_events_submission_id_report_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_submission_events'))
    )
    with op.batch_alter_table('report_submission_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_submission_events_submission_id'), ['submission_id'], unique=False)

    op.create_table('report_value_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_report_value_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['submission_id'], ['report_submissions.id'], name=op.f('fk_report_value_changes_submission_id_report_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_value_changes'))
    )
    with op.batch_alter_table('report_value_changes', schema=None) as batch_op:
        batch_op.create_index('ix_report_value_changes_submission_id_key', ['submission_id', 'key'], unique=False)


def downgrade():
    with op.batch_alter_table('report_value_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_report_value_changes_submission_id_key')

    op.drop_table('report_value_changes')
    with op.batch_alter_table('report_submission_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submission_events_submission_id'))

    op.drop_table('report_submission_events')
    with op.batch_alter_table('report_submission_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submission_attachments_submission_id'))

    op.drop_table('report_submission_attachments')
    with op.batch_alter_table('report_task_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_task_attachments_task_id'))

    op.drop_table('report_task_attachments')
    with op.batch_alter_table('report_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_submissions_via_task_id'))
        batch_op.drop_index('ix_report_submissions_task_id_district_id_status')
        batch_op.drop_index(batch_op.f('ix_report_submissions_school_id'))

    op.drop_table('report_submissions')
    with op.batch_alter_table('report_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_notices_task_id'))
        batch_op.drop_index('ix_report_notices_org_id_read_at')

    op.drop_table('report_notices')
    with op.batch_alter_table('report_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_tasks_template_version_id'))
        batch_op.drop_index(batch_op.f('ix_report_tasks_parent_id'))
        batch_op.drop_index(batch_op.f('ix_report_tasks_issuer_org_id'))

    op.drop_table('report_tasks')
    op.drop_table('report_template_versions')
    with op.batch_alter_table('report_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_templates_owner_org_id'))

    op.drop_table('report_templates')
    with op.batch_alter_table('report_mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_mail_outbox_status'))

    op.drop_table('report_mail_outbox')
