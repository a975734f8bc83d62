"""audit chain and archives: a sealed hash chain over the audit log, signed archives of old entries

The audit triggers now let an entry (and its chain link) be deleted only when an archive record
covers its link: archiving is the one controlled way out of the log.

Revision ID: a7c3e91d2b40
Revises: 64df45a1ff5b
Create Date: 2026-12-02 05:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e91d2b40'
down_revision = '64df45a1ff5b'
branch_labels = None
depends_on = None

ARCHIVED_ENTRY = """EXISTS (SELECT 1 FROM audit_chain c JOIN audit_archives a
                          ON c.seq BETWEEN a.first_seq AND a.last_seq WHERE c.entry_id = OLD.id)"""
ARCHIVED_LINK = "OLD.seq <= COALESCE((SELECT MAX(last_seq) FROM audit_archives), 0)"

TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_entries_no_delete",
        f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries WHEN NOT {ARCHIVED_ENTRY}
            BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (only archived entries leave)'); END""",
        """CREATE TRIGGER audit_chain_no_update BEFORE UPDATE ON audit_chain
           BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only'); END""",
        f"""CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain WHEN NOT ({ARCHIVED_LINK})
            BEGIN SELECT RAISE(ABORT, 'audit_chain is append-only (only archived links leave)'); END""",
        """CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives
           BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only'); END""",
        """CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives
           BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only'); END""",
    ],
    "postgresql": [
        f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND {ARCHIVED_ENTRY} THEN RETURN OLD; END IF;
              RAISE EXCEPTION 'audit_entries is append-only (only archived entries leave)';
            END $$""",
        f"""CREATE FUNCTION audit_chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND {ARCHIVED_LINK} THEN RETURN OLD; END IF;
              RAISE EXCEPTION 'audit_chain is append-only (only archived links leave)';
            END $$""",
        """CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
           FOR EACH ROW EXECUTE FUNCTION audit_chain_append_only()""",
        """CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
           FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_append_only()""",
        """CREATE FUNCTION audit_archives_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_archives is append-only'; END $$""",
        """CREATE TRIGGER audit_archives_no_change BEFORE UPDATE OR DELETE ON audit_archives
           FOR EACH ROW EXECUTE FUNCTION audit_archives_append_only()""",
        """CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives
           FOR EACH STATEMENT EXECUTE FUNCTION audit_archives_append_only()""",
    ],
}

UNDO_TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_archives_no_delete",
        "DROP TRIGGER IF EXISTS audit_archives_no_update",
        "DROP TRIGGER IF EXISTS audit_chain_no_delete",
        "DROP TRIGGER IF EXISTS audit_chain_no_update",
        "DROP TRIGGER IF EXISTS audit_entries_no_delete",
        """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
           BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END""",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_archives_no_truncate ON audit_archives",
        "DROP TRIGGER IF EXISTS audit_archives_no_change ON audit_archives",
        "DROP FUNCTION IF EXISTS audit_archives_append_only()",
        "DROP TRIGGER IF EXISTS audit_chain_no_truncate ON audit_chain",
        "DROP TRIGGER IF EXISTS audit_chain_no_change ON audit_chain",
        "DROP FUNCTION IF EXISTS audit_chain_append_only()",
        """CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END $$""",
    ],
}


def _run(statements):
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade():
    op.create_table('audit_chain',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_chain')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_audit_chain_entry_id'))
    )
    op.create_table('audit_archives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('before', sa.DateTime(), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=True),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_archives'))
    )
    _run(TRIGGERS)


def downgrade():
    _run(UNDO_TRIGGERS)
    op.drop_table('audit_archives')
    op.drop_table('audit_chain')
