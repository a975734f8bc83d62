"""courses: LTI 1.3 tools, the platform's signing keys, subs, line items, scores, used nonces; a lesson's tool

Revision ID: 9c41e7a2b5d8
Revises: b7e2c94d1a58
Create Date: 2026-12-06 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9c41e7a2b5d8'
down_revision = 'b7e2c94d1a58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lti_tools',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('client_id', sa.String(length=200), nullable=False),
        sa.Column('deployment_id', sa.String(length=200), nullable=False),
        sa.Column('login_url', sa.String(length=1000), nullable=False),
        sa.Column('launch_url', sa.String(length=1000), nullable=False),
        sa.Column('redirect_urls', sa.Text(), nullable=False),
        sa.Column('jwks_url', sa.String(length=1000), nullable=True),
        sa.Column('public_key', sa.Text(), nullable=True),
        sa.Column('deep_link_url', sa.String(length=1000), nullable=True),
        sa.Column('share_name', sa.Boolean(), nullable=False),
        sa.Column('share_email', sa.Boolean(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['org_units.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('client_id'),
    )
    op.create_index('ix_lti_tools_org_id', 'lti_tools', ['org_id'])
    op.create_table(
        'lti_platform_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('private_pem', sa.Text(), nullable=False),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kid'),
    )
    op.create_table(
        'lti_user_ids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tool_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sub', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['tool_id'], ['lti_tools.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tool_id', 'user_id'),
        sa.UniqueConstraint('sub'),
    )
    op.create_index('ix_lti_user_ids_user_id', 'lti_user_ids', ['user_id'])
    op.create_table(
        'lti_line_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.Integer(), nullable=False),
        sa.Column('tool_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('score_maximum', sa.Float(), nullable=False),
        sa.Column('resource_id', sa.String(length=200), nullable=False),
        sa.Column('tag', sa.String(length=200), nullable=False),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lesson_id'], ['course_lessons.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tool_id'], ['lti_tools.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_lti_line_items_lesson_id', 'lti_line_items', ['lesson_id'])
    op.create_index('ix_lti_line_items_tool_id', 'lti_line_items', ['tool_id'])
    op.create_table(
        'lti_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('line_item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('score_given', sa.Float(), nullable=True),
        sa.Column('score_maximum', sa.Float(), nullable=True),
        sa.Column('activity_progress', sa.String(length=32), nullable=False),
        sa.Column('grading_progress', sa.String(length=32), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('timestamp', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['line_item_id'], ['lti_line_items.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('line_item_id', 'user_id'),
    )
    op.create_index('ix_lti_scores_line_item_id', 'lti_scores', ['line_item_id'])
    op.create_index('ix_lti_scores_user_id', 'lti_scores', ['user_id'])
    op.create_table(
        'lti_seen_ids',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('value', sa.String(length=255), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'value'),
    )
    op.create_index('ix_lti_seen_ids_expires_at', 'lti_seen_ids', ['expires_at'])
    with op.batch_alter_table('course_lessons') as batch:
        batch.add_column(sa.Column('lti_tool_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_course_lessons_lti_tool_id', 'lti_tools', ['lti_tool_id'], ['id'])


def downgrade():
    with op.batch_alter_table('course_lessons') as batch:
        batch.drop_constraint('fk_course_lessons_lti_tool_id', type_='foreignkey')
        batch.drop_column('lti_tool_id')
    op.drop_index('ix_lti_seen_ids_expires_at', table_name='lti_seen_ids')
    op.drop_table('lti_seen_ids')
    op.drop_index('ix_lti_scores_user_id', table_name='lti_scores')
    op.drop_index('ix_lti_scores_line_item_id', table_name='lti_scores')
    op.drop_table('lti_scores')
    op.drop_index('ix_lti_line_items_tool_id', table_name='lti_line_items')
    op.drop_index('ix_lti_line_items_lesson_id', table_name='lti_line_items')
    op.drop_table('lti_line_items')
    op.drop_index('ix_lti_user_ids_user_id', table_name='lti_user_ids')
    op.drop_table('lti_user_ids')
    op.drop_table('lti_platform_keys')
    op.drop_index('ix_lti_tools_org_id', table_name='lti_tools')
    op.drop_table('lti_tools')
