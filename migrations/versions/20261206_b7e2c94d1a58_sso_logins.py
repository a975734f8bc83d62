"""统一身份认证 (OpenID Connect): sso_logins, user_id_number_hashes

Revision ID: b7e2c94d1a58
Revises: f3c4d5e6f7a3
Create Date: 2026-12-06 21:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2c94d1a58'
down_revision = 'f3c4d5e6f7a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sso_logins',
    sa.Column('login_session_id', sa.String(length=32), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('sid', sa.String(length=255), nullable=True),
    sa.Column('id_token', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['login_session_id'], ['login_sessions.id'],
                            name=op.f('fk_sso_logins_login_session_id_login_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('login_session_id', name=op.f('pk_sso_logins'))
    )
    op.create_index('ix_sso_logins_issuer_subject', 'sso_logins', ['issuer', 'subject'], unique=False)
    op.create_index('ix_sso_logins_issuer_sid', 'sso_logins', ['issuer', 'sid'], unique=False)
    op.create_table('user_id_number_hashes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_id_number_hashes_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_id_number_hashes'))
    )
    op.create_index(op.f('ix_user_id_number_hashes_digest'), 'user_id_number_hashes', ['digest'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_user_id_number_hashes_digest'), table_name='user_id_number_hashes')
    op.drop_table('user_id_number_hashes')
    op.drop_index('ix_sso_logins_issuer_sid', table_name='sso_logins')
    op.drop_index('ix_sso_logins_issuer_subject', table_name='sso_logins')
    op.drop_table('sso_logins')
