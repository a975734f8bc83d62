"""quiz retakes: attempt numbers and extra attempts

Course quizzes may be taken again: ``exam_attempts`` gets ``attempt_no`` (existing rows are attempt 1)
and the one-attempt-per-student constraint becomes one row per (exam, student, attempt number); the
teacher's extra attempts per learner live on ``course_lesson_progress.extra_attempts``.

Downgrade: the old schema holds one attempt per student. It REFUSES while any student has more than
one attempt of an exam (nothing is lost by accident). To go back all the same, keep only each
student's latest attempt (older attempts and their answers are deleted) with::

    flask db downgrade -x drop_older_attempts=1

Revision ID: 64df45a1ff5b
Revises: 5be0c4a2d9e1
Create Date: 2026-11-25 15:55:23.382545

"""
import sqlalchemy as sa
from alembic import context, op

# revision identifiers, used by Alembic.
revision = '64df45a1ff5b'
down_revision = '5be0c4a2d9e1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extra_attempts', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempt_no', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_exam_attempts_exam_id_student_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_exam_attempts_exam_id_student_id_attempt_no'),
                                          ['exam_id', 'student_id', 'attempt_no'])


def _older_attempts(conn) -> list[int]:
    """Ids of attempts that are not their student's latest attempt of the exam."""
    rows = conn.execute(sa.text(
        "SELECT a.id FROM exam_attempts a WHERE EXISTS (SELECT 1 FROM exam_attempts b "
        "WHERE b.exam_id = a.exam_id AND b.student_id = a.student_id AND b.attempt_no > a.attempt_no)"))
    return [row[0] for row in rows]


def downgrade():
    conn = op.get_bind()
    older = _older_attempts(conn)
    if older:
        if context.get_x_argument(as_dictionary=True).get('drop_older_attempts') not in ('1', 'true', 'yes'):
            raise RuntimeError(
                f"{len(older)} earlier quiz attempts exist (students retook quizzes) and the old schema keeps one "
                "attempt per student: refusing to delete them. Run "
                "`flask db downgrade -x drop_older_attempts=1` to keep only each student's latest attempt.")
        for start in range(0, len(older), 500):
            chunk = older[start:start + 500]
            conn.execute(sa.text("DELETE FROM exam_answers WHERE attempt_id IN :ids")
                         .bindparams(sa.bindparam('ids', expanding=True)), {'ids': chunk})
            conn.execute(sa.text("DELETE FROM exam_attempts WHERE id IN :ids")
                         .bindparams(sa.bindparam('ids', expanding=True)), {'ids': chunk})

    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_exam_attempts_exam_id_student_id_attempt_no'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_exam_attempts_exam_id_student_id'), ['exam_id', 'student_id'])
        batch_op.drop_column('attempt_no')

    with op.batch_alter_table('course_lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('extra_attempts')
