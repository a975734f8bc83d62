"""schools portal and connectivity: profiles, campuses, years, classes, teachers, students,
roster imports, network access, receiving points, equipment ledger with history

Enums are stored as strings (native_enum=False) so SQLite and PostgreSQL agree.

Revision ID: 4357fc37d60c
Revises: 3d4a08a7331a
Create Date: 2026-11-25 12:11:42.301365

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4357fc37d60c'
down_revision = '3d4a08a7331a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('asset_no', sa.String(length=32), nullable=False),
    sa.Column('category', sa.Enum('student_computer', 'teacher_computer', 'office_computer', 'multimedia_classroom', 'interactive_whiteboard', 'satellite_receiver', 'tv', 'disc_player', 'server', 'network_device', 'projector', 'other', name='equipmentcategory', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('funding_source', sa.String(length=32), nullable=True),
    sa.Column('location', sa.String(length=120), nullable=True),
    sa.Column('state', sa.Enum('in_use', 'repair', 'scrapped', name='equipmentstate', native_enum=False, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_equipment_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment')),
    sa.UniqueConstraint('school_id', 'asset_no', name=op.f('uq_equipment_school_id_asset_no'))
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index('ix_equipment_school_category', ['school_id', 'category', 'state'], unique=False)

    op.create_table('receiving_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('satellite', 'disc', 'computer_room', name='receivingpointmode', native_enum=False, length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('state', sa.Enum('normal', 'faulty', 'stopped', name='receivingpointstate', native_enum=False, length=32), nullable=False),
    sa.Column('established_on', sa.Date(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_receiving_points_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_points'))
    )
    with op.batch_alter_table('receiving_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receiving_points_school_id'), ['school_id'], unique=False)

    op.create_table('school_campuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_school_campuses_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_campuses')),
    sa.UniqueConstraint('school_id', 'name', name=op.f('uq_school_campuses_school_id_name'))
    )
    with op.batch_alter_table('school_campuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_campuses_school_id'), ['school_id'], unique=False)

    op.create_table('school_network_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('access_type', sa.String(length=16), nullable=False),
    sa.Column('bandwidth_mbps', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=True),
    sa.Column('has_campus_network', sa.Boolean(), nullable=False),
    sa.Column('wifi_coverage', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_school_network_access_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_network_access')),
    sa.UniqueConstraint('school_id', name=op.f('uq_school_network_access_school_id'))
    )
    op.create_table('school_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('school_type', sa.Enum('primary', 'junior', 'senior', 'complete_secondary', 'nine_year', 'twelve_year', 'vocational', 'special', 'kindergarten', name='schooltype', native_enum=False, length=32), nullable=True),
    sa.Column('locality', sa.String(length=16), nullable=True),
    sa.Column('ownership', sa.String(length=16), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('postcode', sa.String(length=6), nullable=True),
    sa.Column('principal', sa.String(length=64), nullable=True),
    sa.Column('principal_phone', sa.String(length=32), nullable=True),
    sa.Column('contact', sa.String(length=64), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=120), nullable=True),
    sa.Column('website', sa.String(length=200), nullable=True),
    sa.Column('classroom_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_school_profiles_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_profiles')),
    sa.UniqueConstraint('org_id', name=op.f('uq_school_profiles_org_id'))
    )
    op.create_table('school_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_school_years_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_years')),
    sa.UniqueConstraint('school_id', 'start_year', name=op.f('uq_school_years_school_id_start_year'))
    )
    with op.batch_alter_table('school_years', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_years_school_id'), ['school_id'], unique=False)

    op.create_table('equipment_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_equipment_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_equipment_changes_equipment_id_equipment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_changes'))
    )
    with op.batch_alter_table('equipment_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_changes_equipment_id'), ['equipment_id'], unique=False)

    op.create_table('school_profile_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_school_profile_revisions_actor_id_users')),
    sa.ForeignKeyConstraint(['profile_id'], ['school_profiles.id'], name=op.f('fk_school_profile_revisions_profile_id_school_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_profile_revisions'))
    )
    with op.batch_alter_table('school_profile_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_profile_revisions_profile_id'), ['profile_id'], unique=False)

    op.create_table('teacher_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('teacher_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.Enum('male', 'female', name='gender', native_enum=False, length=32), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('subjects', sa.JSON(), nullable=False),
    sa.Column('title', sa.String(length=32), nullable=True),
    sa.Column('status', sa.Enum('active', 'left', name='teacherstatus', native_enum=False, length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_teacher_profiles_school_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_teacher_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teacher_profiles')),
    sa.UniqueConstraint('school_id', 'teacher_no', name=op.f('uq_teacher_profiles_school_id_teacher_no')),
    sa.UniqueConstraint('user_id', name=op.f('uq_teacher_profiles_user_id'))
    )
    with op.batch_alter_table('teacher_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teacher_profiles_school_id'), ['school_id'], unique=False)

    op.create_table('roster_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roster_imports_created_by_id_users')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_roster_imports_file_id_stored_files')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_roster_imports_school_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_imports'))
    )
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_imports_school_id'), ['school_id'], unique=False)

    op.create_table('school_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('head_teacher_id', sa.Integer(), nullable=True),
    sa.Column('predecessor_id', sa.Integer(), nullable=True),
    sa.Column('graduated', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['head_teacher_id'], ['teacher_profiles.id'], name=op.f('fk_school_classes_head_teacher_id_teacher_profiles')),
    sa.ForeignKeyConstraint(['predecessor_id'], ['school_classes.id'], name=op.f('fk_school_classes_predecessor_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_school_classes_school_id_org_units')),
    sa.ForeignKeyConstraint(['school_year_id'], ['school_years.id'], name=op.f('fk_school_classes_school_year_id_school_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_classes')),
    sa.UniqueConstraint('school_year_id', 'grade', 'number', name=op.f('uq_school_classes_school_year_id_grade_number'))
    )
    with op.batch_alter_table('school_classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_classes_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_classes_school_year_id'), ['school_year_id'], unique=False)

    op.create_table('student_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.Enum('male', 'female', name='gender', native_enum=False, length=32), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('enrolled', 'transferred', 'graduated', name='studentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('guardian_name', sa.String(length=64), nullable=True),
    sa.Column('guardian_phone', sa.String(length=32), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_student_profiles_class_id_school_classes')),
    sa.ForeignKeyConstraint(['school_id'], ['org_units.id'], name=op.f('fk_student_profiles_school_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_student_profiles_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_profiles')),
    sa.UniqueConstraint('school_id', 'student_no', name=op.f('uq_student_profiles_school_id_student_no')),
    sa.UniqueConstraint('user_id', name=op.f('uq_student_profiles_user_id'))
    )
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_profiles_class_id'), ['class_id'], unique=False)
        batch_op.create_index('ix_student_profiles_school_status', ['school_id', 'status'], unique=False)

    op.create_table('teaching_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_teaching_assignments_class_id_school_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['teacher_profiles.id'], name=op.f('fk_teaching_assignments_teacher_id_teacher_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teaching_assignments')),
    sa.UniqueConstraint('teacher_id', 'class_id', 'subject', name=op.f('uq_teaching_assignments_teacher_id_class_id_subject'))
    )
    with op.batch_alter_table('teaching_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teaching_assignments_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_teaching_assignments_teacher_id'), ['teacher_id'], unique=False)



def downgrade():
    with op.batch_alter_table('teaching_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teaching_assignments_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_teaching_assignments_class_id'))

    op.drop_table('teaching_assignments')
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_student_profiles_school_status')
        batch_op.drop_index(batch_op.f('ix_student_profiles_class_id'))

    op.drop_table('student_profiles')
    with op.batch_alter_table('school_classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_classes_school_year_id'))
        batch_op.drop_index(batch_op.f('ix_school_classes_school_id'))

    op.drop_table('school_classes')
    with op.batch_alter_table('roster_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_imports_school_id'))

    op.drop_table('roster_imports')
    with op.batch_alter_table('teacher_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teacher_profiles_school_id'))

    op.drop_table('teacher_profiles')
    with op.batch_alter_table('school_profile_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_profile_revisions_profile_id'))

    op.drop_table('school_profile_revisions')
    with op.batch_alter_table('equipment_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_changes_equipment_id'))

    op.drop_table('equipment_changes')
    with op.batch_alter_table('school_years', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_years_school_id'))

    op.drop_table('school_years')
    op.drop_table('school_profiles')
    op.drop_table('school_network_access')
    with op.batch_alter_table('school_campuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_campuses_school_id'))

    op.drop_table('school_campuses')
    with op.batch_alter_table('receiving_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receiving_points_school_id'))

    op.drop_table('receiving_points')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_school_category')

    op.drop_table('equipment')
