"""one notice inbox: workflow_notices and report_notices become the foundation's notices

Revision ID: c4f2a9d7e1b3
Revises: e909778ae7a8
Create Date: 2026-12-02 14:05:00

Every row is copied, read state kept. A workflow notice about a process instance is realm
``workflow`` (the engine always names the instance); one without an instance was written by the
courses (realm ``courses``). A report notice is realm ``reporting``, an org inbox's, about its
report task. Downgrading copies them back (notices of other realms have no old table and are left
behind).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4f2a9d7e1b3'
down_revision = 'e909778ae7a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('realm', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=255), nullable=False),
    sa.Column('object_type', sa.String(length=32), nullable=True),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('read_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_notices_org_id_org_units'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['read_by_id'], ['users.id'], name=op.f('fk_notices_read_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notices_object_type_object_id', ['object_type', 'object_id'], unique=False)
        batch_op.create_index('ix_notices_org_id_read_at', ['org_id', 'read_at'], unique=False)
        batch_op.create_index('ix_notices_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.execute(
        "INSERT INTO notices (realm, kind, org_id, user_id, title, body, link, object_type, object_id, task_id,"
        " created_at, read_at, read_by_id)"
        " SELECT CASE WHEN instance_id IS NULL THEN 'courses' ELSE 'workflow' END, kind, NULL, user_id, title, body,"
        " '', CASE WHEN instance_id IS NULL THEN NULL ELSE 'process_instance' END, instance_id, task_id,"
        " created_at, read_at, CASE WHEN read_at IS NULL THEN NULL ELSE user_id END"
        " FROM workflow_notices ORDER BY id")
    op.execute(
        "INSERT INTO notices (realm, kind, org_id, user_id, title, body, link, object_type, object_id, task_id,"
        " created_at, read_at, read_by_id)"
        " SELECT 'reporting', kind, org_id, user_id, title, body, link,"
        " CASE WHEN task_id IS NULL THEN NULL ELSE 'report_task' END, task_id, NULL, created_at, read_at, read_by_id"
        " FROM report_notices ORDER BY id")

    with op.batch_alter_table('workflow_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workflow_notices_user_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_notices_instance_id'))
        batch_op.drop_index(batch_op.f('ix_workflow_notices_created_at'))
    op.drop_table('workflow_notices')
    with op.batch_alter_table('report_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_notices_task_id'))
        batch_op.drop_index('ix_report_notices_org_id_read_at')
    op.drop_table('report_notices')


def downgrade():
    op.create_table('workflow_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], name=op.f('fk_workflow_notices_instance_id_process_instances')),
    sa.ForeignKeyConstraint(['task_id'], ['workflow_tasks.id'], name=op.f('fk_workflow_notices_task_id_workflow_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_workflow_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_notices'))
    )
    with op.batch_alter_table('workflow_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workflow_notices_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_notices_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_workflow_notices_user_id'), ['user_id'], unique=False)
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

    op.execute(
        "INSERT INTO workflow_notices (user_id, kind, title, body, instance_id, task_id, created_at, read_at)"
        " SELECT user_id, kind, title, body,"
        " CASE WHEN object_type = 'process_instance' THEN object_id ELSE NULL END, task_id, created_at, read_at"
        " FROM notices WHERE realm IN ('workflow', 'courses') AND org_id IS NULL AND user_id IS NOT NULL"
        " ORDER BY id")
    op.execute(
        "INSERT INTO report_notices (org_id, user_id, kind, title, body, link, task_id, created_at, read_at,"
        " read_by_id)"
        " SELECT org_id, user_id, SUBSTR(kind, 1, 24), SUBSTR(title, 1, 200), body, link,"
        " CASE WHEN object_type = 'report_task' THEN object_id ELSE NULL END, created_at, read_at, read_by_id"
        " FROM notices WHERE realm = 'reporting' AND org_id IS NOT NULL ORDER BY id")

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_id_read_at')
        batch_op.drop_index('ix_notices_org_id_read_at')
        batch_op.drop_index('ix_notices_object_type_object_id')
        batch_op.drop_index(batch_op.f('ix_notices_created_at'))
    op.drop_table('notices')
