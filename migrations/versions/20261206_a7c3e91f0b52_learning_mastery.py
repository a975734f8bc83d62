"""learning: 学情 mastery cache (per student and knowledge point, per class cell) and each class's refresh
mark; indexes on when answers were marked / graded (the cache's freshness check)

Revision ID: a7c3e91f0b52
Revises: 9c4e2a7b1d53
Create Date: 2026-12-06 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e91f0b52'
down_revision = '9c4e2a7b1d53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'learning_mastery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('knowledge_point_id', sa.Integer(), nullable=False),
        sa.Column('theta', sa.Float(), nullable=False),
        sa.Column('probability', sa.Float(), nullable=False),
        sa.Column('evidence', sa.Float(), nullable=False),
        sa.Column('answers', sa.Integer(), nullable=False),
        sa.Column('last_answered_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['student_id'], ['student_profiles.id'],
                                name=op.f('fk_learning_mastery_student_id_student_profiles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'],
                                name=op.f('fk_learning_mastery_class_id_school_classes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['knowledge_point_id'], ['knowledge_points.id'],
                                name=op.f('fk_learning_mastery_knowledge_point_id_knowledge_points'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_mastery')),
        sa.UniqueConstraint('student_id', 'knowledge_point_id',
                            name=op.f('uq_learning_mastery_student_id_knowledge_point_id')),
    )
    with op.batch_alter_table('learning_mastery', schema=None) as batch_op:
        batch_op.create_index('ix_learning_mastery_class_point', ['class_id', 'knowledge_point_id'], unique=False)
    op.create_table(
        'learning_mastery_classes',
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('students', sa.Integer(), nullable=False),
        sa.Column('roster_key', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'],
                                name=op.f('fk_learning_mastery_classes_class_id_school_classes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('class_id', name=op.f('pk_learning_mastery_classes')),
    )
    op.create_table(
        'learning_mastery_cells',
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('knowledge_point_id', sa.Integer(), nullable=False),
        sa.Column('mean', sa.Float(), nullable=False),
        sa.Column('students', sa.Integer(), nullable=False),
        sa.Column('weak', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'],
                                name=op.f('fk_learning_mastery_cells_class_id_school_classes'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['knowledge_point_id'], ['knowledge_points.id'],
                                name=op.f('fk_learning_mastery_cells_knowledge_point_id_knowledge_points'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('class_id', 'knowledge_point_id', name=op.f('pk_learning_mastery_cells')),
    )
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.create_index('ix_homework_answers_marked_at', ['marked_at'], unique=False)
        batch_op.create_index('ix_homework_answers_submitted_at', ['submitted_at'], unique=False)
    with op.batch_alter_table('exam_answers', schema=None) as batch_op:
        batch_op.create_index('ix_exam_answers_graded_at', ['graded_at'], unique=False)


def downgrade():
    with op.batch_alter_table('exam_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_answers_graded_at')
    with op.batch_alter_table('homework_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_homework_answers_submitted_at')
        batch_op.drop_index('ix_homework_answers_marked_at')
    op.drop_table('learning_mastery_cells')
    op.drop_table('learning_mastery_classes')
    with op.batch_alter_table('learning_mastery', schema=None) as batch_op:
        batch_op.drop_index('ix_learning_mastery_class_point')
    op.drop_table('learning_mastery')
