"""online courses: courses, chapters, lessons, enrolments, lesson progress, SCORM packages and run data,
Q&A, assignment submissions, training hours (继续教育学时).

Enums are stored as strings (native_enum=False), as everywhere on the platform.

Revision ID: ca761ccd303b
Revises: 1fe47565d2db
Create Date: 2026-11-25 13:42:46.433923

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ca761ccd303b'
down_revision = '1fe47565d2db'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.Column('grade', sa.String(length=32), nullable=False),
    sa.Column('audience', sa.Enum('students', 'teachers', name='courseaudience', native_enum=False, length=32), nullable=False),
    sa.Column('enrolment_mode', sa.Enum('open', 'approval', 'closed', name='enrolmentmode', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'archived', name='coursestatus', native_enum=False, length=32), nullable=False),
    sa.Column('training_hours', sa.Numeric(precision=6, scale=1, asdecimal=False), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('visible_org_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_courses_deleted_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_courses_org_id_org_units')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_courses_owner_id_users')),
    sa.ForeignKeyConstraint(['visible_org_id'], ['org_units.id'], name=op.f('fk_courses_visible_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses'))
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_stage'), ['stage'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_visible_org_id'), ['visible_org_id'], unique=False)

    op.create_table('course_chapters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_chapters_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_chapters'))
    )
    with op.batch_alter_table('course_chapters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_chapters_course_id'), ['course_id'], unique=False)

    op.create_table('scorm_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=8), nullable=False),
    sa.Column('edition', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('total_size', sa.BigInteger(), nullable=False),
    sa.Column('archive_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['archive_id'], ['stored_files.id'], name=op.f('fk_scorm_packages_archive_id_stored_files')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_scorm_packages_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scorm_packages_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_packages'))
    )
    with op.batch_alter_table('scorm_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_packages_course_id'), ['course_id'], unique=False)

    op.create_table('training_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1, asdecimal=False), nullable=False),
    sa.Column('earned_on', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_training_records_course_id_courses')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_training_records_org_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_records_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_records')),
    sa.UniqueConstraint('user_id', 'course_id', name=op.f('uq_training_records_user_id_course_id'))
    )
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_records_earned_on'), ['earned_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_records_year'), ['year'], unique=False)

    op.create_table('course_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'rejected', 'withdrawn', name='enrolmentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('source', sa.Enum('self', 'class', 'approval', 'teacher', name='enrolmentsource', native_enum=False, length=32), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('progress_percent', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('last_activity_at', sa.DateTime(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_course_enrolments_class_id_school_classes')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_enrolments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_course_enrolments_org_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_enrolments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_enrolments')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_course_enrolments_course_id_user_id'))
    )
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_enrolments_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrolments_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrolments_user_id'), ['user_id'], unique=False)

    op.create_table('course_lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('video', 'audio', 'document', 'text', 'scorm', 'quiz', 'assignment', name='lessonkind', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('preview_html', sa.Text(), nullable=True),
    sa.Column('scorm_package_id', sa.Integer(), nullable=True),
    sa.Column('exam_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['chapter_id'], ['course_chapters.id'], name=op.f('fk_course_lessons_chapter_id_course_chapters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_lessons_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], name=op.f('fk_course_lessons_exam_id_exams')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_course_lessons_file_id_stored_files')),
    sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_course_lessons_resource_id_resources'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['scorm_package_id'], ['scorm_packages.id'], name=op.f('fk_course_lessons_scorm_package_id_scorm_packages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_lessons'))
    )
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_lessons_chapter_id'), ['chapter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_lessons_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_lessons_resource_id'), ['resource_id'], unique=False)

    op.create_table('scorm_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_scorm_files_file_id_stored_files')),
    sa.ForeignKeyConstraint(['package_id'], ['scorm_packages.id'], name=op.f('fk_scorm_files_package_id_scorm_packages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_files')),
    sa.UniqueConstraint('package_id', 'path', name=op.f('uq_scorm_files_package_id_path'))
    )
    with op.batch_alter_table('scorm_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_files_package_id'), ['package_id'], unique=False)

    op.create_table('course_lesson_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', name='progressstatus', native_enum=False, length=32), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('watched', sa.JSON(), nullable=False),
    sa.Column('watched_seconds', sa.Float(), nullable=False),
    sa.Column('position', sa.Float(), nullable=False),
    sa.Column('beat_count', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('first_opened_at', sa.DateTime(), nullable=True),
    sa.Column('last_beat_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_lesson_progress_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['course_lessons.id'], name=op.f('fk_course_lesson_progress_lesson_id_course_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_lesson_progress_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_lesson_progress')),
    sa.UniqueConstraint('lesson_id', 'user_id', name=op.f('uq_course_lesson_progress_lesson_id_user_id'))
    )
    with op.batch_alter_table('course_lesson_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_lesson_progress_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_lesson_progress_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_lesson_progress_user_id'), ['user_id'], unique=False)

    op.create_table('course_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_course_questions_asker_id_users')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_questions_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['course_lessons.id'], name=op.f('fk_course_questions_lesson_id_course_lessons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_questions'))
    )
    with op.batch_alter_table('course_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_questions_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_questions_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_questions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_questions_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('course_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('submitted', 'graded', 'returned', name='submissionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('graded_by_id', sa.Integer(), nullable=True),
    sa.Column('graded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_course_submissions_file_id_stored_files')),
    sa.ForeignKeyConstraint(['graded_by_id'], ['users.id'], name=op.f('fk_course_submissions_graded_by_id_users')),
    sa.ForeignKeyConstraint(['lesson_id'], ['course_lessons.id'], name=op.f('fk_course_submissions_lesson_id_course_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_submissions')),
    sa.UniqueConstraint('lesson_id', 'user_id', name=op.f('uq_course_submissions_lesson_id_user_id'))
    )
    with op.batch_alter_table('course_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_submissions_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_submissions_user_id'), ['user_id'], unique=False)

    op.create_table('scorm_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('item_identifier', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=8), nullable=False),
    sa.Column('cmi', sa.JSON(), nullable=False),
    sa.Column('lesson_status', sa.String(length=16), nullable=False),
    sa.Column('completion_status', sa.String(length=16), nullable=False),
    sa.Column('success_status', sa.String(length=16), nullable=False),
    sa.Column('score_raw', sa.Float(), nullable=True),
    sa.Column('score_min', sa.Float(), nullable=True),
    sa.Column('score_max', sa.Float(), nullable=True),
    sa.Column('score_scaled', sa.Float(), nullable=True),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('suspend_data', sa.Text(), nullable=False),
    sa.Column('exit', sa.String(length=16), nullable=False),
    sa.Column('total_seconds', sa.Float(), nullable=False),
    sa.Column('pending_session_seconds', sa.Float(), nullable=False),
    sa.Column('session_count', sa.Integer(), nullable=False),
    sa.Column('in_session', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['course_lessons.id'], name=op.f('fk_scorm_attempts_lesson_id_course_lessons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['package_id'], ['scorm_packages.id'], name=op.f('fk_scorm_attempts_package_id_scorm_packages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scorm_attempts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scorm_attempts')),
    sa.UniqueConstraint('lesson_id', 'user_id', 'item_identifier', name=op.f('uq_scorm_attempts_lesson_id_user_id_item_identifier'))
    )
    with op.batch_alter_table('scorm_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorm_attempts_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorm_attempts_user_id'), ['user_id'], unique=False)

    op.create_table('course_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('by_teacher', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_course_answers_author_id_users')),
    sa.ForeignKeyConstraint(['question_id'], ['course_questions.id'], name=op.f('fk_course_answers_question_id_course_questions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_answers'))
    )
    with op.batch_alter_table('course_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_answers_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('course_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_answers_question_id'))

    op.drop_table('course_answers')
    with op.batch_alter_table('scorm_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_attempts_user_id'))
        batch_op.drop_index(batch_op.f('ix_scorm_attempts_lesson_id'))

    op.drop_table('scorm_attempts')
    with op.batch_alter_table('course_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_course_submissions_lesson_id'))

    op.drop_table('course_submissions')
    with op.batch_alter_table('course_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_questions_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_course_questions_course_id'))
        batch_op.drop_index(batch_op.f('ix_course_questions_asker_id'))
        batch_op.drop_index(batch_op.f('ix_course_questions_answered_at'))

    op.drop_table('course_questions')
    with op.batch_alter_table('course_lesson_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_lesson_progress_user_id'))
        batch_op.drop_index(batch_op.f('ix_course_lesson_progress_lesson_id'))
        batch_op.drop_index(batch_op.f('ix_course_lesson_progress_course_id'))

    op.drop_table('course_lesson_progress')
    with op.batch_alter_table('scorm_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_files_package_id'))

    op.drop_table('scorm_files')
    with op.batch_alter_table('course_lessons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_lessons_resource_id'))
        batch_op.drop_index(batch_op.f('ix_course_lessons_course_id'))
        batch_op.drop_index(batch_op.f('ix_course_lessons_chapter_id'))

    op.drop_table('course_lessons')
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_enrolments_user_id'))
        batch_op.drop_index(batch_op.f('ix_course_enrolments_org_id'))
        batch_op.drop_index(batch_op.f('ix_course_enrolments_course_id'))
        batch_op.drop_index(batch_op.f('ix_course_enrolments_class_id'))

    op.drop_table('course_enrolments')
    with op.batch_alter_table('training_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_records_year'))
        batch_op.drop_index(batch_op.f('ix_training_records_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_records_org_id'))
        batch_op.drop_index(batch_op.f('ix_training_records_earned_on'))

    op.drop_table('training_records')
    with op.batch_alter_table('scorm_packages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorm_packages_course_id'))

    op.drop_table('scorm_packages')
    with op.batch_alter_table('course_chapters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_chapters_course_id'))

    op.drop_table('course_chapters')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_visible_org_id'))
        batch_op.drop_index(batch_op.f('ix_courses_subject'))
        batch_op.drop_index(batch_op.f('ix_courses_status'))
        batch_op.drop_index(batch_op.f('ix_courses_stage'))
        batch_op.drop_index(batch_op.f('ix_courses_owner_id'))
        batch_op.drop_index(batch_op.f('ix_courses_org_id'))

    op.drop_table('courses')
