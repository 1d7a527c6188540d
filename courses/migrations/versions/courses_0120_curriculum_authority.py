"""curriculum authority: revisions in preparation and minor corrections

Revision ID: courses_0120
Revises: courses_0152
Create Date: 2026-12-06 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'courses_0120'
down_revision = 'courses_0152'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses_course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_of_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            op.f('uq_courses_course_revision_of_id'), ['revision_of_id']
        )
        batch_op.create_foreign_key(
            op.f('fk_courses_course_revision_of_id_courses_course'), 'courses_course',
            ['revision_of_id'], ['id'], ondelete='CASCADE',
        )
        batch_op.create_check_constraint(
            'revision_is_draft', "revision_of_id IS NULL OR status = 'draft'"
        )
    op.create_table(
        'courses_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('item_key', sa.String(length=80), nullable=False),
        sa.Column('item_title', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=120), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('corrected_dt', UTCDateTime(timezone=True), nullable=False),
        sa.Column('previous_title', sa.String(length=200), nullable=False),
        sa.Column('previous_md', sa.Text(), nullable=False),
        sa.CheckConstraint('length(note) > 0', name=op.f('ck_courses_correction_note_not_empty')),
        sa.ForeignKeyConstraint(['course_id'], ['courses_course.id'], name=op.f('fk_courses_correction_course_id_courses_course'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['lms_user.id'], name=op.f('fk_courses_correction_user_id_lms_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_correction')),
    )
    with op.batch_alter_table('courses_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_correction_course_id'), ['course_id'], unique=False)


def downgrade():
    with op.batch_alter_table('courses_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_courses_correction_course_id'))
    op.drop_table('courses_correction')
    with op.batch_alter_table('courses_course', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_course_revision_is_draft'), type_='check')
        batch_op.drop_constraint(op.f('fk_courses_course_revision_of_id_courses_course'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_courses_course_revision_of_id'), type_='unique')
        batch_op.drop_column('revision_of_id')
