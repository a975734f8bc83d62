"""audit: the request id of the request that wrote an entry

Revision ID: 438500527629
Revises: e306834e1232
Create Date: 2026-12-06 21:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '438500527629'
down_revision = 'e306834e1232'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild): the entries' immutability triggers stay as they are.
    op.add_column('audit_entries', sa.Column('request_id', sa.String(length=128), server_default=sa.text('NULL'), nullable=True))


def downgrade():
    op.drop_column('audit_entries', 'request_id')  # SQLite ≥ 3.35 drops a column in place
