"""workflow tasks: pools open to the units above (and_above), a user excluded from acting (exclude)

A step's pool may take in the same role at every unit above its unit (``and_above`` on a lane, 上级
代办), and a step may exclude a person from acting although they are in its pool (``exclude:
starter``, 回避 — nobody reviews their own submission). Existing tasks get neither.

Revision ID: b320cf25c16a
Revises: ca761ccd303b
Create Date: 2026-11-25 13:55:54.492125

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b320cf25c16a'
down_revision = 'ca761ccd303b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidate_above', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('excluded_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_workflow_tasks_excluded_user_id_users'), 'users',
                                    ['excluded_user_id'], ['id'])


def downgrade():
    with op.batch_alter_table('workflow_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_workflow_tasks_excluded_user_id_users'), type_='foreignkey')
        batch_op.drop_column('excluded_user_id')
        batch_op.drop_column('candidate_above')
