"""learning: class homework (作业), items, answers, 分层 groups, schools' 双减 budgets

Revision ID: f2b3c4d5e6f2
Revises: f5e6f7a8b9c5
Create Date: 2026-12-04 19:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f2b3c4d5e6f2'
down_revision = 'f5e6f7a8b9c5'
branch_labels = None
depends_on = None


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade():
    op.create_table(
        'homeworks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=False),
        sa.Column('level', _enum('level', 'basic', 'advanced', 'extension'), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('teacher_id', sa.Integer(), nullable=False),
        sa.Column('load_date', sa.Date(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('status', _enum('homeworkstatus', 'draft', 'pending', 'published'), nullable=False),
        sa.Column('approval_opinion', sa.Text(), nullable=False),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_homeworks_approved_by_id_users')),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_homeworks_class_id_school_classes')),
        sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_homeworks_school_id_org_units')),
        sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_homeworks_teacher_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homeworks')),
    )
    with op.batch_alter_table('homeworks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homeworks_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homeworks_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homeworks_teacher_id'), ['teacher_id'], unique=False)
        batch_op.create_index('ix_homeworks_class_day', ['class_id', 'load_date', 'status'], unique=False)
    op.create_table(
        'homework_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('homework_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', _enum('itemkind', 'question', 'handin', 'reading'), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('instructions', sa.Text(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('question_version_id', sa.Integer(), nullable=True),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('written', sa.Boolean(), nullable=False),
        sa.Column('grading', _enum('grading', 'score', 'grade'), nullable=False),
        sa.Column('max_score', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['homework_id'], ['homeworks.id'], name=op.f('fk_homework_items_homework_id_homeworks'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['questions.id'], name=op.f('fk_homework_items_question_id_questions')),
        sa.ForeignKeyConstraint(['question_version_id'], ['question_versions.id'],
                                name=op.f('fk_homework_items_question_version_id_question_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_items')),
    )
    with op.batch_alter_table('homework_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_items_homework_id'), ['homework_id'], unique=False)
    op.create_table(
        'homework_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('homework_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', _enum('answerstatus', 'submitted', 'marked', 'returned'), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('resubmissions', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('grade', sa.String(length=8), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('auto_marked', sa.Boolean(), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_homework_answers_file_id_stored_files')),
        sa.ForeignKeyConstraint(['homework_id'], ['homeworks.id'], name=op.f('fk_homework_answers_homework_id_homeworks'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['homework_items.id'], name=op.f('fk_homework_answers_item_id_homework_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_homework_answers_marked_by_id_users')),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_homework_answers_student_id_student_profiles')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_homework_answers_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_homework_answers')),
        sa.UniqueConstraint('item_id', 'student_id', name=op.f('uq_homework_answers_item_id_student_id')),
    )
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_homework_answers_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_homework_answers_student_id'), ['student_id'], unique=False)
        batch_op.create_index('ix_homework_answers_homework_student', ['homework_id', 'student_id'], unique=False)
    op.create_table(
        'learning_group_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=32), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('level', _enum('level', 'basic', 'advanced', 'extension'), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'],
                                name=op.f('fk_learning_group_members_class_id_school_classes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_learning_group_members_student_id_student_profiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_group_members')),
        sa.UniqueConstraint('class_id', 'subject', 'student_id', name=op.f('uq_learning_group_members_class_id_subject_student_id')),
    )
    with op.batch_alter_table('learning_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learning_group_members_class_id'), ['class_id'], unique=False)
    op.create_table(
        'learning_load_budgets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_learning_load_budgets_school_id_org_units'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_learning_load_budgets_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_load_budgets')),
        sa.UniqueConstraint('school_id', 'grade', name=op.f('uq_learning_load_budgets_school_id_grade')),
    )


def downgrade():
    op.drop_table('learning_load_budgets')
    with op.batch_alter_table('learning_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learning_group_members_class_id'))
    op.drop_table('learning_group_members')
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_homework_answers_homework_student')
        batch_op.drop_index(batch_op.f('ix_homework_answers_student_id'))
        batch_op.drop_index(batch_op.f('ix_homework_answers_item_id'))
    op.drop_table('homework_answers')
    with op.batch_alter_table('homework_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_homework_items_homework_id'))
    op.drop_table('homework_items')
    with op.batch_alter_table('homeworks', schema=None) as batch_op:
        batch_op.drop_index('ix_homeworks_class_day')
        batch_op.drop_index(batch_op.f('ix_homeworks_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_homeworks_class_id'))
        batch_op.drop_index(batch_op.f('ix_homeworks_school_id'))
    op.drop_table('homeworks')
