"""resource download tallies per org unit and day (the schools' platform-use indicators)

Downloads made before this revision were counted per resource only; they are not attributed to
any unit.

Revision ID: 1fe47565d2db
Revises: 45de6d8ac76b
Create Date: 2026-11-25 15:39:25.670159

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1fe47565d2db'
down_revision = '45de6d8ac76b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('resource_download_tallies',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_resource_download_tallies_org_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'day', name=op.f('pk_resource_download_tallies'))
    )


def downgrade():
    op.drop_table('resource_download_tallies')
