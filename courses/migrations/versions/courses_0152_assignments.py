"""assignments: items of kind assignment, submissions, versions, marks, files

Revision ID: courses_0152
Revises: courses_0190
Create Date: 2026-12-06 18:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.db


# revision identifiers, used by Alembic.
revision = 'courses_0152'
down_revision = 'courses_0190'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignment', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_courses_item_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', "kind IN ('lesson', 'quiz', 'assignment')")

    op.create_table(
        'courses_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('draft_text', sa.Text(), nullable=False),
        sa.Column('version_count', sa.Integer(), nullable=False),
        sa.Column('submitted_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('updated_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lock_version', sa.Integer(), nullable=False),
        sa.CheckConstraint("(state = 'draft') = (version_count = 0)", name=op.f('ck_courses_submission_draft_until_submitted')),
        sa.CheckConstraint("(submitted_dt IS NULL) = (version_count = 0)", name=op.f('ck_courses_submission_submitted_when_sent')),
        sa.CheckConstraint("state IN ('draft', 'submitted', 'returned', 'passed')", name=op.f('ck_courses_submission_known_state')),
        sa.CheckConstraint('version_count >= 0', name=op.f('ck_courses_submission_version_count_not_negative')),
        sa.ForeignKeyConstraint(['enrolment_id'], ['courses_enrolment.id'], name=op.f('fk_courses_submission_enrolment_id_courses_enrolment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['courses_item.id'], name=op.f('fk_courses_submission_item_id_courses_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_submission')),
        sa.UniqueConstraint('enrolment_id', 'item_id', name=op.f('uq_courses_submission_enrolment_id_item_id')),
    )
    with op.batch_alter_table('courses_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_submission_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_submission_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_courses_submission_state_submitted_dt', ['state', 'submitted_dt'], unique=False)

    op.create_table(
        'courses_submission_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('submitted_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('feedback_md', sa.Text(), nullable=False),
        sa.Column('feedback_html', sa.Text(), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_dt', lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('returned', 'passed')", name=op.f('ck_courses_submission_version_known_outcome')),
        sa.CheckConstraint('(outcome IS NULL) = (marked_dt IS NULL)', name=op.f('ck_courses_submission_version_marked_with_outcome')),
        sa.CheckConstraint('number >= 1', name=op.f('ck_courses_submission_version_number_positive')),
        sa.ForeignKeyConstraint(['marked_by_id'], ['lms_user.id'], name=op.f('fk_courses_submission_version_marked_by_id_lms_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submission_id'], ['courses_submission.id'], name=op.f('fk_courses_submission_version_submission_id_courses_submission'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_submission_version')),
        sa.UniqueConstraint('submission_id', 'number', name=op.f('uq_courses_submission_version_submission_id_number')),
    )
    with op.batch_alter_table('courses_submission_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_submission_version_submission_id'), ['submission_id'], unique=False)

    op.create_table(
        'courses_submission_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('criterion', sa.String(length=80), nullable=False),
        sa.Column('level', sa.String(length=80), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.CheckConstraint('points >= 0', name=op.f('ck_courses_submission_mark_points_not_negative')),
        sa.ForeignKeyConstraint(['version_id'], ['courses_submission_version.id'], name=op.f('fk_courses_submission_mark_version_id_courses_submission_version'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_submission_mark')),
        sa.UniqueConstraint('version_id', 'criterion', name=op.f('uq_courses_submission_mark_version_id_criterion')),
    )
    with op.batch_alter_table('courses_submission_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_submission_mark_version_id'), ['version_id'], unique=False)

    op.create_table(
        'courses_submission_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=True),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('file_type', sa.String(length=10), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_dt', lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('size > 0', name=op.f('ck_courses_submission_file_size_positive')),
        sa.ForeignKeyConstraint(['submission_id'], ['courses_submission.id'], name=op.f('fk_courses_submission_file_submission_id_courses_submission'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['courses_submission_version.id'], name=op.f('fk_courses_submission_file_version_id_courses_submission_version'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_courses_submission_file')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_courses_submission_file_stored_name')),
    )
    with op.batch_alter_table('courses_submission_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_courses_submission_file_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_courses_submission_file_version_id'), ['version_id'], unique=False)


def downgrade():
    op.drop_table('courses_submission_file')
    op.drop_table('courses_submission_mark')
    op.drop_table('courses_submission_version')
    op.drop_table('courses_submission')
    with op.batch_alter_table('courses_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_courses_item_known_kind'), type_='check')
        batch_op.create_check_constraint('known_kind', "kind IN ('lesson', 'quiz')")
        batch_op.drop_column('assignment')
